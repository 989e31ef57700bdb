/**
 * What a full-depth verify costs and needs: the plan states its request count, cost and time (or, at
 * `depth: listing`, what goes unchecked); the run reads the KMS key the destination bucket encrypts with.
 */
import { awsCategory } from "../../../aws/errors.js";
import { s3 } from "../../../aws/sdk.js";
import type { PlanContext, RunContext } from "../../define.js";
import { sampleBucket } from "../manifest/sample.js";

/** S3 Standard list price of 1,000 GET/HEAD requests, USD. */
const HEAD_PER_1000_USD = 0.0004;
/** Heuristic: HEAD round trips per second per request in flight. */
const HEADS_PER_SECOND_PER_WORKER = 25;

export const UNCHECKED_AT_LISTING =
  "content-type, -encoding, -disposition, -language, cache-control, expires, user metadata, checksums, encryption, Object Lock and tags";

/** The key of the bucket's default SSE-KMS encryption (ARN or id), if it has one. */
export async function bucketKmsKey(ctx: RunContext, alias: string, bucket: string): Promise<string | undefined> {
  try {
    const out = await ctx.aws.read(alias, "s3", new s3.GetBucketEncryptionCommand({ Bucket: bucket }));
    const rule = out.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    const key = rule?.SSEAlgorithm === "aws:kms" ? rule.KMSMasterKeyID : undefined;
    // An alias cannot be matched against the key ARN that HEAD answers without asking KMS: not compared.
    return key && !key.startsWith("alias/") ? key : undefined;
  } catch (err) {
    if (awsCategory(err) === "not-found" || awsCategory(err) === "access-denied") return undefined;
    throw err;
  }
}

/** The plan's words on depth: requests, cost, time — or what `depth: listing` leaves unchecked. */
export async function verifyPlanNotes(
  ctx: PlanContext,
  o: { depth: "full" | "listing"; source: string | undefined; sourceAlias: string; concurrency: number },
): Promise<{ note: string; durationSeconds?: number; costUsd?: number }> {
  if (o.depth === "listing") return { note: `depth: listing — not compared: ${UNCHECKED_AT_LISTING}` };
  const what = "per version on both sides: HEAD, and GetObjectTagging where tagged";
  if (o.source === undefined) return { note: `${what} (count known once the source exists)` };
  try {
    const sample = await sampleBucket(ctx.aws, o.sourceAlias, o.source);
    const heads = 2 * sample.versions;
    const usd = (heads / 1000) * HEAD_PER_1000_USD;
    const durationSeconds = Math.ceil(heads / (o.concurrency * HEADS_PER_SECOND_PER_WORKER));
    const atLeast = sample.complete ? "" : "at least ";
    return {
      note: `${what}: ${atLeast}${heads.toLocaleString("en-US")} HEAD requests (+2 per tagged version), ~$${usd.toFixed(2)}`,
      durationSeconds,
      costUsd: usd,
    };
  } catch (err) {
    if (awsCategory(err) === "not-found" || awsCategory(err) === "access-denied") {
      return { note: `${what} (count known once the source can be listed)` };
    }
    throw err;
  }
}
