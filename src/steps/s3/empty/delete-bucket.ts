/**
 * s3.delete-bucket: delete an (emptied) bucket. Destructive and irreversible, and it gives the name up:
 * once AWS releases it, any account can take it. Refuses to start without a passed s3.verify of this
 * very bucket.
 */
import { z } from "zod";
import { s3 } from "../../../aws/sdk.js";
import { HikkoshiError } from "../../../core/errors.js";
import { defineStep, type PlanResult } from "../../define.js";
import { describeValue, known, planParams, warning } from "../../shared/plan.js";
import { bucketArn, bucketNameSchema, bucketPresence, isS3Error } from "../basics.js";
import { countContents, describeCount } from "./empty.js";
import { PLAN_MAX_PAGES } from "./empty-bucket.js";
import { planVerification, requireVerification, verificationSchema } from "./verification.js";

export const s3DeleteBucketParams = z.strictObject({
  bucket: bucketNameSchema.describe("Bucket in the step's account to delete (it must be empty: s3.empty-bucket)."),
  verification: verificationSchema,
  temporary: z
    .boolean()
    .default(false)
    .describe(
      "A bucket this run made as a detour (s3.move-bucket's temporary bucket): its name does not matter, so the plan does not warn that it can be taken.",
    ),
});
export type S3DeleteBucketParams = z.infer<typeof s3DeleteBucketParams>;

function nameWarning(bucket: string) {
  return warning(
    "BUCKET_NAME_CAN_BE_TAKEN",
    `once ${bucket} is deleted its name is free for ANY AWS account to take (AWS releases it after a few hours, sometimes 48–72 h) — it can be lost for good`,
    "if the name does not matter, move the data to a new name instead (keepName: false) and keep the source",
  );
}

export const s3DeleteBucket = defineStep<S3DeleteBucketParams>({
  type: "s3.delete-bucket",
  description:
    "Delete an emptied bucket (destructive; the name becomes free for any account; needs a passed s3.verify of it).",
  params: s3DeleteBucketParams,
  bucketOwners: [{ bucket: "bucket" }],
  outputs: { bucket: "Bucket name", deletedAt: "ISO time the bucket was deleted (from when its name may be freed)" },
  destructive: true,
  irreversible: true,

  async plan(ctx, raw): Promise<PlanResult> {
    const gate = planVerification(raw, raw.bucket);
    const { params, problems } = planParams<S3DeleteBucketParams>(s3DeleteBucketParams, gate.raw);
    const name = known(params.bucket) ? params.bucket : describeValue(params.bucket);
    const preconditions = [
      ...(gate.problem
        ? [...problems.filter((p) => !p.message.startsWith("with.verification")), gate.problem]
        : problems),
      ...(raw.temporary === true ? [] : [nameWarning(name)]),
    ];
    const base = {
      action: "delete" as const,
      destructive: true,
      irreversible: true,
      danger: raw.temporary === true ? ("intermediate" as const) : ("source" as const),
      resources: [bucketArn(name, ctx.account.region)],
      preconditions,
    };
    if (!known(params.bucket)) return { ...base, summary: `delete bucket ${name}` };
    const presence = await bucketPresence(ctx.aws, ctx.account, params.bucket);
    if (presence.state !== "ours") {
      return {
        ...base,
        summary: `delete bucket ${name}: not a bucket of ${ctx.account.alias} (${presence.state})`,
        observations: { bucket: presence.state },
      };
    }
    const count = await countContents(ctx.aws, ctx.account, params.bucket, PLAN_MAX_PAGES);
    const empty = count.versions + count.deleteMarkers + count.uploads === 0;
    const after = gate.pending ? " once its verify has passed" : "";
    return {
      ...base,
      summary: `delete bucket ${name}${after} in ${ctx.account.alias}; ${empty ? "it is empty" : `it must be emptied first (s3.empty-bucket): it holds ${describeCount(count)}`}`,
      observations: { bucket: presence.state },
    };
  },

  async run(ctx, params) {
    requireVerification(params.bucket, params.verification);
    const saved = ctx.progress?.deletedAt;
    if (typeof saved === "string") return { bucket: params.bucket, deletedAt: saved };
    try {
      await ctx.aws.mutate(
        ctx.account.alias,
        "s3",
        new s3.DeleteBucketCommand({ Bucket: params.bucket, ExpectedBucketOwner: ctx.account.id }),
        bucketArn(params.bucket, ctx.account.region),
      );
    } catch (err) {
      if (isS3Error(err, "BucketNotEmpty")) {
        throw new HikkoshiError(
          "S3_BUCKET_NOT_EMPTY",
          `bucket ${params.bucket} still holds objects, versions, delete markers or uploads`,
          {
            hint: "run s3.empty-bucket on it first (with the same verification), then resume",
            resource: params.bucket,
            cause: err,
          },
        );
      }
      // Gone already: deleted by an attempt that crashed before its checkpoint.
      if (!isS3Error(err, "NoSuchBucket")) throw err;
    }
    const deletedAt = new Date(ctx.clock.now()).toISOString();
    ctx.saveProgress({ deletedAt });
    return { bucket: params.bucket, deletedAt };
  },
});
