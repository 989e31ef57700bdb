import { describe, expect, it } from "vitest";
import { newRun, newTasks, tempStore } from "./helpers.js";

const RUN = "run-1";

function clockedStore() {
  const clock = { t: 1_000 };
  const store = tempStore(undefined, { now: () => clock.t });
  store.createRun(newRun(RUN));
  return { store, clock };
}

describe("waits and resume", () => {
  it("a resumed wait keeps the deadline of its first entry, and its progress", () => {
    const { store, clock } = clockedStore();
    store.startTask(RUN, "t0");
    expect(store.enterWait(RUN, "t0", { what: "snapshot available", deadlineAt: 60_000 })).toBe(60_000);
    store.saveProgress(RUN, "t0", { snapshotId: "snap-1" });

    clock.t = 30_000; // the process dies here; a new one resumes
    expect(store.recoverInFlight(RUN)).toEqual(["t0"]);
    expect(store.getTask(RUN, "t0")).toMatchObject({
      status: "pending",
      deadlineAt: 60_000,
      progress: { snapshotId: "snap-1" },
    });
    const resumed = store.startTask(RUN, "t0");
    expect(resumed.progress).toEqual({ snapshotId: "snap-1" });
    expect(store.enterWait(RUN, "t0", { what: "snapshot available", deadlineAt: 90_000 })).toBe(60_000);
    expect(store.listAttempts(RUN, "t0").map((a) => [a.attempt, a.outcome, a.finishedAt])).toEqual([
      [1, "interrupted", 30_000],
      [2, undefined, undefined],
    ]);
  });

  it("a finished wait clears its deadline, so the next wait of the task gets its own", () => {
    const { store } = clockedStore();
    store.startTask(RUN, "t0");
    store.enterWait(RUN, "t0", { what: "first", deadlineAt: 5_000 });
    store.leaveWait(RUN, "t0");
    expect(store.getTask(RUN, "t0")).toMatchObject({ status: "running", deadlineAt: undefined, waitWhat: undefined });
    expect(store.enterWait(RUN, "t0", { what: "second", deadlineAt: 9_000 })).toBe(9_000);
  });

  it("retrying a failed task clears its deadline (a timed-out wait gets a fresh one) but keeps progress", () => {
    const { store } = clockedStore();
    store.startTask(RUN, "t0");
    store.saveProgress(RUN, "t0", { step: 2 });
    store.enterWait(RUN, "t0", { what: "copy", deadlineAt: 5_000 });
    // a wait that times out leaves the wait (failing happens from running), then fails
    store.leaveWait(RUN, "t0");
    store.failTask(RUN, "t0", { code: "WAIT_TIMEOUT", message: "gave up" });
    expect(store.retryFailed(RUN)).toEqual(["t0"]);
    expect(store.getTask(RUN, "t0")).toMatchObject({ status: "pending", deadlineAt: undefined, progress: { step: 2 } });
    store.startTask(RUN, "t0");
    expect(store.enterWait(RUN, "t0", { what: "copy", deadlineAt: 8_000 })).toBe(8_000);
  });

  it("recoverInFlight moves only running and waiting tasks, in seq order", () => {
    const { store } = clockedStore();
    store.createRun(newRun("run-2", newTasks(6)));
    const r = "run-2";
    store.startTask(r, "t0"); // running
    store.startTask(r, "t1");
    store.enterWait(r, "t1", { what: "x", deadlineAt: 1 }); // waiting
    store.startTask(r, "t2");
    store.succeedTask(r, "t2", {}); // succeeded
    store.startTask(r, "t3");
    store.requestApproval(r, "t3"); // awaiting_approval
    store.startTask(r, "t4");
    store.failTask(r, "t4", { code: "E", message: "m" }); // failed
    expect(store.recoverInFlight(r)).toEqual(["t0", "t1"]);
    expect(store.listTasks(r).map((t) => t.status)).toEqual([
      "pending",
      "pending",
      "succeeded",
      "awaiting_approval",
      "failed",
      "pending",
    ]);
    expect(
      store
        .listAttempts(r)
        .filter((a) => a.outcome === "interrupted")
        .map((a) => a.taskId),
    ).toEqual(["t0", "t1"]);
    expect(
      store
        .listJournal(r, { kinds: ["task"] })
        .filter((j) => j.action === "recover")
        .map((j) => j.detail),
    ).toEqual([
      { from: "running", to: "pending" },
      { from: "waiting", to: "pending" },
    ]);
    expect(store.retryFailed(r)).toEqual(["t4"]);
    expect(store.recoverInFlight(r)).toEqual([]);
    expect(store.recoverInFlight(RUN)).toEqual([]); // other runs untouched
  });
});

describe("approvals", () => {
  it("a step that asks waits for approval; approved, the task runs again and passes", () => {
    const { store } = clockedStore();
    store.startTask(RUN, "t0");
    expect(store.requestApproval(RUN, "t0")).toBe("awaiting_approval");
    expect(store.listAttempts(RUN, "t0")[0]?.outcome).toBe("awaiting_approval");
    const approved = store.approveTask(RUN, "t0", "bob@desk");
    expect(approved).toMatchObject({ status: "pending", approvedBy: "bob@desk", approvedAt: 1_000 });
    expect(store.startTask(RUN, "t0").attempts).toBe(2);
    expect(store.requestApproval(RUN, "t0")).toBe("approved");
    expect(store.getTask(RUN, "t0")?.status).toBe("running");
    expect(store.listJournal(RUN, { kinds: ["approval"] }).map((j) => [j.action, j.actor])).toEqual([
      ["approve", "bob@desk"],
      ["requestApproval", "alice@laptop"],
    ]);
  });

  it("an approval given before the step asks lets it pass at once", () => {
    const { store } = clockedStore();
    expect(store.approveTask(RUN, "t1", "bob@desk")).toMatchObject({ status: "pending", approvedBy: "bob@desk" });
    store.startTask(RUN, "t1");
    expect(store.requestApproval(RUN, "t1")).toBe("approved");
    store.succeedTask(RUN, "t1", {});
    expect(store.getTask(RUN, "t1")?.status).toBe("succeeded");
  });

  it("a rejection fails the task; a retry asks again", () => {
    const { store } = clockedStore();
    store.startTask(RUN, "t0");
    store.requestApproval(RUN, "t0");
    store.rejectTask(RUN, "t0", "bob@desk", "wrong bucket");
    expect(store.getTask(RUN, "t0")).toMatchObject({
      status: "failed",
      error: { code: "APPROVAL_REJECTED", message: "Rejected by bob@desk: wrong bucket" },
    });
    store.retryFailed(RUN);
    store.startTask(RUN, "t0");
    expect(store.requestApproval(RUN, "t0")).toBe("awaiting_approval");
  });
});

describe("edits on resume", () => {
  it("adds tasks and redefines tasks that never started", () => {
    const { store } = clockedStore();
    store.addTasks(
      RUN,
      newTasks(2, "new").map((t) => ({ ...t, seq: t.seq + 1 })),
    );
    expect(store.listTasks(RUN).map((t) => t.taskId)).toEqual(["t0", "new0", "t1", "new1", "t2"]);
    expect(() => store.addTasks(RUN, newTasks(1))).toThrow(expect.objectContaining({ code: "STATE_CONFLICT" }));

    store.approveTask(RUN, "t1", "bob");
    store.updatePendingTaskDefinition(RUN, "t1", { defHash: "h2", defJson: { changed: true }, seq: 10 });
    // a changed definition needs a fresh approval
    expect(store.getTask(RUN, "t1")).toMatchObject({
      defHash: "h2",
      defJson: { changed: true },
      seq: 10,
      approvedBy: undefined,
    });
    expect(store.listTasks(RUN).at(-1)?.taskId).toBe("t1");
  });

  it("refuses to redefine a task that has started, even if it is pending again", () => {
    const { store } = clockedStore();
    store.startTask(RUN, "t0");
    store.recoverInFlight(RUN);
    const def = { defHash: "h2", defJson: {}, seq: 0 };
    expect(() => store.updatePendingTaskDefinition(RUN, "t0", def)).toThrow(
      expect.objectContaining({ code: "STATE_CONFLICT", message: expect.stringContaining("started 1 time") }),
    );
    store.startTask(RUN, "t0");
    expect(() => store.updatePendingTaskDefinition(RUN, "t0", def)).toThrow(
      expect.objectContaining({ code: "STATE_CONFLICT", message: expect.stringContaining("it is running") }),
    );
  });
});
