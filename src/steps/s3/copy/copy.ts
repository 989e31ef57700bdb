/**
 * s3.copy: copy a manifest's waves into the destination bucket with the engine `mode` picks — S3 Batch
 * Operations (one job per wave) or hikkoshi's own CopyObject calls (bounded concurrency) — and the
 * versions over 5 GB always by multipart copy in their wave's turn. `auto` copies directly up to
 * `autoMaxVersions` versions and `autoMaxBytes` bytes, and uses Batch Operations beyond.
 */
import { z } from "zod";
import { defineStep, type PlanResult } from "../../define.js";
import { planParams } from "../../shared/plan.js";
import { manifestSchema } from "../manifest/types.js";
import { pricingParams } from "./batch-cost.js";
import { batchCommonParams, roleArnSchema } from "./batch-params.js";
import { autoParams } from "./plan.js";
import { COPY_BUCKET_OWNERS, type CopyStepParams, planCopy, runCopy } from "./step.js";

export const s3CopyParams = z
  .strictObject({
    manifest: manifestSchema,
    sourceBucket: z.string().min(3).max(63).describe("Bucket the manifest lists."),
    destinationBucket: z.string().min(3).max(63).describe("Bucket of this step's account that receives the copies."),
    mode: z
      .enum(["auto", "batch", "direct"])
      .default("auto")
      .describe("batch: S3 Batch Operations; direct: CopyObject by hikkoshi; auto: direct for small buckets."),
    roleArn: roleArnSchema.optional(),
    concurrency: z.number().int().min(1).max(64).default(8).describe("Direct engine: copies in flight."),
    readGranted: z
      .boolean()
      .default(false)
      .describe(
        "An earlier step (s3.grant-read) lets this account read the source before the copy starts: the plan does not flag a read that is denied today.",
      ),
    ...batchCommonParams,
    ...autoParams,
    ...pricingParams,
  })
  .refine((p) => p.mode !== "batch" || p.roleArn !== undefined, {
    message: "mode batch needs roleArn",
    path: ["roleArn"],
  });
export type S3CopyParams = z.infer<typeof s3CopyParams>;

export const COPY_OUTPUTS: Record<string, string> = {
  engine: '"batch" or "direct"',
  reason: "why the engine was chosen",
  sourceBucket: "the source bucket",
  destinationBucket: "the destination bucket",
  jobs: "[{ wave, jobId, status, succeeded, failed, retryJobIds }] (batch engine)",
  copied: "{ versions, bytes } copied by the wave engine",
  large: "{ versions, bytes } copied by multipart copy (over 5 GB)",
};

export const s3Copy = defineStep<S3CopyParams>({
  type: "s3.copy",
  description:
    "Copy every version of a manifest into a bucket, wave by wave (Batch Operations or direct CopyObject; >5 GB by multipart copy).",
  params: s3CopyParams,
  outputs: COPY_OUTPUTS,
  accountParams: { single: ["sourceAccount"] },
  bucketOwners: COPY_BUCKET_OWNERS,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<S3CopyParams>(s3CopyParams, raw);
    return planCopy(ctx, params as Parameters<typeof planCopy>[1], problems);
  },

  async run(ctx, params) {
    return runCopy(ctx, params as CopyStepParams);
  },
});
