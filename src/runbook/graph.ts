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
  const ready = tasks.flatMap((_, i) => (waiting[i] === 0 ? [i] : []));
  const out: TaskSpec[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    const t = tasks[i]!;
    out.push(t);
    for (const d of dependents.get(t.id) ?? []) {
      waiting[d] = waiting[d]! - 1;
      if (waiting[d] === 0) ready.push(d);
    }
  }
  return out;
}
