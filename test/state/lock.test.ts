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
    expect(store.acquireLock(RUN, { ...me, now: 1_000 })).toEqual({ ok: true });
    expect(store.getRun(RUN)?.lock).toEqual({ pid: process.pid, host: HOST, heartbeatAt: 1_000 });
    expect(store.acquireLock(RUN, { ...me, now: 2_000 })).toEqual({ ok: true });
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
    expect(store.acquireLock(RUN, { ...me, token: "tok-c", now: 2_000 })).toEqual({ ok: true });
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

  it("a lock on a missing run is STATE_NOT_FOUND", () => {
    const store = setup();
    expect(() => store.acquireLock("nope", { ...me, now: 1 })).toThrow(
      expect.objectContaining({ code: "STATE_NOT_FOUND" }),
    );
  });
});
