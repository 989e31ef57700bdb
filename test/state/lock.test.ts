import { describe, expect, it } from "vitest";
import { isPidAlive } from "../../src/state/index.js";
import { newRun, tempStore } from "./helpers.js";

const RUN = "run-1";
const HOST = "host-a";
// No process has this pid: Linux caps pids at 2^22.
const DEAD_PID = 2 ** 30;
const me = { pid: process.pid, host: HOST, token: "tok-a", staleAfterMs: 60_000 };

function setup() {
  const store = tempStore();
  store.createRun(newRun(RUN));
  return store;
}

describe("run lock", () => {
  it("isPidAlive asks the OS", () => {
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(DEAD_PID)).toBe(false);
  });

  it("is free, then held by its owner; re-acquiring with the same token refreshes it", () => {
    const store = setup();
    expect(store.acquireLock(RUN, { ...me, now: 1_000 })).toEqual({ ok: true, generation: 1 });
    expect(store.getRun(RUN)?.lock).toEqual({ pid: process.pid, host: HOST, heartbeatAt: 1_000 });
    // The same holder again: the same generation.
    expect(store.acquireLock(RUN, { ...me, now: 2_000 })).toEqual({ ok: true, generation: 1 });
    const other = { pid: process.pid, host: "host-b", token: "tok-b", staleAfterMs: 60_000, now: 3_000 };
    expect(store.acquireLock(RUN, other)).toEqual({
      ok: false,
      holder: { pid: process.pid, host: HOST, heartbeatAt: 2_000 },
    });
    // same host, live pid: still held
    expect(store.acquireLock(RUN, { ...other, host: HOST })).toMatchObject({ ok: false });
  });

  it("a stale holder is taken over, and the old holder learns it on its next heartbeat", () => {
    const store = setup();
    store.acquireLock(RUN, { ...me, now: 1_000 });
    expect(store.heartbeat(RUN, "tok-a", 30_000)).toBe(true);
    const other = { pid: 4242, host: "host-b", token: "tok-b", staleAfterMs: 60_000 };
    expect(store.acquireLock(RUN, { ...other, now: 90_000 })).toMatchObject({ ok: false });
    expect(store.acquireLock(RUN, { ...other, now: 90_001 })).toEqual({
      ok: true,
      generation: 2,
      tookOverFrom: { pid: process.pid, host: HOST, heartbeatAt: 30_000, reason: "stale" },
    });
    expect(store.heartbeat(RUN, "tok-a", 90_002)).toBe(false);
    expect(store.releaseLock(RUN, "tok-a")).toBe(false);
    expect(store.getRun(RUN)?.lock).toEqual({ pid: 4242, host: "host-b", heartbeatAt: 90_001 });
    expect(store.listJournal(RUN, { kinds: ["lock"] }).map((j) => [j.action, j.detail?.from ?? null])).toEqual([
      ["acquire", null],
      ["takeover", { pid: process.pid, host: HOST, heartbeatAt: 30_000, reason: "stale" }],
    ]);
  });

  it("a holder on this host whose pid is dead is taken over at once", () => {
    const store = setup();
    store.acquireLock(RUN, { pid: DEAD_PID, host: HOST, token: "tok-dead", staleAfterMs: 60_000, now: 1_000 });
    expect(store.acquireLock(RUN, { ...me, now: 1_001 })).toEqual({
      ok: true,
      generation: 2,
      tookOverFrom: { pid: DEAD_PID, host: HOST, heartbeatAt: 1_000, reason: "dead-pid" },
    });
  });

  it("a dead-looking pid on another host is not ours to judge", () => {
    const store = setup();
    store.acquireLock(RUN, { pid: DEAD_PID, host: "host-b", token: "tok-b", staleAfterMs: 60_000, now: 1_000 });
    expect(store.acquireLock(RUN, { ...me, now: 1_001 })).toMatchObject({ ok: false });
  });

  it("release frees it for the next process; forceUnlock clears any holder", () => {
    const store = setup();
    store.acquireLock(RUN, { ...me, now: 1_000 });
    expect(store.releaseLock(RUN, "tok-a")).toBe(true);
    expect(store.getRun(RUN)?.lock).toBeUndefined();
    expect(store.acquireLock(RUN, { ...me, token: "tok-c", now: 2_000 })).toEqual({ ok: true, generation: 2 });
    expect(store.forceUnlock(RUN)).toEqual({ pid: process.pid, host: HOST, heartbeatAt: 2_000 });
    expect(store.forceUnlock(RUN)).toBeUndefined();
    expect(store.heartbeat(RUN, "tok-c", 3_000)).toBe(false);
    expect(store.listJournal(RUN, { kinds: ["lock"] }).map((j) => j.action)).toEqual([
      "acquire",
      "release",
      "acquire",
      "force-unlock",
    ]);
  });

  it("fences every write of a holder that lost the lock: it changes nothing and learns LOCK_LOST", () => {
    const store = setup();
    const a = store.acquireLock(RUN, { ...me, now: 1_000 });
    if (!a.ok) throw new Error("not acquired");
    const asA = store.fenced(RUN, "tok-a", a.generation);
    const task = store.listTasks(RUN)[0]!.taskId;
    asA.startTask(RUN, task);
    // A frozen holder: another process takes over after the heartbeat went stale.
    const b = store.acquireLock(RUN, { pid: 4242, host: "host-b", token: "tok-b", staleAfterMs: 60_000, now: 90_000 });
    expect(b).toMatchObject({ ok: true, generation: 2 });
    const journal = store.listJournal(RUN).length;
    for (const write of [
      () => asA.enterWait(RUN, task, { what: "snapshot available", deadlineAt: 99_000 }),
      () => asA.failTask(RUN, task, { code: "X", message: "x" }),
      () => asA.setRunState(RUN, "interrupted"),
      () =>
        asA.journalAppend({
          runId: RUN,
          taskId: task,
          kind: "aws-call",
          action: "rds:CopyDBSnapshot",
          outcome: "pending",
        }),
      () => asA.recoverInFlight(RUN),
    ]) {
      expect(write).toThrow(
        expect.objectContaining({ code: "LOCK_LOST", message: expect.stringContaining("pid 4242 on host-b") }),
      );
    }
    expect(store.getTask(RUN, task)?.status).toBe("running");
    expect(store.getRun(RUN)?.state).toBe("running");
    expect(store.listJournal(RUN)).toHaveLength(journal);
    // The new holder writes freely; so did the old one before it lost the lock.
    const asB = store.fenced(RUN, "tok-b", 2);
    asB.recoverInFlight(RUN);
    expect(store.getTask(RUN, task)?.status).toBe("pending");
    // A token is not enough: a generation from before a takeover is refused too.
    expect(() => store.fenced(RUN, "tok-b", 1).setRunState(RUN, "interrupted")).toThrow(
      expect.objectContaining({ code: "LOCK_LOST" }),
    );
    store.forceUnlock(RUN);
    expect(() => asB.setRunState(RUN, "interrupted")).toThrow(
      expect.objectContaining({ code: "LOCK_LOST", message: expect.stringContaining("nobody holds it") }),
    );
  });

  it("a batch commits its writes together; fenced, a lost lock refuses the whole batch and a failed write only itself", () => {
    const store = setup();
    const a = store.acquireLock(RUN, { ...me, now: 1_000 });
    if (!a.ok) throw new Error("not acquired");
    const asA = store.fenced(RUN, "tok-a", a.generation);
    const [t0, t1, t2] = store.listTasks(RUN).map((t) => t.taskId);
    const outcomes = asA.batch((s) =>
      [t0!, t1!, t0!].map((id) => {
        try {
          return s.startTask(RUN, id).attempts;
        } catch (err) {
          return (err as { code?: string }).code;
        }
      }),
    );
    expect(outcomes).toEqual([1, 1, "STATE_CONFLICT"]);
    expect(store.listAttempts(RUN).map((x) => [x.taskId, x.attempt])).toEqual([
      [t0, 1],
      [t1, 1],
    ]);
    store.acquireLock(RUN, { pid: 4242, host: "host-b", token: "tok-b", staleAfterMs: 60_000, now: 90_000 });
    const journal = store.listJournal(RUN).length;
    let ran = false;
    expect(() =>
      asA.batch((s) => {
        ran = true;
        s.startTask(RUN, t2!);
      }),
    ).toThrow(expect.objectContaining({ code: "LOCK_LOST" }));
    expect(ran).toBe(false);
    expect(store.getTask(RUN, t2!)?.status).toBe("pending");
    expect(store.listJournal(RUN)).toHaveLength(journal);
  });

  it("a lock on a missing run is STATE_NOT_FOUND", () => {
    const store = setup();
    expect(() => store.acquireLock("nope", { ...me, now: 1 })).toThrow(
      expect.objectContaining({ code: "STATE_NOT_FOUND" }),
    );
  });
});
