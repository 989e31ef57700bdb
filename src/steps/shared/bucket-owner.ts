/**
 * ExpectedBucketOwner on every S3 call whose bucket's owner the task knows. A step type declares which
 * params name buckets and which param names the account that owns each (none: the step's own account);
 * the step then gets an AWS access that stamps `ExpectedBucketOwner` (and `ExpectedSourceBucketOwner` for
 * the source of a copy) on every S3 command about those buckets — so a name taken by a third account, or
 * a run with the wrong credentials, can never read, write to or delete a bucket that is not the one meant:
 * S3 answers 403 instead. A field the step set itself is left alone.
 */
import type { MetadataBearer } from "@smithy/types";
import type { AwsCommand, ServiceName } from "../../aws/types.js";
import type { AccountRef, AwsReader, AwsWriter, BucketOwnerParam } from "../define.js";

const ACCOUNT_ID = /^\d{12}$/;

/** The values at a dotted path; a list on the way (or at the end) gives one value per item. */
function valuesAt(params: unknown, path: string): unknown[] {
  let values: unknown[] = [params];
  for (const part of path.split(".")) {
    values = values
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .map((v) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[part] : undefined));
  }
  return values.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

/** bucket → owning account id, for the declared params whose values are known (plan may hold unresolved ones). */
export function knownOwners(
  declared: readonly BucketOwnerParam[],
  params: unknown,
  ctx: { account: AccountRef; accounts: Record<string, AccountRef> },
): Map<string, string> {
  const owners = new Map<string, string>();
  const conflicting = new Set<string>();
  for (const d of declared) {
    let owner: string | undefined = ctx.account.id;
    if (d.owner !== undefined) {
      const alias = valuesAt(params, d.owner)[0];
      owner = typeof alias !== "string" ? undefined : ACCOUNT_ID.test(alias) ? alias : ctx.accounts[alias]?.id;
    }
    if (owner === undefined) continue;
    for (const bucket of valuesAt(params, d.bucket)) {
      if (typeof bucket !== "string" || bucket === "") continue;
      // Two owners for one name in one task: say nothing rather than the wrong thing.
      if (owners.has(bucket) && owners.get(bucket) !== owner) conflicting.add(bucket);
      owners.set(bucket, owner);
    }
  }
  for (const bucket of conflicting) owners.delete(bucket);
  return owners;
}

/** The bucket of a CopySource ("bucket/key?versionId=…", possibly URL-encoded, possibly with a leading "/"). */
function copySourceBucket(source: string): string {
  const path = source.replace(/^\//, "");
  return decodeURIComponent(path.slice(0, path.indexOf("/") < 0 ? path.length : path.indexOf("/")));
}

function stamp<C>(service: ServiceName, command: C, owners: Map<string, string>): C {
  if (service !== "s3" || owners.size === 0) return command;
  const input = (command as { input?: Record<string, unknown> }).input;
  if (!input) return command;
  const bucket = input.Bucket;
  if (typeof bucket === "string" && input.ExpectedBucketOwner === undefined && owners.has(bucket)) {
    input.ExpectedBucketOwner = owners.get(bucket);
  }
  const source = input.CopySource;
  if (typeof source === "string" && input.ExpectedSourceBucketOwner === undefined) {
    const owner = owners.get(copySourceBucket(source));
    if (owner !== undefined) input.ExpectedSourceBucketOwner = owner;
  }
  return command;
}

export function withBucketOwners<A extends AwsReader | AwsWriter>(aws: A, owners: Map<string, string>): A {
  if (owners.size === 0) return aws;
  const wrapped: AwsReader = {
    read: <O extends MetadataBearer>(alias: string, service: ServiceName, command: AwsCommand<O>) =>
      aws.read(alias, service, stamp(service, command, owners)),
    dryRun: (alias, service, command) => aws.dryRun(alias, service, command),
  };
  if (!("mutate" in aws)) return wrapped as A;
  const writer = aws as AwsWriter;
  return {
    ...wrapped,
    mutate: <O extends MetadataBearer>(alias: string, service: ServiceName, command: AwsCommand<O>, resource: string) =>
      writer.mutate(alias, service, stamp(service, command, owners), resource),
  } as A;
}
