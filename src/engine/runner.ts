/**
 * Orchestrates a run: account guard, preflight plan, run record, lock with heartbeat, the executor loop,
 * operator questions at quiescence (approvals, destructive confirmations), and the final state.
 * `startRun` and `resumeRun` share `drive`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { hostname } from "node:os";
import type { S3Client } from "@aws-sdk/client-s3";
import { createAwsAccess } from "../aws/access.js";
import { credentialSource } from "../aws/credential-source.js";
import { awsErrorOf, isCredentialsExpired } from "../aws/errors.js";
import { verifyAccounts } from "../aws/guard.js";
import type { AwsSession } from "../aws/session.js";
import type { Clock } from "../core/clock.js";
import { HikkoshiError } from "../core/errors.js";
import type { Json } from "../core/json.js";
import { diffRunbooks } from "../runbook/index.js";
import type { Runbook } from "../runbook/types.js";
import { type RunRecord, type RunState, runUnfinished, type Store } from "../state/index.js";
import type { StepRegistry } from "../steps/registry.js";
import type { PollSettings } from "./context.js";
import type { EventBus } from "./events.js";
import { execute } from "./executor.js";
import { journalSink } from "./journal.js";
import { newRunId } from "./names.js";
import type { Operator } from "./operator.js";
import {
  accountRefs,
  blockingPreconditions,
  CREDENTIALS_EXPIRE_CODE,
  type Plan,
  planDrift,
  planRunbook,
} from "./planner.js";
import {
  acquireSharedLock,
  readSharedLock,
  releaseSharedLock,
  type SharedLockHolder,
  type SharedLockSpec,
  sharedLockHeld,
  sharedLockKey,
} from "./shared-lock.js";

export interface EngineDeps {
  store: Store;
  registry: StepRegistry;
  session: AwsSession;
  bus: EventBus;
  clock: Clock;
  operator: Operator;
  signal: AbortSignal;
}

export interface DriveOptions {
  parallel: number;
  yes: boolean;
  stepMode: boolean;
  poll: PollSettings;
  /** A lock whose heartbeat is older than this belongs to a dead process. */
  staleLockMs?: number;
  heartbeatMs?: number;
}

export interface RunOutcome {
  runId: string;
  state: RunState;
  failed: string[];
  awaitingApproval: string[];
  needsConfirmation: string[];
  blocked: string[];
  /**
   * Why an `interrupted` run stopped when no operator asked it to: the credentials of an account ran out
   * and could not be renewed (CREDENTIALS_EXPIRED). The message names the account, the hint how to log in.
   */
  parked?: { code: "CREDENTIALS_EXPIRED"; alias?: string; message: string; hint: string };
}

export async function guardAccounts(deps: Pick<EngineDeps, "session" | "bus">, runbook: Runbook) {
  const identities = await verifyAccounts(deps.session, runbook.accounts);
  for (const [alias, id] of Object.entries(identities)) {
    deps.bus.emit({ type: "account-verified", alias, accountId: id.accountId, arn: id.arn });
  }
  return identities;
}

export async function makePlan(
  deps: Pick<EngineDeps, "session" | "bus" | "registry" | "clock">,
  runbook: Runbook,
): Promise<Plan> {
  return (await planWithIdentities(deps, runbook)).plan;
}

/** At most one `preflight` event a second, and always the last one. */
function preflightProgress(bus: EventBus): (planned: number, total: number) => void {
  let last = 0;
  return (planned, total) => {
    const now = Date.now();
    if (planned < total && now - last < 1000) return;
    last = now;
    bus.emit({ type: "preflight", planned, total });
  };
}

type Identities = Awaited<ReturnType<typeof guardAccounts>>;

async function planWithIdentities(
  deps: Pick<EngineDeps, "session" | "bus" | "registry" | "clock">,
  runbook: Runbook,
): Promise<{ plan: Plan; identities: Identities }> {
  const identities = await guardAccounts(deps, runbook);
  const plan = await planRunbook({
    runbook,
    registry: deps.registry,
    accounts: accountRefs(runbook),
    identities,
    aws: createAwsAccess(deps.session, { readOnly: true, identities }),
    clock: deps.clock,
    onProgress: preflightProgress(deps.bus),
    credentials: Object.fromEntries(Object.values(runbook.accounts).map((a) => [a.alias, credentialSource(a)])),
  });
  return { plan, identities };
}

export async function startRun(
  deps: EngineDeps,
  runbook: Runbook,
  options: DriveOptions & {
    reviewedPlan?: Plan;
    operatorName: string;
    /** Start over: abandon this unfinished run of the same migration (recorded with who and when). */
    abandon?: string;
    /** The demo only: abandon whatever run of its migration a previous demo left unfinished, and say so. */
    abandonUnfinished?: boolean;
  },
): Promise<RunOutcome> {
  // One live run per migration (runbook name + account ids): refused before the preflight, and again
  // atomically when the run is recorded (two `run`s started at the same instant).
  const accountIds = accountIdsOfRunbook(runbook);
  let abandon = options.abandon;
  const other = deps.store.unfinishedRuns(runbook.name, accountIds).find((r) => r.id !== abandon);
  if (other && options.abandonUnfinished && !other.lock) {
    abandon = other.id;
    deps.bus.emit({
      type: "notice",
      level: "info",
      message: `run ${other.id} of this demo was left ${other.state}; it is abandoned and the demo starts over`,
    });
  } else if (other) {
    throw runUnfinished(other);
  }
  const { plan, identities: verified } = await planWithIdentities(deps, runbook);
  if (options.reviewedPlan) {
    const drift = planDrift(options.reviewedPlan, plan);
    if (drift.length > 0) {
      throw new HikkoshiError(
        "PLAN_DRIFT",
        `the world or the runbook changed since the plan was reviewed:\n  - ${drift.join("\n  - ")}`,
        {
          hint: "run `hikkoshi plan` again, review it, and apply the new plan",
        },
      );
    }
  }
  const blocking = blockingPreconditions(plan);
  if (blocking.length > 0) {
    throw new HikkoshiError(
      "PRECONDITION_FAILED",
      `${blocking.length} precondition(s) fail; nothing was changed:\n${blocking
        .map(
          (b) =>
            `  - ${b.task}: ${b.precondition.code}: ${b.precondition.message}${b.precondition.hint ? `\n    hint: ${b.precondition.hint}` : ""}`,
        )
        .join("\n")}`,
      { hint: "fix the problems above (`hikkoshi plan` shows them) and run again" },
    );
  }
  // Said before the run starts: the night will stop there unless the operator renews them first.
  for (const t of plan.tasks)
    for (const p of t.preconditions)
      if (p.code === CREDENTIALS_EXPIRE_CODE) deps.bus.emit({ type: "notice", level: "warn", message: p.message });
  const identities = Object.fromEntries(Object.entries(plan.accounts).map(([alias, a]) => [alias, a.callerArn]));
  const runId = newRunId(randomBytes);
  // The shared lock (another state file's run of this migration): taken before the run is recorded.
  const shared = sharedLockOf(deps, runbook, accountIds);
  const replaced = shared
    ? (await acquireSharedLock(shared.s3, shared.spec, shared.holder(runId, options.operatorName), { abandon }))
        .replaced
    : undefined;
  const abandonsLocal = abandon !== undefined && deps.store.getRun(abandon) !== undefined;
  try {
    deps.store.createRun({
      id: runId,
      runbookName: runbook.name,
      runbookPath: runbook.path,
      runbookHash: runbook.hash,
      runbookText: runbook.text,
      params: runbook.params,
      operator: options.operatorName,
      identities,
      options: { parallel: options.parallel } as Record<string, Json>,
      tasks: runbook.tasks.map((t, seq) => newTask(t, seq)),
      plan: plan as unknown as Json,
      exclusive: { accountIds },
      ...(abandonsLocal ? { abandons: abandon } : {}),
    });
  } catch (err) {
    // Not recorded here after all (another run of this state file won the race): the shared lock goes back.
    if (shared) await releaseSharedLock(shared.s3, shared.spec, runId).catch(() => false);
    throw err;
  }
  if (replaced) {
    deps.store.journalAppend({
      runId,
      kind: "run",
      actor: options.operatorName,
      action: "abandon",
      resource: shared?.where,
      outcome: "ok",
      detail: { abandoned: replaced.runId, by: replaced.operator, stateFile: replaced.stateFile, sharedLock: true },
    });
  }
  deps.bus.emit({
    type: "run-started",
    runId,
    runbook: runbook.name,
    tasks: runbook.tasks.length,
    resumed: false,
    estimates: planEstimates(plan),
  });
  const outcome = await drive(deps, runbook, runId, options, verified);
  await releaseSharedIfDone(deps, shared, outcome);
  return outcome;
}

function accountIdsOfRunbook(runbook: Runbook): string[] {
  return [...new Set(Object.values(runbook.accounts).map((a) => a.id))].sort();
}

interface SharedLockUse {
  s3: S3Client;
  spec: SharedLockSpec;
  where: string;
  holder: (runId: string, operator: string) => SharedLockHolder;
}

function sharedLockOf(deps: EngineDeps, runbook: Runbook, accountIds: string[]): SharedLockUse | undefined {
  const lock = runbook.lock;
  if (!lock) return undefined;
  const account = deps.session.account(lock.account);
  const spec: SharedLockSpec = {
    account: lock.account,
    accountId: account.id,
    bucket: lock.bucket,
    key: sharedLockKey(lock.prefix ?? "hikkoshi/locks", runbook.name, accountIds),
  };
  return {
    s3: deps.session.client(lock.account, "s3"),
    spec,
    where: `s3://${spec.bucket}/${spec.key}`,
    holder: (runId, operator) => ({
      format: "hikkoshi-lock/1",
      runId,
      runbook: runbook.name,
      accountIds,
      operator,
      stateFile: deps.store.path,
      acquiredAt: new Date(deps.clock.now()).toISOString(),
    }),
  };
}

/** A run that succeeded leaves its migration free: the shared lock is released (only if it is still ours). */
async function releaseSharedIfDone(deps: EngineDeps, shared: SharedLockUse | undefined, outcome: RunOutcome) {
  if (!shared || outcome.state !== "succeeded") return;
  if (await releaseSharedLock(shared.s3, shared.spec, outcome.runId)) {
    deps.bus.emit({ type: "notice", level: "info", message: `released the shared lock ${shared.where}` });
  }
}

/** Estimated seconds per task, for the live view's time remaining. */
function planEstimates(plan: Plan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of plan.tasks) if (t.estimate?.durationSeconds !== undefined) out[t.id] = t.estimate.durationSeconds;
  return out;
}

function newTask(t: Runbook["tasks"][number], seq: number) {
  return {
    taskId: t.id,
    seq,
    stepId: t.stepId,
    topStepId: t.topStepId,
    itemKey: t.itemKey,
    type: t.type,
    accountAlias: t.account,
    defHash: t.defHash,
    defJson: t,
  };
}

/** Resume: re-check the edit, the accounts, recover what was in flight, retry what failed, drive on. */
export async function resumeRun(
  deps: EngineDeps,
  run: RunRecord,
  runbook: Runbook,
  options: DriveOptions,
): Promise<RunOutcome> {
  const { bus } = deps;
  const held = lock(deps, run.id, options);
  // Every write from here on is fenced by this lock (see Store.fenced).
  const store = held.store;
  try {
    applyEdit(store, run, runbook, bus);
    const identities = await guardAccounts(deps, runbook);
    const unknown = store.markUnknownAwsCalls(run.id);
    if (unknown > 0)
      bus.emit({
        type: "notice",
        level: "warn",
        message: `${unknown} AWS call(s) were in flight when the last process stopped; their tasks will observe AWS and adopt what exists`,
      });
    const recovered = store.recoverInFlight(run.id);
    if (recovered.length > 0)
      bus.emit({
        type: "notice",
        level: "info",
        message: `re-attaching to ${recovered.length} task(s) that were in flight: ${recovered.join(", ")}`,
      });
    const retried = store.retryFailed(run.id);
    if (retried.length > 0)
      bus.emit({
        type: "notice",
        level: "info",
        message: `retrying ${retried.length} failed task(s): ${retried.join(", ")}`,
      });
    const plan = store.getRunPlan(run.id) as Plan | undefined;
    bus.emit({
      type: "run-started",
      runId: run.id,
      runbook: runbook.name,
      tasks: runbook.tasks.length,
      resumed: true,
      ...(plan?.tasks ? { estimates: planEstimates(plan) } : {}),
    });
    const shared = sharedLockOf(deps, runbook, accountIdsOfRunbook(runbook));
    if (shared) {
      const holder = await readSharedLock(shared.s3, shared.spec);
      if (holder && holder.runId !== run.id) throw sharedLockHeld(shared.spec, holder);
      if (!holder) {
        await acquireSharedLock(shared.s3, shared.spec, shared.holder(run.id, run.operator));
        bus.emit({
          type: "notice",
          level: "warn",
          message: `the shared lock ${shared.where} was gone; taken again for run ${run.id}`,
        });
      }
    }
    const outcome = await drive(deps, runbook, run.id, options, identities, held);
    await releaseSharedIfDone(deps, shared, outcome);
    return outcome;
  } finally {
    deps.store.releaseLock(run.id, held.token);
  }
}

/**
 * The runbook changed since the run started. Edits to tasks that have not started are applied (and
 * said out loud); an edit to anything that already started is refused with the list of those tasks.
 */
function applyEdit(store: Store, run: RunRecord, runbook: Runbook, bus: EventBus) {
  if (runbook.hash === run.runbookHash) return;
  const existing = new Map(store.listTasks(run.id).map((t) => [t.taskId, t]));
  const diff = diffRunbooks(
    [...existing.values()].map((t) => ({ id: t.taskId, defHash: t.defHash })),
    runbook.tasks,
  );
  const started = (id: string) => {
    const rec = existing.get(id);
    return rec !== undefined && (rec.status !== "pending" || rec.attempts > 0);
  };
  const conflicts = [...diff.changed.map((t) => t.id), ...diff.removed].filter(started);
  if (conflicts.length > 0) {
    throw new HikkoshiError(
      "RESUME_EDIT_CONFLICT",
      `the runbook was edited in task(s) that already started: ${conflicts.join(", ")}`,
      { hint: "undo the edit to those steps and resume, or start a new run with `hikkoshi run`" },
    );
  }
  const seq = new Map(runbook.tasks.map((t, i) => [t.id, i]));
  for (const spec of diff.changed) {
    store.updatePendingTaskDefinition(run.id, spec.id, {
      defHash: spec.defHash,
      defJson: spec,
      seq: seq.get(spec.id)!,
    });
  }
  if (diff.added.length > 0)
    store.addTasks(
      run.id,
      diff.added.map((t) => newTask(t, seq.get(t.id)!)),
    );
  for (const id of diff.removed) store.skipTask(run.id, id, "removed from the runbook before it started");
  bus.emit({
    type: "notice",
    level: "warn",
    message:
      "the runbook changed since the run started; applying the edits to tasks not yet started: " +
      `added [${diff.added.map((t) => t.id).join(", ")}], changed [${diff.changed.map((t) => t.id).join(", ")}], ` +
      `removed [${diff.removed.join(", ")}]`,
  });
}

interface HeldLock {
  token: string;
  generation: number;
  /** The store with every write fenced by this lock. */
  store: Store;
}

function lock(deps: EngineDeps, runId: string, options: DriveOptions): HeldLock {
  const token = randomUUID();
  const result = deps.store.acquireLock(runId, {
    pid: process.pid,
    host: hostname(),
    token,
    now: deps.clock.now(),
    staleAfterMs: options.staleLockMs ?? 60_000,
  });
  if (!result.ok) {
    const h = result.holder;
    throw new HikkoshiError(
      "LOCK_HELD",
      `run ${runId} is being driven by pid ${h.pid} on ${h.host} (last heartbeat ${new Date(h.heartbeatAt).toISOString()})`,
      {
        hint: `wait for it to finish, or if that process is gone for good: hikkoshi resume ${runId} --force-unlock`,
      },
    );
  }
  if (result.tookOverFrom) {
    const from = result.tookOverFrom;
    const why =
      from.reason === "dead-pid"
        ? "which is no longer alive"
        : `whose last heartbeat was at ${new Date(from.heartbeatAt).toISOString()} (stale)`;
    deps.bus.emit({
      type: "notice",
      level: "warn",
      message: `took over the lock of run ${runId} from pid ${from.pid} on ${from.host}, ${why}`,
    });
  }
  return { token, generation: result.generation, store: deps.store.fenced(runId, token, result.generation) };
}

async function drive(
  deps: EngineDeps,
  runbook: Runbook,
  runId: string,
  options: DriveOptions,
  identities: Identities,
  heldLock?: HeldLock,
): Promise<RunOutcome> {
  const { bus, clock, operator } = deps;
  const held = heldLock ?? lock(deps, runId, options);
  const { store, token } = held;
  const started = clock.now();
  const confirmed = new Set<string>();
  const abort = new AbortController();
  // Every task in a wait listens on this signal: hundreds at once is normal, not a leak.
  setMaxListeners(0, abort.signal);
  const onAbort = () => abort.abort(deps.signal.reason);
  deps.signal.addEventListener("abort", onAbort, { once: true });
  const lost = (err: HikkoshiError) => {
    if (abort.signal.aborted) return;
    bus.emit({ type: "notice", level: "warn", message: `${err.message}; stopping` });
    abort.abort(err);
  };
  const beat = setInterval(() => {
    if (!store.heartbeat(runId, token, clock.now())) {
      try {
        store.assertLock(runId, token, held.generation);
      } catch (err) {
        if (isLockLost(err)) lost(err);
      }
    }
  }, options.heartbeatMs ?? 5_000);
  beat.unref();
  try {
    store.updateRunIdentities(runId, Object.fromEntries(Object.entries(identities).map(([a, i]) => [a, i.arn])));
    store.setRunState(runId, "running");
    const awsFor = (taskId: string) =>
      createAwsAccess(deps.session, { readOnly: false, identities, journal: journalSink(store, runId, taskId, bus) });
    for (;;) {
      const result = await execute({
        runId,
        runbookName: runbook.name,
        store,
        registry: deps.registry,
        accounts: accountRefs(runbook),
        awsFor,
        bus,
        clock,
        parallel: options.parallel,
        poll: options.poll,
        operator,
        signal: abort.signal,
        confirmed: (id) => (options.yes ? "--yes" : confirmed.has(id) ? "answered at the terminal" : undefined),
        stepMode: options.stepMode,
        stop: (err) => (isLockLost(err) ? lost(err) : abort.abort(err)),
      });
      // A lost lock: nothing more is written by this process (the new holder owns the run's state).
      if (isLockLost(abort.signal.reason)) throw abort.signal.reason;
      if (isCredentialsExpired(abort.signal.reason)) {
        const parked = park({ ...deps, store }, runId, abort.signal.reason);
        return { ...finish({ ...deps, store }, runId, result, started, parked), parked };
      }
      if (result.interrupted || result.quit || !operator.interactive)
        return finish({ ...deps, store }, runId, result, started);
      let answered = false;
      for (const taskId of result.awaitingApproval) {
        const answer = await operator.approve(taskId, "");
        if (answer === "approved") {
          store.approveTask(runId, taskId, operator.name);
          answered = true;
        } else if (answer === "rejected") {
          store.rejectTask(runId, taskId, operator.name);
          answered = true;
        }
      }
      if (result.needsConfirmation.length > 0) {
        const yes = await operator.confirmDestructive(result.needsConfirmation, result.needsConfirmation);
        for (const id of result.needsConfirmation) {
          // A confirmation is journaled when the task starts; a refusal here.
          if (yes) confirmed.add(id);
          else
            store.journalAppend({
              runId,
              taskId: id,
              kind: "confirmation",
              actor: operator.name,
              action: "declined",
              resource: id,
              outcome: "ok",
            });
        }
        answered ||= yes;
      }
      if (!answered) return finish({ ...deps, store }, runId, result, started);
    }
  } finally {
    clearInterval(beat);
    deps.signal.removeEventListener("abort", onAbort);
    if (!heldLock) deps.store.releaseLock(runId, token);
  }
}

/**
 * The credentials of an account ran out mid-run and its provider could not renew them (an SSO session
 * that ended, source credentials that expired). Every task has settled; those that were in flight end
 * their attempt as interrupted and wait, pending with their checkpoint and deadline, for `resume` after
 * the operator logs in. Said, journaled, and returned for the CLI (exit code, next steps).
 */
function park(deps: EngineDeps, runId: string, reason: unknown): NonNullable<RunOutcome["parked"]> {
  const { store, bus } = deps;
  const aws = awsErrorOf(reason);
  const alias = aws?.alias;
  const spec = alias !== undefined ? deps.session.accounts[alias] : undefined;
  const source = spec ? credentialSource(spec) : undefined;
  const what = aws ? `${aws.awsCode}: ${aws.awsMessage}` : reason instanceof Error ? reason.message : String(reason);
  const whose = spec ? `the credentials of ${spec.alias} (${spec.id}, ${source?.describe})` : "the credentials";
  const message = `${whose} expired and could not be renewed (${what})`;
  const hint = `${source?.renew ?? "renew the credentials (e.g. aws sso login)"}, then: hikkoshi resume ${runId}`;
  const interrupted = store.recoverInFlight(runId);
  store.journalAppend({
    runId,
    kind: "run",
    action: "park",
    accountId: spec?.id,
    resource: alias,
    outcome: "credentials-expired",
    detail: { message, hint, interrupted },
  });
  bus.emit({ type: "notice", level: "warn", message: `${message}: the run is parked, nothing failed; ${hint}` });
  return { code: "CREDENTIALS_EXPIRED", ...(alias !== undefined ? { alias } : {}), message, hint };
}

export function isLockLost(err: unknown): err is HikkoshiError {
  return err instanceof HikkoshiError && err.code === "LOCK_LOST";
}

function finish(
  deps: EngineDeps,
  runId: string,
  result: Awaited<ReturnType<typeof execute>>,
  started: number,
  reason?: NonNullable<RunOutcome["parked"]>,
): RunOutcome {
  const { store, bus, clock } = deps;
  const counts = store.taskCounts(runId);
  let state: RunState;
  if (result.interrupted || result.quit) state = "interrupted";
  else if (result.failed.length > 0) state = "failed";
  else if (result.awaitingApproval.length > 0) state = "waiting_approval";
  else if (result.needsConfirmation.length > 0) state = "needs_confirmation";
  else if ((counts.pending ?? 0) + (counts.running ?? 0) + (counts.waiting ?? 0) > 0) state = "failed";
  else state = "succeeded";
  const done = state === "succeeded";
  store.setRunState(runId, state, { finished: done });
  bus.emit({
    type: "run-finished",
    runId,
    state,
    counts: counts as Record<string, number>,
    durationMs: clock.now() - started,
    ...(reason ? { reason } : {}),
  });
  return {
    runId,
    state,
    failed: result.failed,
    awaitingApproval: result.awaitingApproval,
    needsConfirmation: result.needsConfirmation,
    blocked: result.blocked,
  };
}
