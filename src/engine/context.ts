/**
 * Builds the contexts a step receives. Plan contexts read only; run contexts journal every mutating AWS
 * call, persist checkpoints and own long waits (persisted deadline, backoff with jitter, no worker slot).
 */
import type { Clock } from "../core/clock.js";
import { HikkoshiError } from "../core/errors.js";
import { failpoint } from "../core/failpoint.js";
import type { JsonObject } from "../core/json.js";
import type { TaskSpec } from "../runbook/types.js";
import type { Store } from "../state/index.js";
import type { AccountRef, AwsReader, AwsWriter, PlanContext, RunContext, WaitOptions } from "../steps/define.js";
import type { EventBus } from "./events.js";
import { taskResourceName, taskTags, taskToken } from "./names.js";

export interface PollSettings {
  /** When set, overrides the steps' own poll intervals (the simulator runs an hour in seconds). */
  initialMs?: number;
  maxMs?: number;
}

interface CommonInput {
  runId: string | undefined;
  runbookName: string;
  task: TaskSpec;
  accounts: Record<string, AccountRef>;
  clock: Clock;
  bus: EventBus;
}

function common(input: CommonInput) {
  const { task, runId } = input;
  const account = input.accounts[task.account];
  if (!account) {
    throw new HikkoshiError("UNKNOWN_ACCOUNT", `task ${task.id} names account "${task.account}", not in the runbook`);
  }
  return {
    runbookName: input.runbookName,
    account,
    accounts: input.accounts,
    taskId: task.id,
    stepId: task.stepId,
    itemKey: task.itemKey,
    clock: input.clock,
    log: {
      info: (message: string) => input.bus.emit({ type: "task-log", taskId: task.id, level: "info", message }),
      warn: (message: string) => input.bus.emit({ type: "task-log", taskId: task.id, level: "warn", message }),
    },
    name: (suffix?: string, maxLength?: number) => taskResourceName(runId, task.id, suffix, maxLength),
    token: (suffix?: string) => taskToken(runId, task.id, suffix),
    tags: () => taskTags(runId, task.id, input.runbookName),
  };
}

export function planContext(input: CommonInput & { aws: AwsReader }): PlanContext {
  return { ...common(input), aws: input.aws };
}

/** Thrown inside a manual step to park it until someone approves; not a failure. */
export class ApprovalPending extends Error {
  constructor(readonly taskId: string) {
    super(`task ${taskId} is waiting for approval`);
  }
}

export interface RunContextInput extends CommonInput {
  runId: string;
  store: Store;
  aws: AwsWriter;
  signal: AbortSignal;
  poll: PollSettings;
  timeoutMs: number | undefined;
  /** The checkpoint an earlier attempt saved (from starting the task: no read of its row here). */
  progress: JsonObject | undefined;
  autoApprove: boolean;
  operatorName: string;
  /** Give the worker slot back while waiting / take it back after. */
  releaseSlot: () => void;
  acquireSlot: () => Promise<void>;
}

export function runContext(input: RunContextInput): RunContext {
  const { store, runId, task, bus, signal } = input;
  return {
    ...common(input),
    aws: input.aws,
    signal,
    progress: input.progress,
    saveProgress: (progress) => {
      store.saveProgress(runId, task.id, progress);
      failpoint("progress:saved", { task: task.id });
    },
    wait: (options) => waitFor(input, options),
    awaitApproval: async (instructions) => {
      const current = store.getTask(runId, task.id);
      if (current?.approvedBy) return "approved";
      if (input.autoApprove) {
        store.approveTask(runId, task.id, `${input.operatorName} (auto-approved)`);
        return "approved";
      }
      if (store.requestApproval(runId, task.id) === "approved") return "approved";
      bus.emit({ type: "task-awaiting-approval", taskId: task.id, instructions });
      throw new ApprovalPending(task.id);
    },
  };
}

async function waitFor<T>(input: RunContextInput, options: WaitOptions<T>): Promise<T> {
  const { store, runId, task, bus, clock, signal } = input;
  const first = await options.poll();
  if (first.done) return first.value as T;

  const timeoutMs = Math.min(options.timeoutMs, input.timeoutMs ?? Number.POSITIVE_INFINITY);
  // The deadline is stored once: a resumed wait keeps the deadline of the first attempt.
  const deadlineAt = store.enterWait(runId, task.id, { what: options.what, deadlineAt: clock.now() + timeoutMs });
  bus.emit({ type: "task-waiting", taskId: task.id, what: options.what, deadlineAt });
  failpoint("wait:entered", { task: task.id });
  report(bus, task.id, first.percent, first.message);
  input.releaseSlot();
  let interval = input.poll.initialMs ?? options.intervalMs ?? 5_000;
  const maxInterval = input.poll.maxMs ?? options.maxIntervalMs ?? 60_000;
  try {
    for (;;) {
      if (clock.now() > deadlineAt) {
        throw new HikkoshiError("WAIT_TIMEOUT", `gave up waiting for ${options.what}: the deadline passed`, {
          hint: "check the resource in the AWS console; raise the step's `timeout` and `hikkoshi resume` to keep waiting",
          resource: task.id,
        });
      }
      // Jitter keeps many waiting tasks from polling in lockstep.
      const pause = Math.min(interval, Math.max(0, deadlineAt - clock.now())) * (0.8 + Math.random() * 0.4);
      await clock.sleep(pause, signal);
      const result = await options.poll();
      failpoint("wait:poll", { task: task.id });
      if (result.done) {
        await input.acquireSlot();
        store.leaveWait(runId, task.id);
        return result.value as T;
      }
      report(bus, task.id, result.percent, result.message);
      interval = Math.min(interval * 1.5, maxInterval);
    }
  } catch (err) {
    // Interrupted: stay "waiting" so resume re-attaches with the stored deadline. Otherwise the task
    // is running again (about to fail, or to be retried after a transient error), holding a slot like any
    // running task; the deadline stays, so a retried attempt that waits again does not start a new one.
    if (!signal.aborted) {
      await input.acquireSlot();
      store.leaveWait(runId, task.id, true);
    }
    throw err;
  }
}

function report(bus: EventBus, taskId: string, percent: number | undefined, message: string | undefined) {
  if (percent === undefined && message === undefined) return;
  bus.emit({
    type: "task-progress",
    taskId,
    ...(percent === undefined ? {} : { percent }),
    ...(message === undefined ? {} : { message }),
  });
}
