import { describe, expect, it } from "vitest";
import { ReadyQueue } from "../../src/engine/ready.js";
import type { TaskStatus } from "../../src/state/index.js";

const drain = (q: ReadyQueue): string[] => {
  const out: string[] = [];
  for (let id = q.pop(); id !== undefined; id = q.pop()) out.push(id);
  return out;
};

describe("ready queue", () => {
  it("gives ready tasks in run order; a task becomes ready when its last unmet need is done", () => {
    const status = new Map<string, TaskStatus>([
      ["old", "succeeded"],
      ["a", "pending"],
      ["b", "pending"],
      ["c", "pending"],
      ["d", "pending"],
    ]);
    const q = new ReadyQueue(
      [
        { id: "a", needs: ["old"] },
        { id: "b", needs: ["a"] },
        { id: "c", needs: ["a", "b", "removed-by-an-edit"] },
        { id: "d", needs: [] },
      ],
      (id) => status.get(id),
    );
    expect(drain(q)).toEqual(["a", "d"]);
    expect(q.dependentsOf("a")).toEqual(["b", "c"]);
    q.done("a");
    expect(drain(q)).toEqual(["b"]);
    q.done("b");
    expect(drain(q)).toEqual(["c"]);
    expect(q.dependentsOf("a")).toEqual([]);
  });

  it("puts a task back in its place, ahead of later ones", () => {
    const q = new ReadyQueue(
      ["t0", "t1", "t2", "t3"].map((id) => ({ id, needs: [] })),
      () => "pending",
    );
    expect(q.pop()).toBe("t0");
    expect(q.pop()).toBe("t1");
    q.push("t0");
    expect(drain(q)).toEqual(["t0", "t2", "t3"]);
    expect(["t3", "t1", "t2"].sort(q.byPosition)).toEqual(["t1", "t2", "t3"]);
  });

  it("never makes ready a task whose need is stuck", () => {
    const status = new Map<string, TaskStatus>([
      ["bad", "failed"],
      ["x", "pending"],
    ]);
    const q = new ReadyQueue([{ id: "x", needs: ["bad"] }], (id) => status.get(id));
    expect(q.size).toBe(0);
    expect(q.dependentsOf("bad")).toEqual(["x"]);
  });
});
