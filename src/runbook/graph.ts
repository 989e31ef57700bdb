import type { DiagnosticSink } from "./diagnostics.js";
import type { Model } from "./model.js";
import type { TaskSpec } from "./types.js";

/**
 * Report every dependency cycle (as top-level step ids: a → b → c → a), once per set of steps, at the
 * step of the cycle that comes first in the file.
 */
export function reportCycles(tasks: TaskSpec[], m: Model, sink: DiagnosticSink): boolean {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const state = new Map<string, "open" | "done">();
  const seen = new Set<string>();
  let found = false;
  const visit = (start: string) => {
    // Iterative DFS: runbooks can have thousands of tasks.
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const needs = byId.get(top.id)?.needs ?? [];
      if (top.next >= needs.length) {
        state.set(top.id, "done");
        stack.pop();
        continue;
      }
      const n = needs[top.next++]!;
      if (!byId.has(n)) continue;
      const st = state.get(n);
      if (st === "open") {
        const path = stack.slice(stack.findIndex((f) => f.id === n)).map((f) => f.id);
        found = true;
        report(path);
      } else if (st === undefined) {
        state.set(n, "open");
        stack.push({ id: n, next: 0 });
      }
    }
  };
  const report = (taskPath: string[]) => {
    const steps = taskPath.map((id) => byId.get(id)!.topStepId);
    const collapsed = steps.filter((s, i) => i === 0 || s !== steps[i - 1]);
    if (collapsed.length > 1 && collapsed[0] === collapsed[collapsed.length - 1]) collapsed.pop();
    const key = [...new Set(collapsed)].sort().join(",");
    if (seen.has(key)) return;
    seen.add(key);
    const first = [...new Set(collapsed)].sort(
      (a, b) => (m.stepById.get(a)?.raw.index ?? 0) - (m.stepById.get(b)?.raw.index ?? 0),
    )[0]!;
    const at = collapsed.indexOf(first);
    const ring = [...collapsed.slice(at), ...collapsed.slice(0, at), first];
    sink.report(
      "RB_CYCLE",
      `dependency cycle: ${ring.join(" → ")}`,
      { node: m.stepById.get(first)?.raw.idNode },
      {
        hint: "each step needs the next (through needs or a step reference); remove one of those links",
      },
    );
  };
  for (const t of tasks) if (!state.has(t.id)) visit(t.id);
  return found;
}

/** Dependencies first; among tasks that are ready together, file order (Kahn's algorithm, stable). */
export function topoSort(tasks: TaskSpec[]): TaskSpec[] {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const waiting = tasks.map((t) => t.needs.filter((n) => index.has(n)).length);
  const dependents = new Map<string, number[]>();
  tasks.forEach((t, i) => {
    for (const n of t.needs) {
      if (!index.has(n)) continue;
      const list = dependents.get(n);
      if (list) list.push(i);
      else dependents.set(n, [i]);
    }
  });
  // A min-heap of file positions: n log n for 100,000 tasks that are all ready at once.
  const ready = new MinHeap();
  waiting.forEach((w, i) => {
    if (w === 0) ready.push(i);
  });
  const out: TaskSpec[] = [];
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    const t = tasks[i]!;
    out.push(t);
    for (const d of dependents.get(t.id) ?? []) {
      waiting[d] = waiting[d]! - 1;
      if (waiting[d] === 0) ready.push(d);
    }
  }
  return out;
}

class MinHeap {
  private readonly a: number[] = [];

  push(x: number): void {
    const a = this.a;
    let i = a.push(x) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= x) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }

  pop(): number | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const c = l + 1 < a.length && a[l + 1]! < a[l]! ? l + 1 : l;
      if (a[c]! >= last) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}
