/**
 * s3.grant-read: let other accounts read every version of a bucket, by adding one statement per account
 * (Sid `HikkoshiReadFor<account id>`) to the bucket policy, keeping every other statement as it is.
 * `revoke: true` removes exactly those statements again. Idempotent by construction: read the policy,
 * compute the wanted one, write only when it differs (a crash after the write finds it written).
 *
 * Cross-account reads need both sides: this statement in the bucket's account, and IAM in the reading
 * account (its Batch Operations role, or the identity hikkoshi runs as) allowing the same actions.
 */
import { z } from "zod";
import { awsCategory } from "../../../aws/errors.js";
import { s3 } from "../../../aws/sdk.js";
import { HikkoshiError } from "../../../core/errors.js";
import type { AwsReader, PlanResult } from "../../define.js";
import { defineStep } from "../../define.js";
import { accountAliasOrId, requireAccountIds, resolveAccountIds } from "../../shared/accounts.js";
import { describeValue, failed, known, planParams } from "../../shared/plan.js";
import { bucketArn, isS3Error } from "../basics.js";

/** What a copy of every version (with its tags) and a listing of the bucket need. */
export const READ_ACTIONS = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:GetObjectTagging",
  "s3:GetObjectVersionTagging",
  // Object Lock buckets: HEAD answers a version's retention and legal hold only with these.
  "s3:GetObjectRetention",
  "s3:GetObjectLegalHold",
  "s3:ListBucket",
  "s3:ListBucketVersions",
  "s3:GetBucketLocation",
];
const SID_PREFIX = "HikkoshiReadFor";
/** AWS refuses bucket policies over 20 KB. */
const MAX_POLICY_BYTES = 20 * 1024;

export const s3GrantReadParams = z.strictObject({
  bucket: z.string().min(3).max(63).describe("Bucket in this account whose policy gets the statements."),
  accounts: z
    .array(accountAliasOrId)
    .min(1)
    .max(20)
    .describe("Accounts (aliases or ids) that may read every version and list the bucket."),
  revoke: z.boolean().default(false).describe("Remove the statements this step type adds instead of adding them."),
  grantedEarlier: z
    .boolean()
    .default(false)
    .describe(
      "With revoke: an earlier task of this run adds the statements (s3.move-bucket sets it), so the plan shows their removal as a change even while the policy lacks them today.",
    ),
});
export type S3GrantReadParams = z.infer<typeof s3GrantReadParams>;

interface Statement {
  Sid?: string;
  [field: string]: unknown;
}
interface Policy {
  Version?: string;
  Statement?: Statement[] | Statement;
  [field: string]: unknown;
}

export function readStatement(bucket: string, accountId: string): Statement {
  return {
    Sid: `${SID_PREFIX}${accountId}`,
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${accountId}:root` },
    Action: READ_ACTIONS,
    Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
  };
}

/** The policy with our statements for `accountIds` added (or, revoking, removed); others untouched. */
export function wantedPolicy(
  current: Policy | null,
  bucket: string,
  accountIds: readonly string[],
  revoke: boolean,
): Policy | null {
  const statements = current?.Statement === undefined ? [] : [current.Statement].flat();
  const ours = new Set(accountIds.map((id) => `${SID_PREFIX}${id}`));
  const kept = statements.filter((s) => !(typeof s.Sid === "string" && ours.has(s.Sid)));
  const added = revoke ? [] : accountIds.map((id) => readStatement(bucket, id));
  const all = [...kept, ...added];
  if (all.length === 0) return null;
  return { ...(current ?? {}), Version: current?.Version ?? "2012-10-17", Statement: all };
}

async function readPolicy(aws: AwsReader, alias: string, bucket: string): Promise<Policy | null> {
  try {
    const out = await aws.read(alias, "s3", new s3.GetBucketPolicyCommand({ Bucket: bucket }));
    return out.Policy ? (JSON.parse(out.Policy) as Policy) : null;
  } catch (err) {
    if (isS3Error(err, "NoSuchBucketPolicy")) return null;
    throw err;
  }
}

const same = (a: Policy | null, b: Policy | null) => JSON.stringify(a) === JSON.stringify(b);

function sidList(ids: readonly string[]): string {
  return ids.map((id) => `${SID_PREFIX}${id}`).join(", ");
}

export const s3GrantRead = defineStep<S3GrantReadParams>({
  type: "s3.grant-read",
  description:
    "Add (or with revoke: remove) bucket policy statements that let other accounts read every version of the bucket.",
  params: s3GrantReadParams,
  outputs: {
    bucket: "The bucket",
    statements: "Sids of the statements added or removed",
    changed: "Whether the policy was written",
  },
  accountParams: { list: ["accounts"] },
  bucketOwners: [{ bucket: "bucket" }],

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<S3GrantReadParams>(s3GrantReadParams, raw);
    const revoke = known(params.revoke) && params.revoke;
    const bucket = describeValue(params.bucket);
    const ids = known(params.accounts) ? resolveAccountIds(ctx.accounts, params.accounts).ids : [];
    let current: Policy | null = null;
    let readable = false;
    if (known(params.bucket)) {
      try {
        current = await readPolicy(ctx.aws, ctx.account.alias, params.bucket);
        readable = true;
      } catch (err) {
        const category = awsCategory(err);
        if (category === "not-found") {
          problems.push(failed("S3_BUCKET_NOT_FOUND", `${params.bucket} does not exist in ${ctx.account.alias}`));
        } else if (category === "access-denied") {
          problems.push(
            failed(
              "S3_POLICY_UNREADABLE",
              `${ctx.account.alias} cannot read the policy of ${params.bucket} (s3:GetBucketPolicy)`,
              "grant s3:GetBucketPolicy and s3:PutBucketPolicy on the bucket to the identity hikkoshi runs as",
            ),
          );
        } else throw err;
      }
    }
    const wanted = readable && known(params.bucket) ? wantedPolicy(current, params.bucket, ids, revoke) : undefined;
    const size = wanted ? Buffer.byteLength(JSON.stringify(wanted)) : 0;
    if (size > MAX_POLICY_BYTES) {
      problems.push(
        failed(
          "S3_POLICY_TOO_LARGE",
          `the policy of ${bucket} with the read statements would be ${size} bytes (AWS allows ${MAX_POLICY_BYTES})`,
          "shorten the existing policy, or grant read yourself and leave this step out",
        ),
      );
    }
    // A revoke planned after a grant of this very run: the statements will be there when it runs.
    const granted = revoke && known(params.grantedEarlier) && params.grantedEarlier;
    const done = readable && !granted && same(current, wanted ?? null);
    const verb = revoke ? "remove" : "add";
    return {
      action: done ? "already-done" : "modify",
      summary: done
        ? `the policy of ${bucket} already ${revoke ? "lacks" : "has"} ${sidList(ids)}`
        : `${verb} ${sidList(ids) || "read statements"} ${revoke ? "from" : "to"} the policy of ${bucket} (${revoke ? "revoke" : "read of every version for"} ${ids.join(", ")}${granted ? ", added earlier in this run" : ""}; other statements kept)`,
      resources: [bucketArn(bucket, ctx.account.region)],
      preconditions: problems,
      predictedOutputs: { bucket: params.bucket as string, statements: ids.map((id) => `${SID_PREFIX}${id}`) },
      observations: { policy: readable ? (JSON.stringify(current) ?? null) : null },
    };
  },

  async run(ctx, params) {
    const ids = requireAccountIds(ctx.accounts, params.accounts);
    const current = await readPolicy(ctx.aws, ctx.account.alias, params.bucket);
    const wanted = wantedPolicy(current, params.bucket, ids, params.revoke);
    const statements = ids.map((id) => `${SID_PREFIX}${id}`);
    if (same(current, wanted)) return { bucket: params.bucket, statements, changed: false };
    if (wanted === null) {
      await ctx.aws.mutate(
        ctx.account.alias,
        "s3",
        new s3.DeleteBucketPolicyCommand({ Bucket: params.bucket }),
        params.bucket,
      );
    } else {
      const text = JSON.stringify(wanted);
      if (Buffer.byteLength(text) > MAX_POLICY_BYTES) {
        throw new HikkoshiError("S3_POLICY_TOO_LARGE", `the policy of ${params.bucket} would pass 20 KB`, {
          hint: "shorten the existing policy, or grant read yourself and leave this step out",
          resource: params.bucket,
        });
      }
      await ctx.aws.mutate(
        ctx.account.alias,
        "s3",
        new s3.PutBucketPolicyCommand({ Bucket: params.bucket, Policy: text }),
        params.bucket,
      );
    }
    ctx.log.info(`${params.revoke ? "removed" : "added"} ${statements.join(", ")} on ${params.bucket}`);
    return { bucket: params.bucket, statements, changed: true };
  },
});
