import type { TaskSpec } from "./types.js";

export interface RunbookDiff {
  /** In the new runbook only. */
  added: TaskSpec[];
  /** Ids of tasks in the old runbook only. */
  removed: string[];
  /** In both, with a different definition hash. */
  changed: TaskSpec[];
  unchanged: TaskSpec[];
}

/** Compare a run's recorded tasks with a re-loaded runbook (resume after an edit). New-task order is kept. */
export function diffRunbooks(
  oldTasks: readonly { id: string; defHash: string }[],
  newTasks: readonly TaskSpec[],
): RunbookDiff {
  const old = new Map(oldTasks.map((t) => [t.id, t.defHash]));
  const fresh = new Set(newTasks.map((t) => t.id));
  const diff: RunbookDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const t of newTasks) {
    const hash = old.get(t.id);
    if (hash === undefined) diff.added.push(t);
    else if (hash === t.defHash) diff.unchanged.push(t);
    else diff.changed.push(t);
  }
  diff.removed = oldTasks.filter((t) => !fresh.has(t.id)).map((t) => t.id);
  return diff;
}
