/**
 * s3.create-bucket: a bucket in the step's account and region, with the settings of a captured config
 * (account ids rewritten when asked). A bucket this account already owns is adopted; a name another
 * account owns fails loudly.
 */
import { z } from "zod";
import { HikkoshiError } from "../../../core/errors.js";
import type { JsonObject } from "../../../core/json.js";
import { defineStep, type PlanResult } from "../../define.js";
import { describeValue, known, planParams } from "../../shared/plan.js";
import { attemptCreateBucket, bucketArn } from "../basics.js";
import {
  asConfig,
  CREATE_OUTPUTS,
  configureAndReport,
  createParamsShape,
  objectOwnershipOf,
  observePresence,
  planConfig,
  presenceProblems,
} from "./create.js";

export const s3CreateBucketParams = z.strictObject(createParamsShape);
export type S3CreateBucketParams = z.infer<typeof s3CreateBucketParams>;

export const s3CreateBucket = defineStep<S3CreateBucketParams>({
  type: "s3.create-bucket",
  description: "Create a bucket (or adopt this account's own) and apply a captured configuration to it.",
  params: s3CreateBucketParams,
  bucketOwners: [{ bucket: "bucket" }],
  outputs: CREATE_OUTPUTS,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<S3CreateBucketParams>(s3CreateBucketParams, raw);
    const bucket = params.bucket;
    const presence = await observePresence(ctx, bucket);
    const name = known(bucket) ? bucket : describeValue(bucket);
    const settings = await planConfig(ctx, name, params.config, params.rewriteAccountIds ?? false, params.only);
    const verb = presence?.state === "ours" ? `adopt ${name} (already in ${ctx.account.alias})` : `create ${name}`;
    return {
      action: presence?.state !== "ours" ? "create" : params.config === undefined ? "already-done" : "modify",
      summary: `${verb} in ${ctx.account.alias} (${ctx.account.region}); ${settings.summary}`,
      resources: [bucketArn(name, ctx.account.region)],
      preconditions: [
        ...problems,
        ...(presence ? presenceProblems(presence, name, ctx, "create") : []),
        ...settings.preconditions,
      ],
      predictedOutputs: {
        bucket: name,
        arn: bucketArn(name, ctx.account.region),
        region: ctx.account.region,
        created: presence?.state !== "ours",
      },
      observations: { bucket: presence?.state ?? null, ...settings.observations },
    };
  },

  async run(ctx, params) {
    const state: JsonObject = { ...(ctx.progress ?? {}) };
    if (state.outcome === undefined) {
      const sentBefore = state.createSent === true;
      const config = asConfig(params.config);
      const attempt = await attemptCreateBucket(ctx, params.bucket, {
        objectLock: config?.objectLock != null,
        objectOwnership: objectOwnershipOf(config),
        beforeCreate: () => {
          state.createSent = true;
          ctx.saveProgress(state);
        },
      });
      if (attempt === "name-not-free-yet") {
        throw new HikkoshiError(
          "BUCKET_NAME_NOT_FREE_YET",
          `CreateBucket ${params.bucket} answered OperationAborted: the name was deleted recently and AWS has not released it yet`,
          {
            hint: "use s3.wait-bucket-name, which keeps trying for hours (AWS frees a name after a few hours, sometimes 48–72 h)",
            resource: params.bucket,
          },
        );
      }
      // Adopting after our own CreateBucket was sent (a crash right after it) still counts as created.
      state.outcome = attempt === "created" || sentBefore ? "created" : "adopted";
      ctx.saveProgress(state);
    }
    return configureAndReport(ctx, state, params);
  },
});
