import { describe, expect, it } from "vitest";
import { HikkoshiError } from "../../src/core/errors.js";
import { canTransition, type Store, TASK_STATUSES, TASK_TRANSITIONS, type TaskStatus } from "../../src/state/index.js";
import { newRun, tempStore } from "./helpers.js";

const RUN = "run-1";

/** Drive task `id` into `status` through allowed transitions only. */
function putInto(store: Store, id: string, status: TaskStatus): void {
  if (status === "pending") return;
  if (status === "skipped") return void store.skipTask(RUN, id, "test");
  store.startTask(RUN, id);
  if (status === "waiting") store.enterWait(RUN, id, { what: "x", deadlineAt: 10_000 });
  if (status === "awaiting_approval") store.requestApproval(RUN, id);
  if (status === "succeeded") store.succeedTask(RUN, id, {});
  if (status === "failed") store.failTask(RUN, id, { code: "E", message: "boom" });
}

type Op = (store: Store, id: string) => unknown;
const OPS: Record<string, { op: Op; allowed: TaskStatus[] }> = {
  startTask: { op: (s, id) => s.startTask(RUN, id), allowed: ["pending"] },
  enterWait: { op: (s, id) => s.enterWait(RUN, id, { what: "w", deadlineAt: 1 }), allowed: ["running"] },
  leaveWait: { op: (s, id) => s.leaveWait(RUN, id), allowed: ["waiting"] },
  requestApproval: { op: (s, id) => s.requestApproval(RUN, id), allowed: ["running"] },
  // before the step asks, an approval is recorded on a pending/running/waiting task
  approveTask: {
    op: (s, id) => s.approveTask(RUN, id, "bob"),
    allowed: ["awaiting_approval", "pending", "running", "waiting"],
  },
  rejectTask: { op: (s, id) => s.rejectTask(RUN, id, "bob"), allowed: ["awaiting_approval"] },
  succeedTask: { op: (s, id) => s.succeedTask(RUN, id, {}), allowed: ["running"] },
  failTask: { op: (s, id) => s.failTask(RUN, id, { code: "E", message: "m" }), allowed: ["running"] },
  skipTask: { op: (s, id) => s.skipTask(RUN, id, "r"), allowed: ["pending"] },
  saveProgress: { op: (s, id) => s.saveProgress(RUN, id, { n: 1 }), allowed: ["running", "waiting"] },
};

const EXPECTED_AFTER: Record<string, TaskStatus | "same"> = {
  startTask: "running",
  enterWait: "waiting",
  leaveWait: "running",
  requestApproval: "awaiting_approval",
  approveTask: "pending", // from awaiting_approval; "same" otherwise (checked below)
  rejectTask: "failed",
  succeedTask: "succeeded",
  failTask: "failed",
  skipTask: "skipped",
  saveProgress: "same",
};

function setup(): Store {
  const store = tempStore();
  store.createRun(newRun(RUN));
  return store;
}

describe("task transitions", () => {
  it("the table is the one the engine documents", () => {
    expect(TASK_TRANSITIONS).toEqual({
      start: { from: ["pending"], to: "running" },
      enterWait: { from: ["running"], to: "waiting" },
      leaveWait: { from: ["waiting"], to: "running" },
      requestApproval: { from: ["running"], to: "awaiting_approval" },
      approve: { from: ["awaiting_approval"], to: "pending" },
      reject: { from: ["awaiting_approval"], to: "failed" },
      succeed: { from: ["running"], to: "succeeded" },
      fail: { from: ["running"], to: "failed" },
      skip: { from: ["pending"], to: "skipped" },
      retry: { from: ["failed"], to: "pending" },
      recover: { from: ["running", "waiting"], to: "pending" },
    });
    expect(canTransition("waiting", "pending")).toBe(true);
    expect(canTransition("succeeded", "pending")).toBe(false);
  });

  const cases = Object.entries(OPS).flatMap(([name, { allowed }]) =>
    TASK_STATUSES.map((from) => ({ name, from, ok: allowed.includes(from) })),
  );

  it.each(cases.filter((c) => c.ok))("$name from $from is allowed", ({ name, from }) => {
    const store = setup();
    putInto(store, "t0", from);
    const journalBefore = store.listJournal(RUN, { kinds: ["task"] }).length;
    OPS[name]!.op(store, "t0");
    const expected =
      EXPECTED_AFTER[name] === "same" || (name === "approveTask" && from !== "awaiting_approval")
        ? from
        : EXPECTED_AFTER[name];
    expect(store.getTask(RUN, "t0")?.status).toBe(expected);
    const journal = store.listJournal(RUN, { kinds: ["task"] });
    if (expected !== from) {
      expect(journal).toHaveLength(journalBefore + 1);
      const actor = name === "approveTask" || name === "rejectTask" ? "bob" : "alice@laptop";
      expect(journal.at(-1)).toMatchObject({ taskId: "t0", kind: "task", actor, outcome: "ok" });
    }
  });

  it.each(cases.filter((c) => !c.ok))("$name from $from is a STATE_CONFLICT", ({ name, from }) => {
    const store = setup();
    putInto(store, "t0", from);
    const before = store.getTask(RUN, "t0");
    const journalBefore = store.listJournal(RUN).length;
    let error: unknown;
    try {
      OPS[name]!.op(store, "t0");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HikkoshiError);
    expect((error as HikkoshiError).code).toBe("STATE_CONFLICT");
    expect((error as HikkoshiError).message).toContain("t0");
    expect((error as HikkoshiError).message).toContain(`it is ${from}`);
    expect((error as HikkoshiError).message).toContain(OPS[name]!.allowed[0]);
    expect(store.getTask(RUN, "t0")).toEqual(before);
    expect(store.listJournal(RUN)).toHaveLength(journalBefore);
  });

  it("a missing task is STATE_NOT_FOUND", () => {
    const store = setup();
    expect(() => store.startTask(RUN, "nope")).toThrow(expect.objectContaining({ code: "STATE_NOT_FOUND" }));
  });

  it("start counts attempts and records each; succeed closes the attempt and stores outputs", () => {
    let now = 1_000;
    const store = tempStore(undefined, { now: () => now });
    store.createRun(newRun(RUN));
    const started = store.startTask(RUN, "t0");
    expect(started).toMatchObject({ status: "running", attempts: 1, startedAt: 1_000 });
    // The start returns what the engine lacks, not the row: the definition stays in the store.
    expect(started).not.toHaveProperty("defJson");
    expect(store.getTask(RUN, "t0")).toMatchObject({
      status: "running",
      attempts: 1,
      startedAt: 1_000,
      defJson: { id: "t0" },
    });
    store.failTask(RUN, "t0", { code: "AccessDenied", message: "no", hint: "grant it", resource: "arn:x" });
    expect(store.retryFailed(RUN)).toEqual(["t0"]);
    expect(store.getTask(RUN, "t0")).toMatchObject({ status: "pending", error: undefined, finishedAt: undefined });
    now = 2_000;
    expect(store.startTask(RUN, "t0").attempts).toBe(2);
    now = 3_000;
    store.succeedTask(RUN, "t0", { arn: "arn:aws:s3:::b", count: 3 });
    expect(store.getTask(RUN, "t0")).toMatchObject({
      status: "succeeded",
      outputs: { arn: "arn:aws:s3:::b", count: 3 },
      finishedAt: 3_000,
    });
    expect(store.listAttempts(RUN, "t0")).toEqual([
      {
        runId: RUN,
        taskId: "t0",
        attempt: 1,
        startedAt: 1_000,
        finishedAt: 1_000,
        outcome: "failed",
        error: { code: "AccessDenied", message: "no", hint: "grant it", resource: "arn:x" },
      },
      {
        runId: RUN,
        taskId: "t0",
        attempt: 2,
        startedAt: 2_000,
        finishedAt: 3_000,
        outcome: "succeeded",
        error: undefined,
      },
    ]);
    expect(store.listJournal(RUN, { kinds: ["task"] }).map((j) => j.action)).toEqual([
      "start",
      "fail",
      "retry",
      "start",
      "succeed",
    ]);
  });

  it("skip records the reason", () => {
    const store = setup();
    store.skipTask(RUN, "t1", "condition false");
    expect(store.getTask(RUN, "t1")).toMatchObject({ status: "skipped", skipReason: "condition false" });
  });
});
