/** What the retry tests share: AWS errors as the access layer wraps them, virtual time, a policy. */
import { toHikkoshiError } from "../../src/aws/errors.js";
import type { Clock } from "../../src/core/clock.js";
import type { RetryPolicy } from "../../src/core/retry.js";

export const throttled = () =>
  toHikkoshiError(
    Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
    }),
    { action: "DescribeDBSnapshots", alias: "source", accountId: "111111111111", service: "rds", resource: "orders" },
  );
export const denied = () =>
  toHikkoshiError(Object.assign(new Error("no"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }), {
    action: "CopyDBSnapshot",
    alias: "source",
    accountId: "111111111111",
  });

/** Virtual time: a sleep moves it forward at once; an attempt may take time too (`advance`). */
export function fakeClock() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  const clock: Clock & { advance(ms: number): void; sleeps: number[] } = {
    now: () => t,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
    sleeps,
  };
  return clock;
}

export const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxRetries: 8,
  baseMs: 1_000,
  capMs: 60_000,
  maxElapsedMs: 15 * 60_000,
  ...over,
});
