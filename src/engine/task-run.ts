/**
 * One attempt of a started task: its run context, its step's `run` with task-level retries, and what came of
 * it. Records nothing itself: the executor writes the outcome (with the other transitions of its turn).
 */
import { isCredentialsExpired } from "../aws/errors.js";
import type { Clock } from "../core/clock.js";
import { errorMessage, HikkoshiError } from "../core/errors.js";
import type { Json, JsonObject } from "../core/json.js";
import type { TaskSpec } from "../runbook/types.js";
import type { Store } from "../state/index.js";
import type { AccountRef, AwsWriter, StepDefinition } from "../steps/define.js";
import { ApprovalPending, type PollSettings, runContext } from "./context.js";
import type { ErrorInfo, EventBus } from "./events.js";
import { runWithRetry } from "./retry.js";

export type TaskOutcome =
  | { kind: "succeeded"; outputs: Record<string, Json> }
  | { kind: "failed"; error: ErrorInfo }
  /** The step asked for approval (already recorded by the step's context). */
  | { kind: "awaiting_approval" }
  /** Interrupted, or the run was stopped: the task stays in flight for resume; nothing to record. */
  | { kind: "left-in-flight" };

export interface TaskRunInput {
  runId: string;
  runbookName: string;
  task: TaskSpec;
  def: StepDefinition<any>;
  params: unknown;
  /** The checkpoint an earlier attempt left (from starting the task). */
  progress: JsonObject | undefined;
  accounts: Record<string, AccountRef>;
  aws: AwsWriter;
  store: Store;
  bus: EventBus;
  clock: Clock;
  signal: AbortSignal;
  poll: PollSettings;
  autoApprove: boolean;
  operatorName: string;
  releaseSlot: () => void;
  acquireSlot: () => Promise<void>;
  stop: (err: HikkoshiError) => void;
}

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

export async function runTask(input: TaskRunInput): Promise<TaskOutcome> {
  const { task, store, runId, bus, signal } = input;
  const ctx = runContext({
    runId,
    runbookName: input.runbookName,
    task,
    accounts: input.accounts,
    clock: input.clock,
    bus,
    store,
    aws: input.aws,
    signal,
    poll: input.poll,
    timeoutMs: task.timeoutMs,
    progress: input.progress,
    autoApprove: input.autoApprove,
    operatorName: input.operatorName,
    releaseSlot: input.releaseSlot,
    acquireSlot: input.acquireSlot,
  });
  try {
    const outputs = await runWithRetry({
      run: (c) => input.def.run(c, input.params),
      ctx,
      store,
      runId,
      bus,
      clock: input.clock,
      signal,
    });
    return { kind: "succeeded", outputs };
  } catch (err) {
    return settleError(input, err);
  }
}

function settleError(input: TaskRunInput, err: unknown): TaskOutcome {
  const { task, bus } = input;
  if (err instanceof HikkoshiError && err.code === "LOCK_LOST") {
    // A write inside the step found another holder: nothing more is recorded by this process.
    input.stop(err);
    return { kind: "left-in-flight" };
  }
  if (err instanceof ApprovalPending) return { kind: "awaiting_approval" };
  if (isCredentialsExpired(err)) {
    // Not the task's fault: the run parks (nothing starts, in-flight tasks settle) and the operator
    // logs in again. The task stays in flight; resume re-observes what its interrupted call did.
    input.stop(
      err instanceof HikkoshiError
        ? err
        : new HikkoshiError("AWS_CREDENTIALS_EXPIRED", errorMessage(err), { cause: err }),
    );
    bus.emit({
      type: "task-log",
      taskId: task.id,
      level: "warn",
      message: "interrupted: the credentials expired; resume will pick it up",
    });
    return { kind: "left-in-flight" };
  }
  if (input.signal.aborted) {
    // Interrupted: the task stays in flight; resume observes AWS and adopts what exists.
    bus.emit({ type: "task-log", taskId: task.id, level: "warn", message: "interrupted; resume will pick it up" });
    return { kind: "left-in-flight" };
  }
  return { kind: "failed", error: toErrorInfo(err) };
}
