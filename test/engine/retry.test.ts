/**
 * Task-level retries: a step's run retried with a journal row and a warning per retry, each attempt
 * seeing the progress the last one saved; the preflight's reads retried, a silent endpoint not.
 */
import { describe, expect, it } from "vitest";
import { retryPreflight } from "../../src/aws/retry.js";
import { EndpointTimeout } from "../../src/aws/timeouts.js";
import { HikkoshiError } from "../../src/core/errors.js";
import { runContext } from "../../src/engine/context.js";
import { type EngineEvent, EventBus } from "../../src/engine/events.js";
import { runWithRetry } from "../../src/engine/retry.js";
import type { RunContext } from "../../src/steps/define.js";
import { createTestRun, noAws, spec, tempStore } from "./harness.js";
import { denied, fakeClock, policy, throttled } from "./retry-fixtures.js";

describe("a task's run, retried", () => {
  function setup() {
    const { store } = tempStore();
    const task = spec("snap", "t.work");
    createTestRun(store, "r1", [task]);
    const started = store.startTask("r1", "snap");
    const events: EngineEvent[] = [];
    const bus = new EventBus();
    bus.on((e) => events.push(e));
    const abort = new AbortController();
    const clock = fakeClock();
    const ctx = runContext({
      runId: "r1",
      runbookName: "test",
      task,
      accounts: { source: { alias: "source", id: "111111111111", region: "ap-northeast-1" } },
      clock,
      bus,
      store,
      aws: noAws,
      signal: abort.signal,
      poll: {},
      timeoutMs: undefined,
      progress: started.progress,
      autoApprove: false,
      operatorName: "tester@host",
      releaseSlot: () => {},
      acquireSlot: async () => {},
    });
    return { store, bus, events, abort, clock, ctx };
  }

  it("journals and shows each retry, and each attempt sees the progress the last one saved", async () => {
    const { store, bus, events, abort, clock, ctx } = setup();
    const seen: unknown[] = [];
    const out = await runWithRetry({
      run: async (c: RunContext) => {
        seen.push(c.progress);
        if (seen.length === 1) {
          c.saveProgress({ intentAt: 42 });
          throw throttled();
        }
        if (seen.length === 2) throw new HikkoshiError("S3_SOMETHING", "wrapped", { cause: throttled() });
        return { ok: true };
      },
      ctx,
      store,
      runId: "r1",
      bus,
      clock,
      signal: abort.signal,
      policy: policy({ baseMs: 2_000 }),
      random: () => 0.5,
    });
    expect(out).toEqual({ ok: true });
    expect(seen).toEqual([undefined, { intentAt: 42 }, { intentAt: 42 }]);

    const notes = store.listJournal("r1", { kinds: ["note"] });
    expect(notes.map((n) => [n.taskId, n.action, n.resource, n.outcome, n.accountId])).toEqual([
      ["snap", "retry-transient", "orders", "retrying", "111111111111"],
      ["snap", "retry-transient", "orders", "retrying", "111111111111"],
    ]);
    expect(notes.map((n) => n.detail)).toEqual([
      expect.objectContaining({ attempt: 1, of: 8, code: "ThrottlingException", kind: "throttled", delayMs: 1_000 }),
      expect.objectContaining({ attempt: 2, of: 8, code: "ThrottlingException", kind: "throttled", delayMs: 2_000 }),
    ]);
    const warnings = events.flatMap((e) => (e.type === "task-log" && e.level === "warn" ? [e.message] : []));
    expect(warnings).toEqual([
      "transient ThrottlingException on DescribeDBSnapshots; retrying in 1.0s (retry 1 of 8)",
      "transient ThrottlingException on DescribeDBSnapshots; retrying in 2.0s (retry 2 of 8)",
    ]);
  });

  it("a transient error inside a wait keeps its deadline: the retried attempt waits toward the same one", async () => {
    const { store, bus, abort, clock, ctx } = setup();
    let attempt = 0;
    const out = await runWithRetry({
      run: async (c: RunContext) => {
        attempt++;
        let polls = 0;
        return c.wait({
          what: "snapshot available",
          timeoutMs: 3_600_000,
          intervalMs: 10_000,
          poll: async () => {
            polls++;
            if (attempt === 1 && polls === 2) throw throttled();
            return { done: attempt > 1 && polls === 2, value: { ok: true } };
          },
        });
      },
      ctx,
      store,
      runId: "r1",
      bus,
      clock,
      signal: abort.signal,
      policy: policy(),
      random: () => 0.5,
    });
    expect(out).toEqual({ ok: true });
    const entered = store
      .listJournal("r1")
      .filter((e) => e.action === "enterWait")
      .map((e) => (e.detail as { deadlineAt: number }).deadlineAt);
    expect(entered).toHaveLength(2);
    // The second wait began later (a poll interval and a backoff on), yet its deadline is the first one's.
    expect(entered[1]).toBe(entered[0]);
    expect(clock.now()).toBeGreaterThan(1_000_000 + 10_000);
    expect(store.getTask("r1", "snap")?.deadlineAt ?? null).toBeNull();
  });

  it("fails at once on a non-transient error, with no journal row", async () => {
    const { store, bus, abort, clock, ctx } = setup();
    let calls = 0;
    await expect(
      runWithRetry({
        run: async () => {
          calls++;
          throw denied();
        },
        ctx,
        store,
        runId: "r1",
        bus,
        clock,
        signal: abort.signal,
        policy: policy(),
      }),
    ).rejects.toThrow(/AccessDenied/);
    expect(calls).toBe(1);
    expect(store.listJournal("r1", { kinds: ["note"] })).toEqual([]);
  });

  it("an interrupted run does not retry: the error stands and resume picks the task up", async () => {
    const { store, bus, abort, clock, ctx } = setup();
    let calls = 0;
    await expect(
      runWithRetry({
        run: async () => {
          calls++;
          abort.abort(new HikkoshiError("INTERRUPTED", "Ctrl-C"));
          throw throttled();
        },
        ctx,
        store,
        runId: "r1",
        bus,
        clock,
        signal: abort.signal,
        policy: policy(),
      }),
    ).rejects.toThrow(/Rate exceeded/);
    expect(calls).toBe(1);
  });
});

describe("the preflight's reads", () => {
  it("retry throttling, but say a silent endpoint after one timeout", async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await retryPreflight(
      async () => {
        if (++calls < 4) throw throttled();
        return "identity";
      },
      clock,
      policy({ baseMs: 10 }),
    );
    expect(value).toBe("identity");
    expect(calls).toBe(4);

    let silent = 0;
    const timeout = new EndpointTimeout("sts", "http://127.0.0.1:9", "answer", 30_000, "requestTimeout");
    await expect(
      retryPreflight(
        async () => {
          silent++;
          throw timeout;
        },
        clock,
        policy({ baseMs: 10 }),
      ),
    ).rejects.toBe(timeout);
    expect(silent).toBe(1);
  });
});
