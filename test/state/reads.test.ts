import { describe, expect, it } from "vitest";
import { newRun, newTasks, tempStore } from "./helpers.js";

// The narrow reads behind `status` and a resume's start: each checked against listTasks, the full read.
describe("narrow task reads", () => {
  function seeded() {
    const store = tempStore();
    const tasks = [
      ...newTasks(5, "a"),
      ...newTasks(3, "b").map((t) => ({ ...t, seq: t.seq + 5 })),
      ...newTasks(1, "c"),
    ];
    tasks[8] = { ...tasks[8]!, taskId: "c", seq: 8, type: "kms.copy" };
    store.createRun(newRun("r", tasks));
    for (const id of ["a0", "a1", "a2", "b0", "b1", "c"]) store.startTask("r", id);
    for (const id of ["a0", "a1", "a2"]) store.succeedTask("r", id, { id, nothing: null });
    store.failTask("r", "b0", { code: "X", message: "broke" });
    store.enterWait("r", "b1", { what: "a job", deadlineAt: 5 });
    store.succeedTask("r", "c", { keyArn: "k" });
    store.skipTask("r", "a3", "not needed");
    return store;
  }

  it("stepTallies counts per top-level step and status, steps in run order", () => {
    const store = seeded();
    const tallies = store.stepTallies("r");
    expect(tallies.map((t) => [t.topStepId, t.status, t.tasks])).toEqual([
      ["a", "succeeded", 3],
      ["a", "skipped", 1],
      ["a", "pending", 1],
      ["b", "failed", 1],
      ["b", "waiting", 1],
      ["b", "pending", 1],
      ["c", "succeeded", 1],
    ]);
    const all = store.listTasks("r");
    const a = tallies.find((t) => t.topStepId === "a" && t.status === "succeeded")!;
    const started = all.filter((t) => ["a0", "a1", "a2"].includes(t.taskId));
    expect(a).toMatchObject({ type: "s3.copy", firstSeq: 0 });
    expect(a.startedAt).toBe(Math.min(...started.map((t) => t.startedAt!)));
    expect(a.finishedAt).toBe(Math.max(...started.map((t) => t.finishedAt!)));
    expect(tallies.find((t) => t.status === "pending" && t.topStepId === "a")).toMatchObject({
      startedAt: undefined,
      finishedAt: undefined,
    });
  });

  it("tasksToLookAt: running, waiting, awaiting approval and failed tasks, and every task of the steps named", () => {
    const store = seeded();
    expect(store.tasksToLookAt("r").map((t) => t.taskId)).toEqual(["b0", "b1"]);
    const withC = store.tasksToLookAt("r", ["c", "a"]);
    expect(withC.map((t) => t.taskId)).toEqual(["a0", "a1", "a2", "a3", "a4", "b0", "b1", "c"]);
    const full = store.listTasks("r").map(({ defJson: _d, ...t }) => t);
    expect(withC).toEqual(full.filter((t) => withC.some((w) => w.taskId === t.taskId)));
    expect(withC[0]).not.toHaveProperty("defJson");
  });

  it("iterateTasks yields every task in seq order without its definition", () => {
    const store = seeded();
    expect([...store.iterateTasks("r")]).toEqual(store.listTasks("r").map(({ defJson: _d, ...t }) => t));
  });

  it("taskStatuses, listTasks by status and taskOutputs agree with listTasks", () => {
    const store = seeded();
    const all = store.listTasks("r");
    expect(store.taskStatuses("r")).toEqual(all.map((t) => ({ taskId: t.taskId, status: t.status })));
    expect(store.listTasks("r", { status: ["pending", "failed"] })).toEqual(
      all.filter((t) => t.status === "pending" || t.status === "failed"),
    );
    expect(store.listTasks("r", { status: [] })).toEqual([]);
    expect(store.taskOutputs("r", "a0")).toEqual({ id: "a0", nothing: null });
    expect(store.taskOutputs("r", "a4")).toBeUndefined();
    expect(store.taskOutputs("r", "nosuch")).toBeUndefined();
  });
});
