/**
 * The preflight's reads (the account guard, each task's plan) retried on transient errors with the
 * task-level policy (core/retry.ts), without a journal: no run exists yet. The engine's task-level retry
 * is engine/retry.ts.
 */
import type { Clock } from "../core/clock.js";
import { type RetryPolicy, retrying, retryPolicyFromEnv } from "../core/retry.js";
import { type TransientKind, transientKind } from "./errors.js";

/** AWS answered "not now", or the connection broke mid-call. */
const PREFLIGHT_KINDS: ReadonlySet<TransientKind> = new Set(["throttled", "server", "connection"]);

/**
 * An endpoint that does not answer at all (no-answer, unreachable) is not retried here: the operator is
 * waiting, and a wrong endpoint must be said within one timeout, not after minutes of backoff. Runs do
 * retry those (engine/retry.ts): a run is unattended and long, and a network blip must not stop it.
 */
export function preflightRetryable(err: unknown): TransientKind | undefined {
  const kind = transientKind(err);
  return kind !== undefined && PREFLIGHT_KINDS.has(kind) ? kind : undefined;
}

export function retryPreflight<T>(read: () => Promise<T>, clock: Clock, policy?: RetryPolicy): Promise<T> {
  return retrying(read, { policy: policy ?? retryPolicyFromEnv(), clock, retryable: preflightRetryable });
}
