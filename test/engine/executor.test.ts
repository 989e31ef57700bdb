import { describe, expect, it } from "vitest";
import { openStore } from "../../src/state/index.js";
import { createTestRun, probe, quietOperator, runOnce, spec, tempStore } from "./harness.js";

describe("executor", () => {
  it("runs a dependency graph to completion, respecting --parallel", async () => {
    const { store } = tempStore();
    const p = probe();
    const tasks = [
      ...Array.from({ length: 12 }, (_, i) => spec(`a${i}`, "t.work")),
      spec("join", "t.work", { needs: Array.from({ length: 12 }, (_, i) => `a${i}`) }),
    ];
    createTestRun(store, "r1", tasks);
    const { result } = await runOnce(store, "r1", p, { parallel: 3 });
    expect(result.failed).toEqual([]);
    expect(p.maxActive).toBe(3);
    expect(store.getTask("r1", "join")?.status).toBe("succeeded");
    expect(store.getTask("r1", "a0")?.outputs).toEqual({ value: "a0" });
  });

  it("queues tasks behind a per-service concurrency limit instead of failing them", async () => {
    const { store } = tempStore();
    const p = probe();
    createTestRun(
      store,
      "r1",
      Array.from({ length: 6 }, (_, i) => spec(`c${i}`, "t.work", { with: { key: "lane:acct", ms: 10 } })),
    );
    const { result } = await runOnce(store, "r1", p, { parallel: 6 });
    expect(result.failed).toEqual([]);
    expect(p.maxActive).toBe(2);
  });

  it("keeps independent branches going when one task fails, and blocks only its dependents", async () => {
    const { store } = tempStore();
    const p = probe();
    p.failing.add("bad");
    createTestRun(store, "r1", [
      spec("bad", "t.work"),
      spec("after-bad", "t.work", { needs: ["bad"] }),
      spec("other", "t.work"),
      spec("after-other", "t.work", { needs: ["other"] }),
    ]);
    const { result } = await runOnce(store, "r1", p);
    expect(result.failed).toEqual(["bad"]);
    expect(result.blocked).toEqual(["after-bad"]);
    expect(store.getTask("r1", "after-other")?.status).toBe("succeeded");
    expect(store.getTask("r1", "after-bad")?.status).toBe("pending");
    expect(store.getTask("r1", "bad")?.error?.message).toContain("planted failure");
  });

  it("after a fix, a retried run redoes only what did not finish", async () => {
    const { store } = tempStore();
    const p = probe();
    p.failing.add("b");
    createTestRun(store, "r1", [
      spec("a", "t.work"),
      spec("b", "t.work", { needs: ["a"] }),
      spec("c", "t.work", { needs: ["b"] }),
    ]);
    await runOnce(store, "r1", p);
    p.failing.clear();
    store.retryFailed("r1");
    const { result } = await runOnce(store, "r1", p);
    expect(result.failed).toEqual([]);
    expect(Object.fromEntries(p.calls)).toEqual({ a: 1, b: 2, c: 1 });
  });

  it("gives the worker slot back during a long wait", async () => {
    const { store } = tempStore();
    const p = probe();
    createTestRun(store, "r1", [spec("w1", "t.wait"), spec("w2", "t.wait"), spec("x", "t.work")]);
    const running = runOnce(store, "r1", p, { parallel: 1 });
    // With one worker, x can only run while both waits sit in their wait without a slot.
    await vi_waitFor(() => store.getTask("r1", "x")?.status === "succeeded");
    expect(store.getTask("r1", "w1")?.status).toBe("waiting");
    expect(store.getTask("r1", "w2")?.status).toBe("waiting");
    p.released = true;
    const { result } = await running;
    expect(result.failed).toEqual([]);
  });

  it("parks a manual step until it is approved, then continues", async () => {
    const { store } = tempStore();
    const p = probe();
    createTestRun(store, "r1", [
      spec("freeze", "t.manual"),
      spec("after", "t.work", { needs: ["freeze"] }),
      spec("free", "t.work"),
    ]);
    const first = await runOnce(store, "r1", p);
    expect(first.result.awaitingApproval).toEqual(["freeze"]);
    expect(first.events.some((e) => e.type === "task-awaiting-approval")).toBe(true);
    expect(store.getTask("r1", "free")?.status).toBe("succeeded");
    expect(store.getTask("r1", "after")?.status).toBe("pending");
    store.approveTask("r1", "freeze", "alice@laptop");
    const second = await runOnce(store, "r1", p);
    expect(second.result.awaitingApproval).toEqual([]);
    expect(store.getTask("r1", "after")?.status).toBe("succeeded");
    expect(store.getTask("r1", "freeze")?.approvedBy).toBe("alice@laptop");
  });

  it("auto-approves only when the operator says so, and records it", async () => {
    const { store } = tempStore();
    const p = probe();
    createTestRun(store, "r1", [spec("freeze", "t.manual")]);
    await runOnce(store, "r1", p, { operator: quietOperator({ autoApprove: true, name: "demo" }) });
    expect(store.getTask("r1", "freeze")?.status).toBe("succeeded");
    expect(store.getTask("r1", "freeze")?.approvedBy).toBe("demo (auto-approved)");
  });

  it("does not start a destructive task without confirmation, and runs it once confirmed", async () => {
    const { store } = tempStore();
    const p = probe();
    createTestRun(store, "r1", [spec("safe", "t.work"), spec("delete", "t.destroy", { needs: ["safe"] })]);
    const first = await runOnce(store, "r1", p);
    expect(first.result.needsConfirmation).toEqual(["delete"]);
    expect(p.calls.get("delete")).toBeUndefined();
    expect(store.getTask("r1", "delete")?.status).toBe("pending");
    const second = await runOnce(store, "r1", p, { confirmed: (id) => (id === "delete" ? "--yes" : undefined) });
    expect(second.result.needsConfirmation).toEqual([]);
    expect(p.calls.get("delete")).toBe(1);
    const confirmations = store.listJournal("r1", { kinds: ["confirmation"] });
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]).toMatchObject({
      taskId: "delete",
      actor: "tester@host",
      action: "confirmed",
      detail: { via: "--yes" },
    });
  });

  it("skips a task whose condition is false", async () => {
    const { store } = tempStore();
    const p = probe();
    createTestRun(store, "r1", [
      spec("a", "t.work"),
      spec("b", "t.work", { needs: ["a"], if: "${{ steps.a.outputs.value == 'nope' }}" }),
    ]);
    await runOnce(store, "r1", p);
    expect(store.getTask("r1", "b")?.status).toBe("skipped");
  });

  it("runs a step only once its start is committed, and a dependent only once its need's success is", async () => {
    const { store, path } = tempStore();
    const other = openStore(path); // a second connection sees only what is committed
    const p = probe();
    const seen: Record<string, unknown> = {};
    p.onRun = (ctx) => {
      const needs = ctx.taskId === "join" ? ["a0", "a1", "a2"] : ctx.taskId === "b" ? ["a0"] : [];
      seen[ctx.taskId] = [other.getTask("r1", ctx.taskId)?.status, ...needs.map((n) => other.getTask("r1", n)?.status)];
    };
    createTestRun(store, "r1", [
      spec("a0", "t.work", { with: { ms: 0 } }),
      spec("a1", "t.work", { with: { ms: 0 } }),
      spec("a2", "t.work", { with: { ms: 0 } }),
      spec("b", "t.work", { needs: ["a0"], with: { ms: 0 } }),
      spec("join", "t.work", { needs: ["a0", "a1", "a2"], with: { ms: 0 } }),
    ]);
    const { result } = await runOnce(store, "r1", p, { parallel: 8 });
    other.close();
    expect(result.failed).toEqual([]);
    expect(seen).toEqual({
      a0: ["running"],
      a1: ["running"],
      a2: ["running"],
      b: ["running", "succeeded"],
      join: ["running", "succeeded", "succeeded", "succeeded"],
    });
  });

  it("commits the starts of one scheduling pass together", async () => {
    const { store } = tempStore();
    const p = probe();
    createTestRun(
      store,
      "r1",
      Array.from({ length: 8 }, (_, i) => spec(`t${i}`, "t.work")),
    );
    const batches: string[][] = [];
    let current: string[] | undefined;
    const batch = store.batch;
    store.batch = (fn) => {
      current = [];
      batches.push(current);
      try {
        return batch(fn);
      } finally {
        current = undefined;
      }
    };
    const startTask = store.startTask;
    store.startTask = (runId, taskId) => {
      current?.push(taskId);
      return startTask(runId, taskId);
    };
    const { result } = await runOnce(store, "r1", p, { parallel: 4 });
    expect(result.failed).toEqual([]);
    expect(batches[0]).toEqual(["t0", "t1", "t2", "t3"]);
    expect(batches.flat().sort()).toEqual(Array.from({ length: 8 }, (_, i) => `t${i}`).sort());
  });

  it("with --step, a result is committed while the next task waits for the person", async () => {
    const { store, path } = tempStore();
    const other = openStore(path);
    const p = probe();
    createTestRun(store, "r1", [spec("a", "t.work", { with: { ms: 0 } }), spec("b", "t.work", { with: { ms: 0 } })]);
    const operator = quietOperator({
      stepGate: async (taskId) => {
        if (taskId === "b") await vi_waitFor(() => other.getTask("r1", "a")?.status === "succeeded");
        return "run";
      },
    });
    const { result } = await runOnce(store, "r1", p, { parallel: 2, operator, stepMode: true });
    other.close();
    expect(result.failed).toEqual([]);
    expect(store.getTask("r1", "b")?.status).toBe("succeeded");
  });

  it("a lock lost mid-run refuses the turn's commit: the run stops and nothing more is recorded", async () => {
    const { store } = tempStore();
    const p = probe();
    createTestRun(store, "r1", [spec("a", "t.work", { with: { ms: 0 } }), spec("b", "t.work", { needs: ["a"] })]);
    const me = { pid: 1, host: "h", staleAfterMs: 60_000 };
    const held = store.acquireLock("r1", { ...me, token: "mine", now: 1_000 });
    if (!held.ok) throw new Error("not acquired");
    const journal = () => store.listJournal("r1").length;
    let before = 0;
    p.onRun = () => {
      // Another process takes over while the step runs: its success must not be written by this one.
      store.acquireLock("r1", { ...me, pid: 2, token: "theirs", now: 1_000_000 });
      before = journal();
    };
    const { result, stopped } = await runOnce(store.fenced("r1", "mine", held.generation), "r1", p);
    expect(stopped).toEqual([expect.objectContaining({ code: "LOCK_LOST" })]);
    expect(result.failed).toEqual([]);
    expect(store.getTask("r1", "a")?.status).toBe("running");
    expect(store.getTask("r1", "b")?.status).toBe("pending");
    expect(p.calls.get("b")).toBeUndefined();
    expect(journal()).toBe(before);
  });

  it("blocks every pending task downstream of a failure, reported in run order", async () => {
    const { store } = tempStore();
    const p = probe();
    p.failing.add("bad");
    createTestRun(store, "r1", [
      spec("bad", "t.work"),
      spec("x", "t.work", { needs: ["bad"] }),
      spec("ok", "t.work"),
      spec("y", "t.work", { needs: ["x", "ok"] }),
      spec("z", "t.work", { needs: ["y"] }),
    ]);
    const { result } = await runOnce(store, "r1", p);
    expect(result.failed).toEqual(["bad"]);
    expect(result.blocked).toEqual(["x", "y", "z"]);
    expect(store.getTask("r1", "ok")?.status).toBe("succeeded");
  });

  it("stops starting tasks when interrupted and leaves in-flight ones for resume", async () => {
    const { store } = tempStore();
    const p = probe();
    createTestRun(store, "r1", [spec("w", "t.wait"), spec("later", "t.work", { needs: ["w"] })]);
    const abort = new AbortController();
    const running = runOnce(store, "r1", p, { signal: abort.signal });
    await vi_waitFor(() => store.getTask("r1", "w")?.status === "waiting");
    const deadline = store.getTask("r1", "w")?.deadlineAt;
    abort.abort();
    const { result } = await running;
    expect(result.interrupted).toBe(true);
    expect(store.getTask("r1", "w")?.status).toBe("waiting");
    // Resume: the wait re-attaches with the deadline of the first attempt.
    expect(store.recoverInFlight("r1")).toEqual(["w"]);
    p.released = false;
    const again = runOnce(store, "r1", p);
    await vi_waitFor(() => store.getTask("r1", "w")?.status === "waiting");
    expect(store.getTask("r1", "w")?.deadlineAt).toBe(deadline);
    p.released = true;
    const done = await again;
    expect(done.result.failed).toEqual([]);
    expect(store.getTask("r1", "later")?.status).toBe("succeeded");
  });
});

async function vi_waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}
