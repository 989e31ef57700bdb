/**
 * The contract every step type implements. One file per step type calls `defineStep` (a primitive that
 * talks to AWS) or `defineRecipe` (a composite that expands into primitives). The registry collects
 * them and derives the runbook schema and `hikkoshi schema` from their `params`.
 *
 * Layering: steps import `aws` and `core`; they never import `engine` or `cli`. The engine hands a step
 * the contexts below.
 */

import type { MetadataBearer } from "@smithy/types";
import type { z } from "zod";
import type { AwsCommand, ServiceName } from "../aws/types.js";
import type { Clock } from "../core/clock.js";
import type { Json, JsonObject } from "../core/json.js";
import { knownOwners, withBucketOwners } from "./shared/bucket-owner.js";

/** A resolved account from the runbook's `accounts` block. */
export interface AccountRef {
  alias: string;
  id: string; // 12-digit string
  region: string;
}

/** Marker for a value that is not known at plan time (it comes from another step's output). */
export interface Unresolved {
  readonly $unresolved: string; // the reference text, e.g. "steps.share-key.outputs.keyArn"
}
export function isUnresolved(v: unknown): v is Unresolved {
  return typeof v === "object" && v !== null && "$unresolved" in v;
}

/**
 * What an EC2 `DryRun=true` call said. AWS answers a permitted dry run with the error `DryRunOperation`
 * (HTTP 412) and a refused one with `UnauthorizedOperation`; any other error (the snapshot does not exist
 * yet, a bad parameter) says nothing about permission and is "inconclusive".
 */
export type DryRunVerdict =
  | { verdict: "allowed" }
  | { verdict: "denied" | "inconclusive"; code: string; message: string };

/** Read-only AWS access. Mutating commands are refused (plan is strictly read-only). */
export interface AwsReader {
  read<O extends MetadataBearer>(alias: string, service: ServiceName, command: AwsCommand<O>): Promise<O>;
  /**
   * Send an EC2 command whose input has `DryRun: true` (refused otherwise): AWS checks permissions and
   * parameters and acts on nothing. Allowed in plan; never journaled.
   */
  dryRun(alias: string, service: "ec2", command: AwsCommand<MetadataBearer>): Promise<DryRunVerdict>;
}

/** Journaled AWS access: every mutating call records intent before and outcome after. */
export interface AwsWriter extends AwsReader {
  /**
   * Send a mutating command. The journal gets a row (time, caller ARN, account, action, resource) with
   * outcome "pending" before the call and "ok" / error code right after. `resource` names what it acts on.
   */
  mutate<O extends MetadataBearer>(
    alias: string,
    service: ServiceName,
    command: AwsCommand<O>,
    resource: string,
  ): Promise<O>;
}

export interface StepLogger {
  info(message: string): void;
  warn(message: string): void;
}

interface CommonContext {
  runbookName: string;
  /** The account named by the step's `account` field (recipes' primitives always have one). */
  account: AccountRef;
  accounts: Record<string, AccountRef>;
  /** Full task address, e.g. "db.copy[staging-api-db]". */
  taskId: string;
  stepId: string;
  itemKey: string | undefined;
  log: StepLogger;
  clock: Clock;
  /**
   * Deterministic resource name for this task: stable across resume, unique per run and task, safe for
   * RDS identifiers (letters, digits, single hyphens, starts with a letter). `suffix` distinguishes
   * several names in one task. At plan time (no run yet) the run part reads "<run>".
   */
  name(suffix?: string, maxLength?: number): string;
  /** Deterministic idempotency token (ClientToken / ClientRequestToken) for this run + task + suffix. */
  token(suffix?: string): string;
  /** Tags every resource this task creates carries, so resume can recognise what is ours. */
  tags(): Record<string, string>;
}

export interface PlanContext extends CommonContext {
  aws: AwsReader;
  /** Outputs predicted by upstream tasks' plans (may contain Unresolved values). */
}

export type ApprovalOutcome = "approved" | "rejected";

export interface WaitPoll<T> {
  done: boolean;
  value?: T;
  /** 0–100 when AWS reports one. */
  percent?: number;
  message?: string;
}

export interface WaitOptions<T> {
  /** What we wait for, for the display and the journal: "snapshot hk-… available". */
  what: string;
  /** Total allowed time. The deadline is persisted on first entry and kept across resume. */
  timeoutMs: number;
  /** Poll interval start; the engine backs off with jitter up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  poll: () => Promise<WaitPoll<T>>;
}

export interface RunContext extends CommonContext {
  aws: AwsWriter;
  signal: AbortSignal;
  /** Checkpoint saved by an earlier attempt of this task (undefined on the first attempt). */
  progress: JsonObject | undefined;
  /** Persist a checkpoint now (a guarded transaction); survives a crash right after. */
  saveProgress(progress: JsonObject): void;
  /** Long wait owned by the engine: persisted deadline, backoff, does not hold a worker slot. */
  wait<T>(options: WaitOptions<T>): Promise<T>;
  /** Manual steps: show instructions and block until approved (interactive answer or `hikkoshi approve`). */
  awaitApproval(instructions: string): Promise<ApprovalOutcome>;
}

export type PlanAction =
  | "create"
  | "copy"
  | "share"
  | "wait"
  | "manual"
  | "delete"
  | "modify"
  | "noop"
  | "already-done";

export interface Precondition {
  ok: boolean;
  code: string; // e.g. "SNAPSHOT_ON_AWS_MANAGED_KEY"
  message: string;
  hint?: string;
  /** "error" blocks the run; "warning" is shown and does not block. */
  severity: "error" | "warning";
}

/**
 * How much a destructive task can cost, decided by the step type (never by a renderer), highest first:
 * `source` loses source data or a name (emptying or deleting a source bucket, deleting anything the run
 * did not create); `intermediate` removes this run's own intermediates (copies, shares, temporary
 * buckets); `reversible` can be undone for a while (a KMS key scheduled for deletion).
 */
export type DangerTier = "source" | "intermediate" | "reversible";
export const DANGER_TIERS: readonly DangerTier[] = ["source", "intermediate", "reversible"];

export interface PlanResult {
  action: PlanAction;
  summary: string; // one line: "copy hk-… re-encrypted under alias/hikkoshi/x"
  resources: string[];
  destructive?: boolean;
  irreversible?: boolean;
  /** For destructive tasks; absent = `source` (the planner assumes the worst). */
  danger?: DangerTier;
  estimate?: { sizeGb?: number; durationSeconds?: number; costUsd?: number; note?: string };
  preconditions: Precondition[];
  /** Values downstream plans may use, keyed by output name (partial; may hold Unresolved). */
  predictedOutputs?: Record<string, Json | Unresolved>;
  /** What the plan observed in AWS and relied on; `run --plan` re-observes and refuses on drift. */
  observations?: Record<string, Json>;
}

/** Declares which params hold account aliases, so validation can check them and the plan can resolve. */
export interface AccountParams {
  single?: string[]; // e.g. ["from", "to"]
  list?: string[]; // e.g. ["allowAccounts", "shareWith"]
}

/**
 * A param naming a bucket (a dotted path into the params; a list of names too) and the param naming the
 * account alias that owns it (absent: the step's own account; declared but unset: owner unknown).
 */
export interface BucketOwnerParam {
  bucket: string;
  owner?: string;
}

export interface StepDefinition<P = Record<string, unknown>> {
  kind: "primitive";
  type: string;
  description: string;
  params: z.ZodType<P>;
  /** Output names with a description; references to other names are validation errors. */
  outputs: Record<string, string>;
  accountParams?: AccountParams;
  /** Destructive steps need `--yes` or an interactive confirmation before they act. */
  destructive?: boolean | ((params: P) => boolean);
  irreversible?: boolean;
  /**
   * Concurrency keys this task holds while it runs (e.g. "rds-copy:<account>:<region>"), with limits in
   * the registry. The engine queues instead of failing when a key is saturated.
   */
  concurrencyKeys?: (params: P, ctx: { account: AccountRef }) => string[];
  /** Buckets whose owner is known: every S3 call on them carries ExpectedBucketOwner (shared/bucket-owner.ts). */
  bucketOwners?: readonly BucketOwnerParam[];
  plan(ctx: PlanContext, params: P | Record<string, unknown>): Promise<PlanResult>;
  /** Must be safe to call again after a crash at any instant: observe first, adopt what exists. */
  run(ctx: RunContext, params: P): Promise<Record<string, Json>>;
}

/** A primitive step produced by a recipe. Values may still hold `${{ … }}` templates. */
export interface ExpandedStep {
  /** Local id; the full id becomes "<recipeStepId>.<localId>". */
  localId: string;
  type: string;
  account: string; // alias, or a template
  with: Record<string, unknown>;
  /** Local ids of sibling steps this one needs (in addition to references). */
  needs?: string[];
  description?: string;
}

export interface RecipeDefinition<P = Record<string, unknown>> {
  kind: "recipe";
  type: string;
  description: string;
  params: z.ZodType<P>;
  /** Output name → "<localId>.<output>" of the primitive that provides it. */
  outputs: Record<string, string>;
  accountParams?: AccountParams;
  /**
   * Expand into primitives. `withRaw` is the step's `with` as written (templates kept) after defaults;
   * sibling references use `${{ steps.<self>.<localId>.outputs.<name> }}` — build them with `selfRef`.
   */
  expand(
    withRaw: Record<string, unknown>,
    helpers: { selfRef: (localId: string, output: string) => string },
  ): ExpandedStep[];
}

export type AnyStepDefinition = StepDefinition<any> | RecipeDefinition<any>;

export function defineStep<P>(def: Omit<StepDefinition<P>, "kind">): StepDefinition<P> {
  const declared = def.bucketOwners;
  if (!declared) return { kind: "primitive", ...def };
  return {
    kind: "primitive",
    ...def,
    plan: (ctx, params) =>
      def.plan({ ...ctx, aws: withBucketOwners(ctx.aws, knownOwners(declared, params, ctx)) }, params),
    run: (ctx, params) =>
      def.run({ ...ctx, aws: withBucketOwners(ctx.aws, knownOwners(declared, params, ctx)) }, params),
  };
}

export function defineRecipe<P>(def: Omit<RecipeDefinition<P>, "kind">): RecipeDefinition<P> {
  return { kind: "recipe", ...def };
}
