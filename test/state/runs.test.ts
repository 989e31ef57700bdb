import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newRun, newTasks, tempDir, tempStore } from "./helpers.js";

describe("runs", () => {
  it("createRun stores the run and its tasks, pending, and reads them back parsed", () => {
    const store = tempStore(undefined, { now: () => 7_000 });
    const created = store.createRun(newRun("run-1"));
    expect(created).toEqual({
      id: "run-1",
      runbookName: "move-data",
      runbookPath: "/runbooks/move.yaml",
      runbookHash: "abc123",
      runbookText: "version: 1\nname: move-data\n",
      params: { env: "prod" },
      state: "running",
      operator: "alice@laptop",
      identities: { source: "arn:aws:sts::111111111111:assumed-role/x/alice" },
      options: { parallel: 4 },
      createdAt: 7_000,
      updatedAt: 7_000,
      finishedAt: undefined,
      lock: undefined,
    });
    expect(store.getRun("run-1")).toEqual(created);
    expect(store.getTask("run-1", "t1")).toEqual({
      runId: "run-1",
      taskId: "t1",
      seq: 1,
      stepId: "t",
      topStepId: "t",
      itemKey: "item-1",
      type: "s3.copy",
      accountAlias: "source",
      defHash: "hash-1",
      defJson: { id: "t1", with: { bucket: "b", n: 1 } },
      status: "pending",
      attempts: 0,
      createdAt: 7_000,
      startedAt: undefined,
      finishedAt: undefined,
      deadlineAt: undefined,
      waitWhat: undefined,
      progress: undefined,
      outputs: undefined,
      error: undefined,
      skipReason: undefined,
      approvedBy: undefined,
      approvedAt: undefined,
      updatedAt: 7_000,
    });
    expect(store.getRun("nope")).toBeUndefined();
    expect(store.getTask("run-1", "nope")).toBeUndefined();
    expect(() => store.createRun(newRun("run-1"))).toThrow(expect.objectContaining({ code: "STATE_CONFLICT" }));
  });

  it("a failed createRun leaves nothing behind", () => {
    const store = tempStore();
    const tasks = newTasks(3);
    tasks.push({ ...tasks[0]! });
    expect(() => store.createRun(newRun("run-1", tasks))).toThrow(expect.objectContaining({ code: "STATE_CONFLICT" }));
    expect(store.getRun("run-1")).toBeUndefined();
    expect(store.listTasks("run-1")).toEqual([]);
  });

  it("latestRun, listRuns with counts, state and identities", () => {
    let now = 1_000;
    const store = tempStore(undefined, { now: () => now });
    expect(store.latestRun()).toBeUndefined();
    store.createRun(newRun("run-a"));
    now = 2_000;
    store.createRun(newRun("run-b", newTasks(4)));
    store.startTask("run-b", "t0");
    store.succeedTask("run-b", "t0", {});
    store.skipTask("run-b", "t1", "no");
    expect(store.latestRun()?.id).toBe("run-b");

    const runs = store.listRuns();
    expect(runs.map((r) => r.id)).toEqual(["run-b", "run-a"]);
    expect(runs[0]).not.toHaveProperty("runbookText");
    expect(runs[0]?.counts).toEqual({
      total: 4,
      pending: 2,
      running: 0,
      waiting: 0,
      awaiting_approval: 0,
      succeeded: 1,
      failed: 0,
      skipped: 1,
    });
    expect(runs[1]?.counts).toMatchObject({ total: 3, pending: 3 });
    expect(store.listRuns({ limit: 1 }).map((r) => r.id)).toEqual(["run-b"]);
    expect(store.taskCounts("run-b")).toEqual(runs[0]?.counts);

    now = 3_000;
    store.setRunState("run-b", "succeeded", { finished: true });
    expect(store.getRun("run-b")).toMatchObject({ state: "succeeded", finishedAt: 3_000, updatedAt: 3_000 });
    store.setRunState("run-b", "running");
    expect(store.getRun("run-b")).toMatchObject({ state: "running", finishedAt: undefined });
    expect(store.listJournal("run-b", { kinds: ["run"] }).map((j) => j.detail)).toEqual([
      { tasks: 4, runbookHash: "abc123" },
      { from: "running", to: "succeeded" },
      { from: "succeeded", to: "running" },
    ]);
    store.updateRunIdentities("run-b", { source: "arn:aws:sts::111111111111:assumed-role/y/bob" });
    expect(store.getRun("run-b")?.identities).toEqual({ source: "arn:aws:sts::111111111111:assumed-role/y/bob" });
    expect(() => store.setRunState("nope", "failed")).toThrow(expect.objectContaining({ code: "STATE_NOT_FOUND" }));
  });

  it("a second connection on the same file (a new process) sees every committed write", () => {
    const first = tempStore();
    first.createRun(newRun("run-1"));
    first.startTask("run-1", "t0");
    first.saveProgress("run-1", "t0", { copied: 10 });
    const call = first.journalAppend({
      runId: "run-1",
      taskId: "t0",
      kind: "aws-call",
      action: "s3:PutObject",
      outcome: "pending",
    });
    // `first` is never closed: as if its process had been killed
    const second = tempStore(first.path);
    expect(second.getTask("run-1", "t0")).toMatchObject({ status: "running", progress: { copied: 10 }, attempts: 1 });
    expect(second.pendingAwsCalls("run-1").map((j) => j.id)).toEqual([call]);
    expect(second.recoverInFlight("run-1")).toEqual(["t0"]);
    expect(first.getTask("run-1", "t0")?.status).toBe("pending");
    // the stale process's next transition is refused
    expect(() => first.succeedTask("run-1", "t0", {})).toThrow(expect.objectContaining({ code: "STATE_CONFLICT" }));
  });

  it("one live run per migration, decided inside the transaction that records the run", () => {
    const path = join(tempDir(), "runs.db");
    const a = tempStore(path);
    const b = tempStore(path); // a second process on the same file
    const ids = { accountIds: ["111111111111"] };
    a.createRun({ ...newRun("run-a"), exclusive: ids });
    // The second `run` passed its own early check before the first was recorded: refused here, atomically.
    expect(() => b.createRun({ ...newRun("run-b"), exclusive: ids })).toThrow(
      expect.objectContaining({
        code: "RUN_UNFINISHED",
        resource: "run-a",
        hint: expect.stringContaining("resume run-a"),
      }),
    );
    expect(b.getRun("run-b")).toBeUndefined();
    // Other accounts, or another runbook name: another migration.
    b.createRun({
      ...newRun("run-c"),
      identities: { source: "arn:aws:iam::333333333333:user/x" },
      exclusive: { accountIds: ["333333333333"] },
    });
    b.createRun({ ...newRun("run-d"), runbookName: "other", exclusive: ids });
    // A finished run does not count; an abandoned one neither.
    a.setRunState("run-a", "succeeded", { finished: true });
    b.createRun({ ...newRun("run-e"), exclusive: ids });
    expect(a.unfinishedRuns("move-data", ids.accountIds).map((r) => r.id)).toEqual(["run-e"]);
    a.createRun({ ...newRun("run-f"), exclusive: ids, abandons: "run-e" });
    expect(a.getRun("run-e")?.abandoned).toMatchObject({ by: "alice@laptop" });
    expect(a.unfinishedRuns("move-data", ids.accountIds).map((r) => r.id)).toEqual(["run-f"]);
    // A run being driven cannot be abandoned under its driver.
    a.acquireLock("run-f", { pid: process.pid, host: "h", token: "t", now: Date.now(), staleAfterMs: 60_000 });
    expect(() => a.createRun({ ...newRun("run-g"), exclusive: ids, abandons: "run-f" })).toThrow(
      expect.objectContaining({ code: "LOCK_HELD" }),
    );
    expect(a.getRun("run-f")?.abandoned).toBeUndefined();
  });
});
