/**
 * s3.empty-bucket: delete every version, delete marker and incomplete multipart upload of a bucket, so
 * DeleteBucket can follow. Destructive and irreversible; refuses to start without a passed s3.verify of
 * this very bucket. Resumable: the listing markers and counts are checkpointed after every batch.
 */
import { z } from "zod";
import { defineStep, type PlanResult } from "../../define.js";
import { describeValue, known, planParams } from "../../shared/plan.js";
import { bucketArn, bucketNameSchema, bucketPresence } from "../basics.js";
import { abortAllUploads, countContents, deleteAllVersions, describeCount, initialEmptyState } from "./empty.js";
import { planVerification, requireVerification, verificationSchema } from "./verification.js";

/** Plan lists at most this many pages (of 1000) per bucket; beyond, counts read "at least". */
export const PLAN_MAX_PAGES = 10;

export const s3EmptyBucketParams = z.strictObject({
  bucket: bucketNameSchema.describe("Bucket in the step's account to empty (all versions, markers and uploads)."),
  verification: verificationSchema,
  temporary: z
    .boolean()
    .default(false)
    .describe(
      "A bucket this run made as a detour (s3.move-bucket's temporary bucket): emptying it removes the run's own copy, not source data.",
    ),
});
export type S3EmptyBucketParams = z.infer<typeof s3EmptyBucketParams>;

export const s3EmptyBucket = defineStep<S3EmptyBucketParams>({
  type: "s3.empty-bucket",
  description:
    "Delete every object version, delete marker and incomplete multipart upload of a bucket (destructive; needs a passed s3.verify of it).",
  params: s3EmptyBucketParams,
  bucketOwners: [{ bucket: "bucket" }],
  outputs: {
    bucket: "Bucket name",
    deletedVersions: "Object versions deleted",
    deletedMarkers: "Delete markers deleted",
    abortedUploads: "Incomplete multipart uploads aborted",
  },
  destructive: true,
  irreversible: true,

  async plan(ctx, raw): Promise<PlanResult> {
    const gate = planVerification(raw, raw.bucket);
    const { params, problems } = planParams<S3EmptyBucketParams>(s3EmptyBucketParams, gate.raw);
    const preconditions = gate.problem
      ? [...problems.filter((p) => !p.message.startsWith("with.verification")), gate.problem]
      : problems;
    const base = {
      action: "delete" as const,
      destructive: true,
      irreversible: true,
      danger: raw.temporary === true ? ("intermediate" as const) : ("source" as const),
      preconditions,
    };
    if (!known(params.bucket)) {
      return { ...base, summary: `empty ${describeValue(params.bucket)}`, resources: [] };
    }
    const bucket = params.bucket;
    const resources = [bucketArn(bucket, ctx.account.region)];
    const presence = await bucketPresence(ctx.aws, ctx.account, bucket);
    if (presence.state !== "ours") {
      return {
        ...base,
        summary: `empty ${bucket}: it is not a bucket of ${ctx.account.alias} (${presence.state}); nothing to delete`,
        resources,
        observations: { bucket: presence.state },
      };
    }
    const count = await countContents(ctx.aws, ctx.account, bucket, PLAN_MAX_PAGES);
    const after = gate.pending ? " once its verify has passed" : "";
    return {
      ...base,
      summary: `empty ${bucket}${after}: delete ${describeCount(count)}`,
      resources,
      estimate: {
        sizeGb: count.bytes / 1024 ** 3,
        note: count.complete ? "counted in full" : `counted the first ${PLAN_MAX_PAGES * 1000} entries only`,
      },
      observations: { bucket: presence.state },
    };
  },

  async run(ctx, params) {
    // Before any call: the gate only opens for a passed verify of this very bucket.
    requireVerification(params.bucket, params.verification);
    const state = initialEmptyState(ctx.progress);
    if (state.phase === "versions") await deleteAllVersions(ctx, params.bucket, state);
    if (state.phase === "uploads") await abortAllUploads(ctx, params.bucket, state);
    return {
      bucket: params.bucket,
      deletedVersions: state.deletedVersions,
      deletedMarkers: state.deletedMarkers,
      abortedUploads: state.abortedUploads,
    };
  },
});
