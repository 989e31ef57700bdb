import { describe, expect, it } from "vitest";
import { type EtaTask, remainingMs } from "../../src/cli/render/remaining.js";

const task = (id: string, estimate: number | undefined, extra: Partial<EtaTask> = {}): EtaTask => ({
  id,
  type: "rds.copy-snapshot",
  needs: [],
  estimate,
  state: "queued",
  ...extra,
});

describe("time remaining for the live header", () => {
  it("is the longest chain of estimates, not their sum, before anything ran", () => {
    const tasks = [
      task("snap", 600),
      task("copy", 900, { needs: ["snap"] }),
      task("bucket", 300),
      task("verify", 60, { needs: ["bucket"] }),
    ];
    expect(remainingMs(tasks, 0)).toBe(1_500_000);
  });

  it("says nothing when no step type estimated anything", () => {
    expect(remainingMs([task("a", undefined), task("b", 0)], 0)).toBeUndefined();
  });

  it("projects a running task from AWS's percent instead of the estimate", () => {
    // 25% after 100 s: 300 s more, though the plan said 1000 s in all.
    const tasks = [task("snap", 1000, { state: "active", startedAt: 0, percent: 25 })];
    expect(remainingMs(tasks, 100_000)).toBe(300_000);
  });

  it("scales what has not started by how finished tasks of the same type compared with their estimates", () => {
    // The first copy took 10 s against 100 s estimated: the next copy is expected in a tenth of its estimate;
    // a bucket copy, of another type, keeps its own estimate.
    const tasks = [
      task("a", 100, { state: "done", startedAt: 0, finishedAt: 10_000 }),
      task("b", 200, { needs: ["a"] }),
      task("c", 15, { type: "s3.copy" }),
    ];
    expect(remainingMs(tasks, 10_000)).toBe(20_000);
    expect(remainingMs([...tasks, task("d", 30, { type: "s3.copy", needs: ["c"] })], 10_000)).toBe(45_000);
  });

  it("counts a running task without progress as its estimate minus what has elapsed, never below zero", () => {
    const tasks = [
      task("a", 100, { state: "active", startedAt: 0 }),
      task("b", 50, { state: "active", startedAt: 0, needs: [] }),
    ];
    expect(remainingMs(tasks, 40_000)).toBe(60_000);
    expect(remainingMs(tasks, 400_000)).toBe(0);
  });
});
