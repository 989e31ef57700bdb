/**
 * s3.wait-bucket-name: after a bucket was deleted in one account, take its name in this one. The loop is
 * CreateBucket itself (HeadBucket 404 does not prove a name is free): OperationAborted = not yet,
 * BucketAlreadyOwnedByYou (or, in us-east-1, our ownership) = done, BucketAlreadyExists = another account
 * took it. The engine owns the wait: backoff, a deadline persisted across restarts, no worker slot held.
 * Then the captured config is applied, like s3.create-bucket.
 */
import { z } from "zod";
import { tryParseDuration } from "../../../core/duration.js";
import type { JsonObject } from "../../../core/json.js";
import { defineStep, type PlanResult } from "../../define.js";
import { describeValue, known, planParams } from "../../shared/plan.js";
import { attemptCreateBucket, bucketArn, type CreateAttempt } from "../basics.js";
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

const FIRST_INTERVAL_MS = 30_000;
const MAX_INTERVAL_MS = 5 * 60_000;

export const s3WaitBucketNameParams = z.strictObject({
  ...createParamsShape,
  timeout: z
    .string()
    .default("72h")
    .refine((t) => tryParseDuration(t) !== undefined, { message: "a duration such as 72h, 90m or 2d" })
    .describe(
      "How long to keep trying before failing (AWS frees a deleted name after a few hours, sometimes 48–72 h). The deadline survives restarts.",
    ),
});
export type S3WaitBucketNameParams = z.infer<typeof s3WaitBucketNameParams>;

/** "2h 05m", "14m 30s", "40s". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return m > 0 ? `${m}m ${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export const s3WaitBucketName = defineStep<S3WaitBucketNameParams>({
  type: "s3.wait-bucket-name",
  description:
    "Wait until a deleted bucket's name is released and take it in this account (CreateBucket loop), then apply a captured configuration.",
  params: s3WaitBucketNameParams,
  bucketOwners: [{ bucket: "bucket" }],
  outputs: { ...CREATE_OUTPUTS, attempts: "CreateBucket attempts it took" },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<S3WaitBucketNameParams>(s3WaitBucketNameParams, raw);
    const name = known(params.bucket) ? params.bucket : describeValue(params.bucket);
    const presence = await observePresence(ctx, params.bucket);
    const settings = await planConfig(ctx, name, params.config, params.rewriteAccountIds ?? false, params.only);
    const timeout = known(params.timeout) ? params.timeout : "72h";
    const now =
      presence?.state === "ours"
        ? `${name} is already ${ctx.account.alias}'s: adopt it`
        : presence?.state === "foreign"
          ? `${name} is still held by another account (the source, until it is deleted)`
          : `${name} is not visible (a deleted name may still be held by AWS for hours)`;
    return {
      action: presence?.state !== "ours" ? "wait" : params.config === undefined ? "already-done" : "modify",
      summary: `wait for the name ${name} and create it in ${ctx.account.alias} (${ctx.account.region}): ${now}; ${settings.summary}`,
      resources: [bucketArn(name, ctx.account.region)],
      preconditions: [
        ...problems,
        ...(presence ? presenceProblems(presence, name, ctx, "wait") : []),
        ...settings.preconditions,
      ],
      estimate: {
        note: `AWS releases a deleted bucket name after a few hours, sometimes 48–72 h; gives up after ${timeout}; if another account takes the name meanwhile, this step stops and the name is lost`,
      },
      predictedOutputs: { bucket: name, arn: bucketArn(name, ctx.account.region), region: ctx.account.region },
      observations: { bucket: presence?.state ?? null, ...settings.observations },
    };
  },

  async run(ctx, params) {
    const state: JsonObject = { ...(ctx.progress ?? {}) };
    if (state.outcome === undefined) {
      const config = asConfig(params.config);
      const sentBefore = state.createSent === true;
      if (typeof state.startedAt !== "number") state.startedAt = ctx.clock.now();
      const startedAt = state.startedAt;
      let attempts = typeof state.attempts === "number" ? state.attempts : 0;
      const attempt = await ctx.wait<CreateAttempt>({
        what: `bucket name ${params.bucket} released (CreateBucket in ${ctx.account.alias})`,
        timeoutMs: tryParseDuration(params.timeout) ?? 72 * 3_600_000,
        intervalMs: FIRST_INTERVAL_MS,
        maxIntervalMs: MAX_INTERVAL_MS,
        poll: async () => {
          attempts += 1;
          state.attempts = attempts;
          const result = await attemptCreateBucket(ctx, params.bucket, {
            objectLock: config?.objectLock != null,
            objectOwnership: objectOwnershipOf(config),
            waitingForName: true,
            beforeCreate: () => {
              state.createSent = true;
              ctx.saveProgress(state);
            },
          });
          ctx.saveProgress(state);
          if (result !== "name-not-free-yet") return { done: true, value: result };
          return {
            done: false,
            message: `${params.bucket} not released yet (OperationAborted): waited ${formatElapsed(ctx.clock.now() - startedAt)}, attempt ${attempts}`,
          };
        },
      });
      state.outcome = attempt === "created" || sentBefore ? "created" : "adopted";
      ctx.saveProgress(state);
      ctx.log.info(
        `took the name ${params.bucket} after ${attempts} attempt(s), ${formatElapsed(ctx.clock.now() - startedAt)}`,
      );
    }
    const outputs = await configureAndReport(ctx, state, params);
    return { ...outputs, attempts: typeof state.attempts === "number" ? state.attempts : 0 };
  },
});
