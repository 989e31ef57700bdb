/**
 * The backoff behind hikkoshi's own retries (core/retry.ts): doubling with full jitter up to a cap,
 * bounded by count and by time, and an abort during a wait ends it at once.
 */
import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { HikkoshiError } from "../../src/core/errors.js";
import {
  backoffMs,
  DEFAULT_RETRY_POLICY,
  type RetryNotice,
  retrying,
  retryPolicyFromEnv,
} from "../../src/core/retry.js";
import { denied, fakeClock, policy, throttled } from "./retry-fixtures.js";

const always = () => "transient";

describe("backoff", () => {
  it("doubles from the base up to the cap, with full jitter below that ceiling", () => {
    const p = policy();
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((r) => backoffMs(p, r, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
    expect(backoffMs(p, 3, () => 0)).toBe(0);
    expect(backoffMs(p, 3, () => 0.5)).toBe(2_000);
  });

  it("reads its bounds from the environment and refuses nonsense", () => {
    expect(retryPolicyFromEnv({})).toEqual(DEFAULT_RETRY_POLICY);
    expect(retryPolicyFromEnv({ HIKKOSHI_RETRY_MAX: "2", HIKKOSHI_RETRY_BASE_MS: "5" })).toMatchObject({
      maxRetries: 2,
      baseMs: 5,
    });
    expect(() => retryPolicyFromEnv({ HIKKOSHI_RETRY_CAP_MS: "soon" })).toThrow(/HIKKOSHI_RETRY_CAP_MS/);
  });

  it("stops after maxRetries retries and throws the last error", async () => {
    const clock = fakeClock();
    const notices: RetryNotice[] = [];
    let attempts = 0;
    const err = await retrying(
      async () => {
        attempts++;
        throw throttled();
      },
      { policy: policy({ maxRetries: 3 }), clock, retryable: always, onRetry: (n) => notices.push(n), random: () => 1 },
    ).catch((e: unknown) => e);
    expect(attempts).toBe(4);
    expect(err).toBeInstanceOf(HikkoshiError);
    expect(notices.map((n) => [n.retry, n.maxRetries, n.delayMs])).toEqual([
      [1, 3, 1_000],
      [2, 3, 2_000],
      [3, 3, 4_000],
    ]);
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000]);
  });

  it("stops when the trouble has lasted maxElapsedMs, and never waits past it", async () => {
    const clock = fakeClock();
    let attempts = 0;
    // Each failing attempt takes 3 s; waits of up to 4 s, 8 s, …: the 20 s budget ends the streak early.
    await expect(
      retrying(
        async () => {
          attempts++;
          clock.advance(3_000);
          throw throttled();
        },
        { policy: policy({ baseMs: 4_000, maxElapsedMs: 20_000 }), clock, retryable: always, random: () => 1 },
      ),
    ).rejects.toThrow(/Rate exceeded/);
    // Budget from the first failure: 4 s wait, 3 s attempt, 8 s wait (clamped: 20 − 7 = 13 ≥ 8), 3 s
    // attempt, then 2 s left: a last wait of 2 s (not 16), one more attempt, and nothing left.
    expect(clock.sleeps).toEqual([4_000, 8_000, 2_000]);
    expect(attempts).toBe(4);
    expect(attempts).toBeLessThan(policy().maxRetries + 1);
  });

  it("a failure after a long healthy attempt starts a new time budget (the count still holds)", async () => {
    const clock = fakeClock();
    let attempts = 0;
    const value = await retrying(
      async (n) => {
        attempts++;
        // Attempt 1 runs an hour before it is throttled: the first streak's 10 s are long gone.
        clock.advance(n === 1 ? 3_600_000 : 1_000);
        if (n < 3) throw throttled();
        return "done";
      },
      { policy: policy({ maxElapsedMs: 10_000 }), clock, retryable: always, random: () => 1 },
    );
    expect(value).toBe("done");
    expect(attempts).toBe(4);
  });

  it("does not retry what is not transient", async () => {
    const clock = fakeClock();
    let attempts = 0;
    await expect(
      retrying(
        async () => {
          attempts++;
          throw denied();
        },
        { policy: policy(), clock, retryable: () => undefined },
      ),
    ).rejects.toThrow(/AccessDenied/);
    expect(attempts).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("an abort during the wait ends it at once (no further attempt) with the signal's reason", async () => {
    const abort = new AbortController();
    let attempts = 0;
    const pending = retrying(
      async () => {
        attempts++;
        throw throttled();
      },
      {
        // A minute's wait on the real clock: only the abort can end this test in time.
        policy: policy({ baseMs: 60_000 }),
        clock: systemClock,
        signal: abort.signal,
        retryable: always,
        random: () => 1,
        onRetry: () => setImmediate(() => abort.abort(new HikkoshiError("INTERRUPTED", "Ctrl-C"))),
      },
    );
    await expect(pending).rejects.toThrow("Ctrl-C");
    expect(attempts).toBe(1);
  });
});
