/**
 * Task-level retries of transient AWS errors (throttling, 5xx, broken connections, timeouts): the SDK
 * retries one request a few times (3 attempts); what outlives that reruns the step's `run` from the start,
 * after a backoff, bounded by count and time (core/retry.ts), each retry journaled and shown. Safe because
 * steps are idempotent by construction: they observe AWS and adopt what an earlier attempt made.
 */
import { AwsError, awsErrorFacts, transientKind } from "../aws/errors.js";
import type { Clock } from "../core/clock.js";
import type { JsonObject } from "../core/json.js";
import { type RetryNotice, type RetryPolicy, retrying, retryPolicyFromEnv } from "../core/retry.js";
import type { Store } from "../state/index.js";
import type { RunContext } from "../steps/define.js";
import type { EventBus } from "./events.js";

export interface TaskRetryInput<T> {
  run: (ctx: RunContext) => Promise<T>;
  ctx: RunContext;
  store: Store;
  runId: string;
  bus: EventBus;
  clock: Clock;
  signal: AbortSignal;
  /** Default: retryPolicyFromEnv(). */
  policy?: RetryPolicy;
  random?: () => number;
}

/** What a transient error was about, for the journal and the message. */
function describe(err: unknown): {
  code: string;
  message: string;
  action?: string;
  accountId?: string;
  resource?: string;
} {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current instanceof AwsError) {
      return {
        code: current.awsCode,
        message: current.awsMessage,
        action: current.action,
        accountId: current.accountId,
        ...(current.resource ? { resource: current.resource } : {}),
      };
    }
    if (current.cause === undefined) break;
    current = current.cause;
  }
  const facts = awsErrorFacts(err);
  return { code: facts.code, message: facts.message };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * `input.run(ctx)`, again after a backoff while it fails transiently. Each attempt after the first sees
 * the progress the earlier ones saved (a step decides from its checkpoint whether a call was already
 * sent), and the retry holds its worker slot while it waits: under throttling, fewer calls is the point.
 */
export function runWithRetry<T>(input: TaskRetryInput<T>): Promise<T> {
  const { ctx, store, runId, bus } = input;
  const fresh = (): RunContext => ({
    ...ctx,
    progress: (store.getTask(runId, ctx.taskId)?.progress ?? undefined) as JsonObject | undefined,
  });
  return retrying((n) => input.run(n === 0 ? ctx : fresh()), {
    policy: input.policy ?? retryPolicyFromEnv(),
    clock: input.clock,
    signal: input.signal,
    retryable: (err) => transientKind(err),
    onRetry: (notice: RetryNotice) => {
      const what = describe(notice.error);
      store.journalAppend({
        runId,
        taskId: ctx.taskId,
        kind: "note",
        accountId: what.accountId,
        action: "retry-transient",
        resource: what.resource ?? what.action ?? ctx.taskId,
        outcome: "retrying",
        detail: {
          attempt: notice.retry,
          of: notice.maxRetries,
          kind: notice.reason,
          code: what.code,
          ...(what.action ? { awsAction: what.action } : {}),
          message: what.message,
          delayMs: notice.delayMs,
        },
      });
      const on = what.action ? ` on ${what.action}` : "";
      bus.emit({
        type: "task-log",
        taskId: ctx.taskId,
        level: "warn",
        message: `transient ${what.code}${on}; retrying in ${seconds(notice.delayMs)} (retry ${notice.retry} of ${notice.maxRetries})`,
      });
    },
    ...(input.random ? { random: input.random } : {}),
  });
}
