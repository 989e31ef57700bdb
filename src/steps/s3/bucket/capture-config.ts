/**
 * s3.capture-config: read every setting of a bucket that a re-created bucket would lose, and keep it as
 * the task's outputs (plain JSON, policies parsed) so it survives after the source bucket is gone. The
 * plan says what will and will not follow the bucket, and blocks what cannot be moved at all.
 */
import { z } from "zod";
import { HikkoshiError } from "../../../core/errors.js";
import { defineStep, type PlanResult, type Precondition } from "../../define.js";
import { describeValue, failed, known, planParams } from "../../shared/plan.js";
import { type BucketPresence, bucketArn, bucketNameSchema, bucketPresence, otherRegionError } from "../basics.js";
import { presentSettings, readBucketConfig } from "./config.js";
import { captureFindings, reapplySummary } from "./findings.js";

export const s3CaptureConfigParams = z.strictObject({
  bucket: bucketNameSchema.describe("Bucket in the step's account whose settings are captured."),
});
export type S3CaptureConfigParams = z.infer<typeof s3CaptureConfigParams>;

function presenceProblem(
  presence: BucketPresence,
  bucket: string,
  account: { alias: string; id: string; region: string },
) {
  if (presence.state === "absent") {
    return failed("S3_BUCKET_NOT_FOUND", `bucket ${bucket} does not exist`, "check the name and the account");
  }
  if (presence.state === "foreign") {
    return failed(
      "S3_BUCKET_NOT_OURS",
      `bucket ${bucket} does not belong to ${account.alias} (${account.id})`,
      "run the capture in the account that owns the bucket",
    );
  }
  if (presence.region !== account.region) {
    const err = otherRegionError(bucket, account, presence.region);
    return failed(err.code, err.message, err.hint);
  }
  return undefined;
}

export const s3CaptureConfig = defineStep<S3CaptureConfigParams>({
  type: "s3.capture-config",
  description:
    "Capture every setting of a bucket (versioning, encryption, lifecycle, tags, CORS, website, ownership, public access block, policy, notifications, replication, Object Lock, logging, requester pays).",
  params: s3CaptureConfigParams,
  bucketOwners: [{ bucket: "bucket" }],
  outputs: {
    bucket: "Bucket name",
    region: "Region of the bucket",
    config:
      "Every setting as JSON (null when absent) plus sourceAccountId / sourceRegion / sourceBucket: the `config` param of s3.create-bucket and s3.wait-bucket-name",
  },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<S3CaptureConfigParams>(s3CaptureConfigParams, raw);
    const bucket = params.bucket;
    if (!known(bucket) || problems.length > 0) {
      return {
        action: "noop",
        summary: `capture the settings of ${describeValue(bucket)}`,
        resources: [],
        preconditions: problems,
      };
    }
    const presence = await bucketPresence(ctx.aws, ctx.account, bucket);
    const problem = presenceProblem(presence, bucket, ctx.account);
    const resources = [bucketArn(bucket, ctx.account.region)];
    if (problem) {
      return {
        action: "noop",
        summary: `capture the settings of ${bucket}`,
        resources,
        preconditions: [problem],
        observations: { bucket: presence.state },
      };
    }
    const config = await readBucketConfig(ctx.aws, ctx.account, bucket, ctx.account.region);
    const present = presentSettings(config);
    const findings: Precondition[] = await captureFindings(ctx.aws, ctx.account, bucket, config);
    return {
      action: "noop",
      summary: `capture ${present.length} setting(s) of ${bucket}: ${present.join(", ") || "none"}; ${reapplySummary(config)}`,
      resources,
      preconditions: findings,
      predictedOutputs: { bucket, region: ctx.account.region, config },
      observations: { bucket: presence.state, settings: present },
    };
  },

  async run(ctx, params) {
    const presence = await bucketPresence(ctx.aws, ctx.account, params.bucket);
    const problem = presenceProblem(presence, params.bucket, ctx.account);
    if (problem)
      throw new HikkoshiError(problem.code, problem.message, { hint: problem.hint, resource: params.bucket });
    const config = await readBucketConfig(ctx.aws, ctx.account, params.bucket, ctx.account.region);
    ctx.log.info(`captured ${presentSettings(config).join(", ") || "no settings"} of ${params.bucket}`);
    return { bucket: params.bucket, region: ctx.account.region, config };
  },
});
