/** topoSort: dependencies first, file order among tasks ready together (the order runs and plans show). */
import { describe, expect, it } from "vitest";
import { topoSort } from "../../src/runbook/graph.js";
import type { TaskSpec } from "../../src/runbook/index.js";

const task = (id: string, needs: string[]): TaskSpec => ({
  id,
  stepId: id,
  topStepId: id,
  type: "noop",
  account: "a",
  with: {},
  needs,
  defHash: "",
  location: { file: "rb.yaml", line: 1, col: 1 },
});

/** The definition, quadratic: repeatedly take the first task in file order whose needs are all placed. */
function reference(tasks: TaskSpec[]): string[] {
  const ids = new Set(tasks.map((t) => t.id));
  const placed = new Set<string>();
  const out: string[] = [];
  for (;;) {
    const next = tasks.find((t) => !placed.has(t.id) && t.needs.every((n) => placed.has(n) || !ids.has(n)));
    if (!next) return out;
    placed.add(next.id);
    out.push(next.id);
  }
}

describe("topoSort", () => {
  it("matches the definition on random graphs (needs on earlier and later tasks, unknown ids ignored)", () => {
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const n = 1 + rand(40);
      // An acyclic graph in a hidden order, written in a shuffled file order.
      const hidden = Array.from({ length: n }, (_, i) => `t${i}`);
      const tasks = hidden.map((id, i) =>
        task(id, [...new Set(Array.from({ length: rand(4) }, () => (i > 0 ? hidden[rand(i)]! : "missing")))]),
      );
      for (let i = tasks.length - 1; i > 0; i--) {
        const j = rand(i + 1);
        [tasks[i], tasks[j]] = [tasks[j]!, tasks[i]!];
      }
      expect(topoSort(tasks).map((t) => t.id)).toEqual(reference(tasks));
    }
  });

  it("keeps file order for 100,000 independent tasks", () => {
    const tasks = Array.from({ length: 100_000 }, (_, i) => task(`t${i}`, []));
    const sorted = topoSort(tasks);
    expect(sorted).toHaveLength(100_000);
    expect(sorted.every((t, i) => t === tasks[i])).toBe(true);
  });
});
