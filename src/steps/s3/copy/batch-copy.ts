/**
 * s3.batch-copy: copy a manifest's waves with S3 Batch Operations, one job per wave, strictly in order,
 * in the step's (destination) account. Each job's ClientRequestToken comes from the run, the task and
 * the wave, and is checkpointed before CreateJob: a resume re-attaches to the job instead of creating a
 * second one. Failed tasks are retried once from the completion report. Versions over 5 GB (which
 * Batch Operations cannot copy) are copied by multipart copy in their wave's turn.
 */
import { z } from "zod";
import { defineStep, type PlanResult } from "../../define.js";
import { planParams } from "../../shared/plan.js";
import { manifestSchema } from "../manifest/types.js";
import { pricingParams } from "./batch-cost.js";
import { batchCommonParams, roleArnSchema } from "./batch-params.js";
import { COPY_BUCKET_OWNERS, type CopyStepParams, planCopy, runCopy } from "./step.js";

export const s3BatchCopyParams = z.strictObject({
  manifest: manifestSchema,
  sourceBucket: z.string().min(3).max(63).describe("Bucket the manifest lists."),
  destinationBucket: z.string().min(3).max(63).describe("Bucket of this step's account that receives the copies."),
  roleArn: roleArnSchema,
  ...batchCommonParams,
  ...pricingParams,
});
export type S3BatchCopyParams = z.infer<typeof s3BatchCopyParams>;

export const s3BatchCopy = defineStep<S3BatchCopyParams>({
  type: "s3.batch-copy",
  description:
    "Copy a manifest's waves with S3 Batch Operations (one job per wave, in order; >5 GB by multipart copy).",
  params: s3BatchCopyParams,
  outputs: {
    jobs: "[{ wave, jobId, status, succeeded, failed, retryJobIds }]",
    sourceBucket: "the source bucket",
    destinationBucket: "the destination bucket",
    copied: "{ versions, bytes } copied by the jobs",
    large: "{ versions, bytes } copied by multipart copy (over 5 GB)",
  },
  accountParams: { single: ["sourceAccount"] },
  bucketOwners: COPY_BUCKET_OWNERS,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<S3BatchCopyParams>(s3BatchCopyParams, raw);
    return planCopy(ctx, { ...params, mode: "batch" } as Parameters<typeof planCopy>[1], problems);
  },

  async run(ctx, params) {
    const {
      engine: _engine,
      reason: _reason,
      ...outputs
    } = await runCopy(ctx, {
      ...params,
      mode: "batch",
      concurrency: 8,
      autoMaxVersions: 0,
      autoMaxBytes: 0,
    } as CopyStepParams);
    return outputs;
  },
});
