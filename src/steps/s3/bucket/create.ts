/**
 * What s3.create-bucket and s3.wait-bucket-name share: their params and outputs, the plan of the bucket
 * and of the settings it will get, and "configure after create" with per-setting checkpoints.
 */
import { z } from "zod";
import type { Json, JsonObject } from "../../../core/json.js";
import type { PlanContext, Precondition, RunContext } from "../../define.js";
import { describeValue, failed, known } from "../../shared/plan.js";
import { type BucketPresence, bucketArn, bucketNameSchema, bucketPresence } from "../basics.js";
import { type ApplyResult, applySettings, loggingTargetProblem } from "./apply.js";
import { type BucketConfig, bucketConfigSchema, SETTINGS, type Setting } from "./config.js";
import { type SettingAction, settingActions, settingFindings, summarizeActions } from "./settings.js";

export const createParamsShape = {
  bucket: bucketNameSchema,
  config: bucketConfigSchema
    .optional()
    .describe("Settings to apply: the `config` output of an s3.capture-config step. Default: none."),
  rewriteAccountIds: z
    .boolean()
    .default(false)
    .describe(
      "Replace the source account id (recorded in `config`) with this step's account id in the policy and the other JSON settings.",
    ),
  only: z
    .array(z.enum(SETTINGS))
    .optional()
    .describe(
      "Apply only these settings of `config`. s3.move-bucket gives its temporary bucket only versioning, encryption, ownership controls, public access block and tags: no lifecycle rule that could expire data during a long name wait, no notifications or replication firing at the source's targets.",
    ),
};

export const CREATE_OUTPUTS: Record<string, string> = {
  bucket: "Bucket name",
  arn: "Bucket ARN",
  region: "Region of the bucket (the step account's region)",
  created: "true when this task created the bucket, false when it adopted one this account already owned",
  applied: "Settings of `config` applied to the bucket",
  skipped: "Settings of `config` deliberately not applied (see the plan's warnings)",
};

export function asConfig(value: unknown): BucketConfig | undefined {
  return value === undefined ? undefined : (bucketConfigSchema.parse(value) as unknown as BucketConfig);
}

export function actionsFor(
  ctx: { account: { id: string } },
  bucket: string,
  config: BucketConfig | undefined,
  rewrite: boolean,
  only?: readonly Setting[],
): SettingAction[] {
  if (!config) return [];
  const actions = settingActions(config, { accountId: ctx.account.id, bucket, rewriteAccountIds: rewrite });
  if (!only) return actions;
  return actions.map((a) =>
    a.action === "absent" || only.includes(a.setting)
      ? a
      : { ...a, action: "skip", filtered: true, note: "left out by `only` (a temporary bucket)" },
  );
}

export interface ConfigPlan {
  summary: string;
  preconditions: Precondition[];
  observations: Record<string, Json>;
}

/**
 * The settings part of a create plan: what is applied, skipped, rewritten, and log-target checks.
 * `config` comes from planParams: already validated (absent when invalid, which planParams reported).
 */
export async function planConfig(
  ctx: PlanContext,
  bucket: string,
  planned: unknown,
  rewrite: unknown,
  only?: unknown,
): Promise<ConfigPlan> {
  if (planned === undefined) return { summary: "no settings", preconditions: [], observations: {} };
  if (!known(planned) || !known(rewrite)) {
    return { summary: `settings from ${describeValue(planned)}`, preconditions: [], observations: {} };
  }
  const config = planned as BucketConfig;
  const actions = actionsFor(
    ctx,
    bucket,
    config,
    rewrite === true,
    Array.isArray(only) ? (only as Setting[]) : undefined,
  );
  const preconditions = settingFindings(actions, config);
  const logging = actions.find((a) => a.setting === "logging" && a.action === "apply");
  const problem = logging && (await loggingTargetProblem(ctx.aws, ctx.account, bucket, logging.value));
  if (problem)
    preconditions.push({
      ok: false,
      code: "S3_SETTING_NOT_REAPPLIED",
      message: `logging: ${problem}`,
      severity: "warning",
    });
  return {
    summary: summarizeActions(actions),
    preconditions,
    observations: {
      rewrites: Object.fromEntries(
        actions.filter((a) => a.changes.length > 0).map((a) => [a.setting, a.changes.map((c) => ({ ...c }))]),
      ),
    },
  };
}

export function presenceProblems(
  presence: BucketPresence,
  bucket: string,
  ctx: PlanContext,
  mode: "create" | "wait",
): Precondition[] {
  if (presence.state === "ours" && presence.region !== ctx.account.region) {
    return [
      failed(
        "BUCKET_IN_OTHER_REGION",
        `bucket ${bucket} is in ${presence.region}, but ${ctx.account.alias} works in ${ctx.account.region}`,
      ),
    ];
  }
  if (presence.state === "foreign" && mode === "create") {
    return [
      failed(
        "BUCKET_NAME_TAKEN",
        `bucket name ${bucket} belongs to another AWS account`,
        "choose another name (keepName: false), or use s3.wait-bucket-name if it is the source bucket about to be deleted",
      ),
    ];
  }
  return [];
}

export async function observePresence(ctx: PlanContext, bucket: unknown): Promise<BucketPresence | undefined> {
  return typeof bucket === "string" && bucketNameSchema.safeParse(bucket).success
    ? bucketPresence(ctx.aws, ctx.account, bucket)
    : undefined;
}

export function savedApplied(state: JsonObject): string[] {
  return Array.isArray(state.applied) ? state.applied.filter((s): s is string => typeof s === "string") : [];
}

/** Applies `config` (if any) with a checkpoint per setting, then builds the step's outputs. */
export async function configureAndReport(
  ctx: RunContext,
  state: JsonObject,
  params: { bucket: string; config?: unknown; rewriteAccountIds: boolean; only?: readonly Setting[] | undefined },
): Promise<Record<string, Json>> {
  const config = asConfig(params.config);
  const actions = actionsFor(ctx, params.bucket, config, params.rewriteAccountIds, params.only);
  const result: ApplyResult = await applySettings(
    ctx,
    params.bucket,
    actions,
    savedApplied(state),
    (applied: Setting[]) => {
      state.applied = applied;
      ctx.saveProgress(state);
    },
  );
  return {
    bucket: params.bucket,
    arn: bucketArn(params.bucket, ctx.account.region),
    region: ctx.account.region,
    created: state.outcome === "created",
    applied: result.applied,
    skipped: result.skipped,
  };
}

export function objectOwnershipOf(config: BucketConfig | undefined): string | undefined {
  const rules = (config?.ownershipControls as { Rules?: Array<{ ObjectOwnership?: string }> } | null)?.Rules;
  return rules?.[0]?.ObjectOwnership;
}
