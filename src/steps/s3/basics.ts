/**
 * Bucket basics shared by the S3 step types: the name schema, ARNs, S3 error codes, "is this bucket
 * ours?" and the one CreateBucket attempt that create-bucket and wait-bucket-name both make.
 */

import { z } from "zod";
import { AwsError, awsCategory, awsErrorName } from "../../aws/errors.js";
import { partitionOf } from "../../aws/permissions.js";
import { s3 } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import type { AccountRef, AwsReader, RunContext } from "../define.js";
import { tagMap } from "../shared/ownership.js";

/** S3 bucket naming rules (general purpose buckets): 3–63 of [a-z0-9.-], letter or digit at both ends. */
export const bucketNameSchema = z
  .string()
  .min(3)
  .max(63)
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "lower-case letters, digits, '.' and '-', a letter or digit at both ends")
  .refine((n) => !n.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(n), {
    message: "no '..' and not an IP address",
  })
  .describe("Bucket name (global across all AWS accounts).");

export function bucketArn(bucket: string, region: string): string {
  return `arn:${partitionOf(region)}:s3:::${bucket}`;
}

/** The code of an S3 error, raw or wrapped: S3 answers REST-XML codes that the SDK uses as `name`. */
export function s3ErrorCode(err: unknown): string | undefined {
  if (err instanceof AwsError) return err.awsCode === "Unknown" ? err.awsName : err.awsCode;
  return awsErrorName(err);
}

export function isS3Error(err: unknown, ...codes: string[]): boolean {
  if (err instanceof AwsError) return codes.includes(err.awsCode) || codes.includes(err.awsName ?? "");
  const name = awsErrorName(err);
  return name !== undefined && codes.includes(name);
}

/** GetBucketLocation answers no constraint for us-east-1 and the legacy "EU" for eu-west-1. */
export function regionOfConstraint(constraint: string | undefined | null): string {
  if (!constraint) return "us-east-1";
  return constraint === "EU" ? "eu-west-1" : constraint;
}

export async function bucketRegion(aws: AwsReader, account: AccountRef, bucket: string): Promise<string> {
  const out = await aws.read(
    account.alias,
    "s3",
    new s3.GetBucketLocationCommand({ Bucket: bucket, ExpectedBucketOwner: account.id }),
  );
  return regionOfConstraint(out.LocationConstraint);
}

export type BucketPresence =
  | { state: "ours"; region: string }
  | { state: "absent" }
  /** Exists and belongs to another account (or this account may not even look at it). */
  | { state: "foreign" };

/** Whether `bucket` is in this account's ListBuckets (the owner check that does not trust status codes). */
async function listedByUs(aws: AwsReader, account: AccountRef, bucket: string): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const out = await aws.read(
      account.alias,
      "s3",
      new s3.ListBucketsCommand({ Prefix: bucket, ...(token ? { ContinuationToken: token } : {}) }),
    );
    const hit = out.Buckets?.find((b) => b.Name === bucket);
    if (hit) return hit.BucketRegion ?? (await bucketRegion(aws, account, bucket));
    token = out.ContinuationToken;
  } while (token);
  return undefined;
}

/**
 * HeadBucket with ExpectedBucketOwner: 200 = ours, 404 = nobody's (which does not prove the name can be
 * taken: a deleted name stays blocked for hours), 403 = someone else's — or ours without s3:ListBucket,
 * which ListBuckets settles.
 */
export async function bucketPresence(aws: AwsReader, account: AccountRef, bucket: string): Promise<BucketPresence> {
  try {
    const out = await aws.read(
      account.alias,
      "s3",
      new s3.HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: account.id }),
    );
    return { state: "ours", region: out.BucketRegion ?? (await bucketRegion(aws, account, bucket)) };
  } catch (err) {
    const category = awsCategory(err);
    if (category === "not-found") return { state: "absent" };
    if (category !== "access-denied") throw err;
  }
  const region = await listedByUs(aws, account, bucket).catch((err: unknown) => {
    if (awsCategory(err) === "access-denied") return undefined;
    throw err;
  });
  return region === undefined ? { state: "foreign" } : { state: "ours", region };
}

/** BucketAlreadyExists: the name is another account's. AWS never says whose. */
export function nameTakenError(bucket: string, account: AccountRef, whileWaiting: boolean): HikkoshiError {
  const hint = whileWaiting
    ? `another account took ${bucket} while it was free (AWS does not say which): pick a new name and re-run with keepName: false, or ask AWS support`
    : `another AWS account owns ${bucket} (AWS does not say which): pick a new name (keepName: false), or use s3.wait-bucket-name if it is your source bucket about to be deleted`;
  return new HikkoshiError(
    "BUCKET_NAME_TAKEN",
    `bucket name ${bucket} belongs to another AWS account (CreateBucket in ${account.alias} answered BucketAlreadyExists)`,
    { hint, resource: bucket },
  );
}

export function otherRegionError(bucket: string, account: AccountRef, region: string): HikkoshiError {
  return new HikkoshiError(
    "BUCKET_IN_OTHER_REGION",
    `bucket ${bucket} is in ${region}, but ${account.alias} works in ${account.region}`,
    {
      hint: `declare an account alias for ${account.id} with region: ${region} and use it for this bucket`,
      resource: bucket,
    },
  );
}

export type CreateAttempt = "created" | "adopted" | "name-not-free-yet";

export interface CreateOptions {
  objectLock: boolean;
  /** The ObjectOwnership to create with (ownership controls are put again afterwards anyway). */
  objectOwnership?: string | undefined;
  /** For the message when the name turns out taken: s3.wait-bucket-name lost a race for a free name. */
  waitingForName?: boolean;
  /** Called right before CreateBucket is sent (record the intent in progress). */
  beforeCreate?: () => void;
}

/**
 * One CreateBucket in the step's account and region. Already ours = "adopted"; OperationAborted (the
 * name is still being released after a DeleteBucket) = "name-not-free-yet"; BucketAlreadyExists = the
 * name is someone else's: a HikkoshiError. us-east-1 answers 200 when we already own the bucket, so
 * ownership is checked before and after instead of trusting the status code.
 */
export async function attemptCreateBucket(
  ctx: RunContext,
  bucket: string,
  options: CreateOptions,
): Promise<CreateAttempt> {
  const { account } = ctx;
  const before = await bucketPresence(ctx.aws, account, bucket);
  if (before.state === "ours") {
    if (before.region !== account.region) throw otherRegionError(bucket, account, before.region);
    return "adopted";
  }
  const command = new s3.CreateBucketCommand({
    Bucket: bucket,
    ...(account.region === "us-east-1"
      ? {}
      : { CreateBucketConfiguration: { LocationConstraint: account.region as never } }),
    ...(options.objectLock ? { ObjectLockEnabledForBucket: true } : {}),
    ...(options.objectOwnership ? { ObjectOwnership: options.objectOwnership as never } : {}),
  });
  options.beforeCreate?.();
  try {
    await ctx.aws.mutate(account.alias, "s3", command, bucketArn(bucket, account.region));
  } catch (err) {
    if (isS3Error(err, "BucketAlreadyOwnedByYou")) return "adopted";
    if (isS3Error(err, "OperationAborted")) return "name-not-free-yet";
    if (isS3Error(err, "BucketAlreadyExists")) throw nameTakenError(bucket, account, options.waitingForName === true);
    throw err;
  }
  const after = await bucketPresence(ctx.aws, account, bucket);
  if (after.state !== "ours") {
    throw new HikkoshiError(
      "BUCKET_OWNERSHIP_UNCONFIRMED",
      `CreateBucket ${bucket} answered success, but ${account.alias} (${account.id}) does not own it`,
      { hint: "check the bucket's owner in the console before resuming", resource: bucket },
    );
  }
  return "created";
}

/**
 * Whether `bucket` has Object Lock enabled (its versions' retention and legal holds must then be carried):
 * no configuration (or no bucket) = false; "unreadable" when this account may not look.
 */
export async function objectLockEnabled(
  aws: AwsReader,
  alias: string,
  bucket: string,
): Promise<boolean | "unreadable"> {
  try {
    const out = await aws.read(alias, "s3", new s3.GetObjectLockConfigurationCommand({ Bucket: bucket }));
    return out.ObjectLockConfiguration?.ObjectLockEnabled === "Enabled";
  } catch (err) {
    if (awsCategory(err) === "not-found" || awsErrorName(err) === "ObjectLockConfigurationNotFoundError") return false;
    if (awsCategory(err) === "access-denied") return "unreadable";
    throw err;
  }
}

/** A bucket's tags ({} when it has none), the owner checked. */
export async function bucketTags(aws: AwsReader, account: AccountRef, bucket: string): Promise<Record<string, string>> {
  try {
    const out = await aws.read(
      account.alias,
      "s3",
      new s3.GetBucketTaggingCommand({ Bucket: bucket, ExpectedBucketOwner: account.id }),
    );
    return tagMap(out.TagSet);
  } catch (err) {
    if (isS3Error(err, "NoSuchTagSet")) return {};
    throw err;
  }
}
