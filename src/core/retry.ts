/**
 * The backoff loop behind hikkoshi's own retries (a task's run, the preflight's reads): exponential
 * backoff with full jitter, bounded by a count and by time, abortable during the wait. What is worth a
 * retry is the caller's to say (`retryable`); this module knows nothing about AWS.
 */
import type { Clock } from "./clock.js";
import { envNumber } from "./env.js";

export interface RetryPolicy {
  /** Retries after the first failure: at most maxRetries + 1 attempts. */
  maxRetries: number;
  /** The first retry waits up to baseMs; each further one up to twice as long, never more than capMs. */
  baseMs: number;
  capMs: number;
  /**
   * No retry is started once the trouble has lasted this long (from the first failure of a streak). An
   * attempt that ran at least this long before failing starts a new streak: a task that failed once an
   * hour ago and again now is not out of time. The count is never reset.
   */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 8,
  baseMs: 1_000,
  capMs: 60_000,
  maxElapsedMs: 15 * 60_000,
};

const ENV: Record<keyof RetryPolicy, string> = {
  maxRetries: "HIKKOSHI_RETRY_MAX",
  baseMs: "HIKKOSHI_RETRY_BASE_MS",
  capMs: "HIKKOSHI_RETRY_CAP_MS",
  maxElapsedMs: "HIKKOSHI_RETRY_MAX_ELAPSED_MS",
};

export function retryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const out = { ...DEFAULT_RETRY_POLICY };
  for (const key of Object.keys(ENV) as Array<keyof RetryPolicy>) {
    const n = envNumber(env, ENV[key], (v) => Number.isInteger(v) && v >= 0, "a whole number ≥ 0");
    if (n !== undefined) out[key] = n;
  }
  return out;
}

/** Full jitter: uniformly between 0 and min(cap, base · 2^(retry − 1)). `retry` counts from 1. */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(random() * ceiling);
}

export interface RetryNotice {
  /** 1 for the first retry. */
  retry: number;
  maxRetries: number;
  delayMs: number;
  error: unknown;
  /** What `retryable` said about the error. */
  reason: string;
}

export interface RetryOptions {
  policy: RetryPolicy;
  clock: Clock;
  /** Aborts the wait between attempts (the wait rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
  /** A reason to try again, or undefined: the error is thrown as it is. */
  retryable: (err: unknown) => string | undefined;
  /** Before each wait: say it, journal it. May throw to stop retrying. */
  onRetry?: (notice: RetryNotice) => void;
  random?: () => number;
}

/** `attempt(n)` (n from 0) until it succeeds, fails for good, or the policy's bounds are reached. */
export async function retrying<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, clock, signal } = options;
  let streakStart: number | undefined;
  for (let n = 0; ; n++) {
    const startedAt = clock.now();
    try {
      return await attempt(n);
    } catch (err) {
      const reason = options.retryable(err);
      if (reason === undefined || signal?.aborted || n >= policy.maxRetries) throw err;
      const now = clock.now();
      if (streakStart === undefined || now - startedAt >= policy.maxElapsedMs) streakStart = now;
      const left = streakStart + policy.maxElapsedMs - now;
      if (left <= 0) throw err;
      const delayMs = Math.min(backoffMs(policy, n + 1, options.random), left);
      options.onRetry?.({ retry: n + 1, maxRetries: policy.maxRetries, delayMs, error: err, reason });
      await clock.sleep(delayMs, signal);
    }
  }
}
