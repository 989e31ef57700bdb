/**
 * The scheduler: runs a run's pending tasks over the dependency graph until nothing more can start.
 * It never decides what a task means; it resolves parameters, gates destructive work, starts steps within
 * the limits and records every transition through the store.
 */
import { isCredentialsExpired } from "../aws/errors.js";
import type { Clock } from "../core/clock.js";
import { errorMessage, HikkoshiError } from "../core/errors.js";
import { failpoint } from "../core/failpoint.js";
import type { Json } from "../core/json.js";
import { evaluateCondition, resolveTaskParams } from "../runbook/index.js";
import type { TaskSpec } from "../runbook/types.js";
import type { Store, TaskRecord, TaskStatus } from "../state/index.js";
import type { AccountRef, AwsWriter, StepDefinition } from "../steps/define.js";
import type { StepRegistry } from "../steps/registry.js";
import { ApprovalPending, type PollSettings, runContext } from "./context.js";
import type { ErrorInfo, EventBus } from "./events.js";
import { Limiter } from "./limiter.js";
import type { Operator } from "./operator.js";
import { runWithRetry } from "./retry.js";

export interface ExecuteOptions {
  runId: string;
  runbookName: string;
  store: Store;
  registry: StepRegistry;
  accounts: Record<string, AccountRef>;
  /** Journaled AWS access for one task (journal rows carry the task id). */
  awsFor: (taskId: string) => AwsWriter;
  bus: EventBus;
  clock: Clock;
  parallel: number;
  poll: PollSettings;
  operator: Operator;
  signal: AbortSignal;
  /** How a destructive task was confirmed for this process ("--yes", an answer), or undefined if it was not. */
  confirmed: (taskId: string) => string | undefined;
  stepMode: boolean;
  /**
   * Stop the whole run (no new task starts; in-flight ones see the signal): a write this process may no
   * longer make (LOCK_LOST), credentials that ran out and could not be renewed (the run parks), or a state
   * error that is not a task's fault.
   */
  stop: (err: HikkoshiError) => void;
}

export interface ExecuteResult {
  failed: string[];
  awaitingApproval: string[];
  needsConfirmation: string[];
  /** Pending tasks that cannot start because something they need failed or waits for a human. */
  blocked: string[];
  interrupted: boolean;
  quit: boolean;
}

const DONE: ReadonlySet<TaskStatus> = new Set(["succeeded", "skipped"]);
const STUCK: ReadonlySet<TaskStatus> = new Set(["failed", "awaiting_approval"]);

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof HikkoshiError) {
    return {
      code: err.code,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err.resource ? { resource: err.resource } : {}),
    };
  }
  return {
    code: "UNEXPECTED",
    message: errorMessage(err),
    hint: "this is a bug in hikkoshi: report it with `hikkoshi log`",
  };
}

export async function execute(options: ExecuteOptions): Promise<ExecuteResult> {
  const { store, runId, registry, bus, signal } = options;
  // Statuses of every task, but definitions only of the pending ones (at 100k tasks, parsing every
  // definition was most of a resume's start); outputs are read when a task's parameters refer to them.
  const status = new Map<string, TaskStatus>(store.taskStatuses(runId).map((r) => [r.taskId, r.status]));
  const pending = store.listTasks(runId, { status: ["pending"] });
  const specs = new Map<string, TaskSpec>(pending.map((r) => [r.taskId, r.defJson as unknown as TaskSpec]));
  const outputs = new Map<string, Record<string, Json> | undefined>();
  const outputOf = (id: string): Record<string, Json> | undefined => {
    if (!outputs.has(id)) outputs.set(id, store.taskOutputs(runId, id));
    return outputs.get(id);
  };
  const limiter = new Limiter(Math.max(1, options.parallel), (key) => registry.concurrencyLimit(key));
  const running = new Set<Promise<void>>();
  const needsConfirmation = new Set<string>();
  const blocked = new Set<string>();
  let quit = false;
  let wake: () => void = () => {};

  const depState = (spec: TaskSpec): "ready" | "blocked" | "later" => {
    let later = false;
    for (const need of spec.needs) {
      const s = status.get(need);
      if (s === undefined) continue; // a need outside the run (removed by an edit) is not ours to wait for
      if (DONE.has(s)) continue;
      if (STUCK.has(s) || blocked.has(need)) return "blocked";
      later = true;
    }
    return later ? "later" : "ready";
  };

  /**
   * A store write in the engine's own paths (start, fail, skip). A lost lock stops the run without another
   * write; a conflict (the task moved on under another writer) is said and the task's recorded status
   * believed. Neither may crash the process from inside a task's promise.
   */
  const write = <T>(taskId: string, fn: () => T): { ok: true; value: T } | { ok: false } => {
    try {
      return { ok: true, value: fn() };
    } catch (err) {
      const e = err instanceof HikkoshiError ? err : new HikkoshiError("UNEXPECTED", errorMessage(err), { cause: err });
      if (e.code === "STATE_CONFLICT" || e.code === "STATE_NOT_FOUND") {
        const recorded = store.getTask(runId, taskId)?.status;
        if (recorded) status.set(taskId, recorded);
        bus.emit({ type: "task-log", taskId, level: "warn", message: `${e.message} (left as recorded: ${recorded})` });
      } else {
        options.stop(e);
      }
      return { ok: false };
    }
  };

  const setStatus = (
    taskId: string,
    s: TaskStatus,
    extra: { outputs?: Record<string, Json>; error?: ErrorInfo } = {},
  ) => {
    status.set(taskId, s);
    bus.emit({ type: "task-status", taskId, status: s, ...extra });
  };

  const launch = (spec: TaskSpec, def: StepDefinition<any>, params: unknown, keys: string[]) => {
    const start = write(spec.id, () => store.startTask(runId, spec.id));
    if (!start.ok) return;
    const started = start.value;
    failpoint("task:started", { task: spec.id });
    status.set(spec.id, "running");
    bus.emit({ type: "task-started", taskId: spec.id, attempt: started.attempts });
    limiter.start(keys);
    let holdsSlot = true;
    const ctx = runContext({
      runId,
      runbookName: options.runbookName,
      task: spec,
      accounts: options.accounts,
      clock: options.clock,
      bus,
      store,
      aws: options.awsFor(spec.id),
      signal,
      poll: options.poll,
      timeoutMs: spec.timeoutMs,
      progress: started.progress,
      autoApprove: options.operator.autoApprove === true,
      operatorName: options.operator.name,
      releaseSlot: () => {
        if (holdsSlot) limiter.releaseSlot();
        holdsSlot = false;
        wake();
      },
      acquireSlot: async () => {
        if (!holdsSlot) await limiter.acquireSlot();
        holdsSlot = true;
      },
    });
    const slot: { promise?: Promise<void> } = {};
    slot.promise = (async () => {
      await Promise.resolve(); // let `running.add` happen before anything can finish
      try {
        const out = await runWithRetry({
          run: (c) => def.run(c, params),
          ctx,
          store,
          runId,
          bus,
          clock: options.clock,
          signal,
        });
        if (write(spec.id, () => store.succeedTask(runId, spec.id, out)).ok) {
          failpoint("task:succeeded", { task: spec.id });
          outputs.set(spec.id, out);
          setStatus(spec.id, "succeeded", { outputs: out });
        }
      } catch (err) {
        if (err instanceof HikkoshiError && err.code === "LOCK_LOST") {
          // A write inside the step found another holder: nothing more is recorded by this process.
          options.stop(err);
        } else if (err instanceof ApprovalPending) {
          status.set(spec.id, "awaiting_approval");
        } else if (isCredentialsExpired(err)) {
          // Not the task's fault: the run parks (nothing starts, in-flight tasks settle) and the operator
          // logs in again. The task stays in flight; resume re-observes what its interrupted call did.
          options.stop(
            err instanceof HikkoshiError
              ? err
              : new HikkoshiError("AWS_CREDENTIALS_EXPIRED", errorMessage(err), { cause: err }),
          );
          bus.emit({
            type: "task-log",
            taskId: spec.id,
            level: "warn",
            message: "interrupted: the credentials expired; resume will pick it up",
          });
        } else if (signal.aborted) {
          // Interrupted: the task stays in flight; resume observes AWS and adopts what exists.
          bus.emit({
            type: "task-log",
            taskId: spec.id,
            level: "warn",
            message: "interrupted; resume will pick it up",
          });
        } else {
          const info = toErrorInfo(err);
          if (write(spec.id, () => store.failTask(runId, spec.id, info)).ok) {
            setStatus(spec.id, "failed", { error: info });
          }
        }
      } finally {
        limiter.finish(keys, holdsSlot);
        if (slot.promise) running.delete(slot.promise);
        wake();
      }
    })();
    running.add(slot.promise);
  };

  /** Prepare a ready task: resolve params, evaluate `if`, compute keys. Returns undefined if settled. */
  const prepare = (spec: TaskSpec) => {
    const def = registry.primitive(spec.type);
    const lookup = outputOf;
    try {
      if (!def) throw new HikkoshiError("UNKNOWN_STEP_TYPE", `step type ${spec.type} is not known to this hikkoshi`);
      if (spec.if !== undefined && !evaluateCondition(spec.if, lookup, "run")) {
        if (write(spec.id, () => store.skipTask(runId, spec.id, `condition false: ${spec.if}`)).ok) {
          setStatus(spec.id, "skipped");
        }
        return undefined;
      }
      const raw = resolveTaskParams(spec, lookup, "run");
      const parsed = def.params.safeParse(raw);
      if (!parsed.success) {
        throw new HikkoshiError(
          "PARAMS_INVALID",
          `parameters of ${spec.id} are invalid at run time: ${parsed.error.message}`,
          {
            hint: "an upstream output did not have the expected shape; check `hikkoshi status` for its outputs",
          },
        );
      }
      const account = options.accounts[spec.account];
      const keys = account && def.concurrencyKeys ? def.concurrencyKeys(parsed.data, { account }) : [];
      const destructive =
        typeof def.destructive === "function" ? def.destructive(parsed.data) : def.destructive === true;
      return { def, params: parsed.data, keys, destructive };
    } catch (err) {
      // A task that cannot even start fails like any other: recorded, shown, resumable after a fix.
      const info = toErrorInfo(err);
      const failed = write(spec.id, () => {
        store.startTask(runId, spec.id);
        store.failTask(runId, spec.id, info);
      });
      if (failed.ok) setStatus(spec.id, "failed", { error: info });
      return undefined;
    }
  };

  // Still-open pending tasks in topological order; compacted as tasks start, so a scan stays short.
  let pendingOrder = pending.map((r) => r.taskId);

  for (;;) {
    let progressed = false;
    if (!signal.aborted && !quit) {
      for (const taskId of pendingOrder) {
        if (status.get(taskId) !== "pending" || needsConfirmation.has(taskId) || blocked.has(taskId)) continue;
        const spec = specs.get(taskId)!;
        const dep = depState(spec);
        if (dep === "blocked") {
          blocked.add(taskId);
          progressed = true;
          continue;
        }
        if (!limiter.canStart([])) break; // every worker is busy: nothing more can start now
        if (dep === "later") continue;
        const prepared = prepare(spec);
        progressed = true;
        if (!prepared) continue;
        if (!limiter.canStart(prepared.keys)) continue; // queued behind a concurrency limit
        const confirmedBy = prepared.destructive ? options.confirmed(taskId) : undefined;
        if (prepared.destructive && confirmedBy === undefined) {
          needsConfirmation.add(taskId);
          bus.emit({ type: "task-needs-confirmation", taskId, summary: `${spec.type} in ${spec.account}` });
          continue;
        }
        if (options.stepMode) {
          const answer = await options.operator.stepGate(taskId, `${spec.type} in ${spec.account}`);
          if (answer === "quit") {
            quit = true;
            break;
          }
          if (answer === "skip") {
            if (write(taskId, () => store.skipTask(runId, taskId, `skipped by ${options.operator.name} (--step)`)).ok) {
              setStatus(taskId, "skipped");
            }
            continue;
          }
        }
        if (confirmedBy !== undefined) {
          // Who allowed a destructive action, and how, is part of the audit trail.
          const journaled = write(taskId, () =>
            store.journalAppend({
              runId,
              taskId,
              kind: "confirmation",
              actor: options.operator.name,
              action: "confirmed",
              resource: taskId,
              outcome: "ok",
              detail: { via: confirmedBy },
            }),
          );
          if (!journaled.ok) continue;
        }
        launch(spec, prepared.def, prepared.params, prepared.keys);
      }
      pendingOrder = pendingOrder.filter((id) => status.get(id) === "pending" && !blocked.has(id));
    }
    if (running.size === 0 && !progressed) break;
    if (running.size === 0) continue;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }

  const pick = (s: TaskStatus) => [...status].filter(([, v]) => v === s).map(([k]) => k);
  return {
    failed: pick("failed"),
    awaitingApproval: pick("awaiting_approval"),
    needsConfirmation: [...needsConfirmation],
    blocked: [...blocked],
    interrupted: signal.aborted,
    quit,
  };
}

export type { TaskRecord };
