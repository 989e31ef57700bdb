import { describe, expect, it } from "vitest";
import { newRun, newTasks, tempStore } from "./helpers.js";

const N = 10_000;

// Correctness at benchmark scale; the speed figures live in bench/ (no timed assertions in tests).
describe(`a run of ${N} tasks on disk`, () => {
  it("creates, starts and succeeds, lists, counts and recovers every task", () => {
    const store = tempStore();
    const tasks = newTasks(N);
    store.createRun(newRun("big", tasks));
    expect(store.taskCounts("big")).toMatchObject({ total: N, pending: N });

    for (let i = 0; i < N / 2; i++) {
      store.startTask("big", `t${i}`);
      store.succeedTask("big", `t${i}`, { i });
    }
    for (let i = N / 2; i < N; i++) store.startTask("big", `t${i}`);

    const listed = { all: store.listTasks("big"), counts: store.taskCounts("big") };
    expect(listed.all).toHaveLength(N);
    expect(listed.all[0]?.taskId).toBe("t0");
    expect(listed.counts).toMatchObject({ succeeded: N / 2, running: N / 2 });

    const recovered = store.recoverInFlight("big");
    expect(recovered).toHaveLength(N / 2);
    expect(recovered[0]).toBe(`t${N / 2}`);
  });
});
