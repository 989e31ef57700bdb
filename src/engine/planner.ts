/**
 * Plan: a read-only pass over every task that observes live state and says what run would do. The result
 * is plain data (printable, saveable, comparable); `run --plan` applies exactly a reviewed plan.
 */
import type { CredentialSource } from "../aws/credential-source.js";
import { transientKind } from "../aws/errors.js";
import { retryPreflight } from "../aws/retry.js";
import type { Clock } from "../core/clock.js";
import { HikkoshiError } from "../core/errors.js";
import type { Json } from "../core/json.js";
import { evaluateCondition, resolveTaskParams } from "../runbook/index.js";
import type { Runbook } from "../runbook/types.js";
import type { AccountRef, AwsReader, DangerTier, PlanResult, Precondition, Unresolved } from "../steps/define.js";
import { type Family, familyOf } from "../steps/families.js";
import type { StepRegistry } from "../steps/registry.js";
import { planContext } from "./context.js";
import { EventBus } from "./events.js";
import { toErrorInfo } from "./executor.js";

export const PLAN_FORMAT = "hikkoshi-plan/1";

export interface TaskPlan {
  id: string;
  step: string;
  topStep: string;
  item?: string;
  type: string;
  account: string;
  accountId: string;
  region: string;
  action: PlanResult["action"];
  summary: string;
  resources: string[];
  destructive: boolean;
  irreversible: boolean;
  /** Destructive tasks only: the tier the step type gave (`source` when it gave none). */
  danger?: DangerTier;
  /** Task ids this task needs (for the critical path and the per-resource story). */
  needs: string[];
  /** The resource whose story this task is part of: "<top step>" or "<top step>[<item>]". */
  resource: string;
  family: Family;
  estimate?: PlanResult["estimate"];
  preconditions: Precondition[];
  observations: Record<string, Json>;
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  createdAt: string;
  runbook: { name: string; path: string; hash: string };
  params: Record<string, Json>;
  accounts: Record<string, { id: string; region: string; callerArn: string }>;
  tasks: TaskPlan[];
  /** Tasks grouped by the resource they move (a bucket's or a database's whole story), in plan order. */
  resources: Array<{ id: string; family: Family; tasks: string[] }>;
  summary: {
    tasks: number;
    destructive: number;
    irreversible: number;
    blocking: number;
    warnings: number;
    /** Destructive tasks per tier. */
    danger: Record<DangerTier, number>;
    /** Tasks whose action changes something (not noop / already-done). */
    changes: number;
  };
}

export interface PlanInput {
  runbook: Runbook;
  registry: StepRegistry;
  accounts: Record<string, AccountRef>;
  identities: Record<string, { arn: string }>;
  aws: AwsReader;
  clock: Clock;
  /** Known when planning inside `run` (names are then the real ones); undefined for `hikkoshi plan`. */
  runId?: string;
  /** Called after each task is planned (the preflight's progress on the display). */
  onProgress?: (planned: number, total: number) => void;
  /** Per account alias: where its credentials come from and when they end (warned about when too soon). */
  credentials?: Record<string, CredentialSource>;
}

export function accountRefs(runbook: Runbook): Record<string, AccountRef> {
  return Object.fromEntries(
    Object.values(runbook.accounts).map((a) => [a.alias, { alias: a.alias, id: a.id, region: a.region }]),
  );
}

export async function planRunbook(input: PlanInput): Promise<Plan> {
  const { runbook, registry } = input;
  const predicted = new Map<string, Record<string, unknown>>();
  const bus = new EventBus();
  const tasks: TaskPlan[] = [];
  const topTypes = new Map(runbook.steps.map((s) => [s.id, s.type]));

  for (const task of runbook.tasks) {
    const account = input.accounts[task.account]!;
    const base = {
      resource: task.itemKey === undefined ? task.topStepId : `${task.topStepId}[${task.itemKey}]`,
      family: familyOf(topTypes.get(task.topStepId) ?? task.type),
      id: task.id,
      step: task.stepId,
      topStep: task.topStepId,
      ...(task.itemKey === undefined ? {} : { item: task.itemKey }),
      type: task.type,
      account: task.account,
      accountId: account.id,
      region: account.region,
    };
    const def = registry.primitive(task.type);
    let result: PlanResult;
    try {
      if (!def) throw new HikkoshiError("UNKNOWN_STEP_TYPE", `step type ${task.type} is not known`);
      const lookup = (id: string) => predicted.get(id);
      const params = resolveTaskParams(task, lookup, "plan");
      const ctx = planContext({
        runId: input.runId,
        runbookName: runbook.name,
        task,
        accounts: input.accounts,
        clock: input.clock,
        bus,
        aws: input.aws,
      });
      // A plan only reads: running it again after a throttle or a 5xx is always safe.
      result = await retryPreflight(() => def.plan(ctx, params), input.clock);
      if (task.if !== undefined) {
        const cond = safeCondition(task.if, lookup);
        if (cond === false) result = { ...result, action: "noop", summary: `skipped: condition false (${task.if})` };
        else if (cond === undefined) result = { ...result, summary: `${result.summary} (if ${task.if})` };
      }
      const destructive =
        typeof def.destructive === "function"
          ? safeCall(() => (def.destructive as (p: unknown) => boolean)(params))
          : def.destructive;
      result = {
        ...result,
        destructive: result.destructive ?? destructive ?? false,
        irreversible: result.irreversible ?? def.irreversible ?? false,
      };
    } catch (err) {
      // An endpoint that does not answer makes every later read wait as long: stop and say it now.
      if (transientKind(err) === "no-answer") throw err;
      const info = toErrorInfo(err);
      result = {
        action: "noop",
        summary: `cannot plan: ${info.message}`,
        resources: [],
        preconditions: [
          {
            ok: false,
            code: info.code,
            message: info.message,
            ...(info.hint ? { hint: info.hint } : {}),
            severity: "error",
          },
        ],
      };
    }
    predicted.set(task.id, (result.predictedOutputs ?? {}) as Record<string, Json | Unresolved>);
    tasks.push({
      ...base,
      action: result.action,
      summary: result.summary,
      resources: result.resources,
      destructive: result.destructive === true,
      irreversible: result.irreversible === true,
      ...(result.destructive === true ? { danger: result.danger ?? "source" } : {}),
      needs: task.needs,
      ...(result.estimate ? { estimate: result.estimate } : {}),
      preconditions: result.preconditions.filter((p) => !p.ok),
      observations: result.observations ?? {},
    });
    input.onProgress?.(tasks.length, runbook.tasks.length);
  }

  if (input.credentials) warnExpiringCredentials(tasks, input.credentials, input.clock.now());
  const failing = tasks.flatMap((t) => t.preconditions);
  return {
    format: PLAN_FORMAT,
    createdAt: new Date(input.clock.now()).toISOString(),
    runbook: { name: runbook.name, path: runbook.path, hash: runbook.hash },
    params: runbook.params,
    accounts: Object.fromEntries(
      Object.values(input.accounts).map((a) => [
        a.alias,
        { id: a.id, region: a.region, callerArn: input.identities[a.alias]?.arn ?? "" },
      ]),
    ),
    tasks,
    resources: groupByResource(tasks),
    summary: {
      tasks: tasks.length,
      destructive: tasks.filter((t) => t.destructive).length,
      irreversible: tasks.filter((t) => t.irreversible).length,
      blocking: failing.filter((p) => p.severity === "error").length,
      warnings: failing.filter((p) => p.severity === "warning").length,
      danger: {
        source: tasks.filter((t) => t.danger === "source").length,
        intermediate: tasks.filter((t) => t.danger === "intermediate").length,
        reversible: tasks.filter((t) => t.danger === "reversible").length,
      },
      changes: tasks.filter((t) => t.action !== "noop" && t.action !== "already-done").length,
    },
  };
}

export const CREDENTIALS_EXPIRE_CODE = "CREDENTIALS_EXPIRE_DURING_RUN";

/** Seconds from the start until each task is estimated to end: its estimate after the latest of its needs. */
export function estimatedEnds(tasks: TaskPlan[]): Map<string, number> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const ends = new Map<string, number>();
  const end = (id: string): number => {
    const known = ends.get(id);
    if (known !== undefined) return known;
    ends.set(id, 0); // a cycle cannot pass validation; this only guards the recursion
    const t = byId.get(id);
    const value = (t?.estimate?.durationSeconds ?? 0) + Math.max(0, ...(t?.needs ?? []).map(end));
    ends.set(id, value);
    return value;
  };
  for (const t of tasks) end(t.id);
  return ends;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * Credentials that end before the tasks of their accounts are estimated to: one warning per source (the
 * accounts that share it named together), on the first task estimated to end after them, with when they
 * end, when the last of those tasks should, and what to do. Without a warning the run would park there.
 */
function warnExpiringCredentials(tasks: TaskPlan[], sources: Record<string, CredentialSource>, now: number) {
  const ends = estimatedEnds(tasks);
  const bySource = new Map<string, { source: CredentialSource; aliases: string[] }>();
  for (const [alias, source] of Object.entries(sources)) {
    if (source.expiresAt === undefined) continue;
    const group = bySource.get(source.key) ?? { source, aliases: [] };
    group.aliases.push(alias);
    bySource.set(source.key, group);
  }
  for (const { source, aliases } of bySource.values()) {
    const expiresAt = source.expiresAt!;
    const late = tasks.filter((t) => aliases.includes(t.account) && now + ends.get(t.id)! * 1000 > expiresAt);
    const first = late[0];
    if (!first) continue;
    const lastEnd = now + Math.max(...late.map((t) => ends.get(t.id)!)) * 1000;
    const who = aliases.length === 1 ? aliases[0] : aliases.join(", ");
    first.preconditions.push({
      ok: false,
      code: CREDENTIALS_EXPIRE_CODE,
      severity: "warning",
      message:
        `the credentials of ${who} (${source.describe}) ${expiresAt <= now ? "expired" : "expire"} at ${iso(expiresAt)}, ` +
        `before the estimated end of ${aliases.length === 1 ? "its" : "their"} tasks (${iso(lastEnd)}): ` +
        `${source.renew} just before the run, or use credentials ` +
        "that last longer; otherwise the run parks when they end (resumable after a new login)",
      hint: `from ${first.id} on, tasks of ${who} are estimated to run after the credentials end`,
    });
  }
}

function groupByResource(tasks: TaskPlan[]): Plan["resources"] {
  const groups = new Map<string, Plan["resources"][number]>();
  for (const t of tasks) {
    const g = groups.get(t.resource);
    if (g) g.tasks.push(t.id);
    else groups.set(t.resource, { id: t.resource, family: t.family, tasks: [t.id] });
  }
  return [...groups.values()];
}

function safeCondition(expr: string, lookup: (id: string) => Record<string, unknown> | undefined): boolean | undefined {
  try {
    return evaluateCondition(expr, lookup, "plan");
  } catch {
    return undefined;
  }
}

function safeCall(fn: () => boolean): boolean | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

export function blockingPreconditions(plan: Plan): Array<{ task: string; precondition: Precondition }> {
  return plan.tasks.flatMap((t) =>
    t.preconditions.filter((p) => p.severity === "error").map((precondition) => ({ task: t.id, precondition })),
  );
}

/**
 * Differences between a reviewed plan and a fresh one: runbook edits, tasks added/removed, or observed
 * state that moved. An empty list means the reviewed plan still describes what run will do.
 */
export function planDrift(reviewed: Plan, fresh: Plan): string[] {
  const drift: string[] = [];
  if (reviewed.format !== PLAN_FORMAT) drift.push(`plan file format ${reviewed.format} is not ${PLAN_FORMAT}`);
  if (reviewed.runbook.hash !== fresh.runbook.hash)
    drift.push(`runbook ${fresh.runbook.path} changed since the plan was made`);
  if (JSON.stringify(reviewed.params) !== JSON.stringify(fresh.params)) drift.push("params differ from the plan's");
  const before = new Map(reviewed.tasks.map((t) => [t.id, t]));
  const after = new Map(fresh.tasks.map((t) => [t.id, t]));
  for (const id of before.keys())
    if (!after.has(id)) drift.push(`task ${id} is in the plan but no longer in the runbook`);
  for (const [id, t] of after) {
    const old = before.get(id);
    if (!old) {
      drift.push(`task ${id} is new since the plan`);
      continue;
    }
    if (old.action !== t.action) drift.push(`task ${id}: action was "${old.action}", now "${t.action}"`);
    for (const key of new Set([...Object.keys(old.observations), ...Object.keys(t.observations)])) {
      const a = JSON.stringify(old.observations[key] ?? null);
      const b = JSON.stringify(t.observations[key] ?? null);
      if (a !== b) drift.push(`task ${id}: ${key} was ${a}, now ${b}`);
    }
  }
  return drift;
}
