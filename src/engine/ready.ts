/**
 * The pending tasks of a run as a ready queue: each task counts its needs that are not done yet; when a
 * need finishes, its dependents count down, and a task whose count reaches zero becomes ready. Ready tasks
 * come out in run order (their topological position), as a scan of the pending list would find them, but a
 * scheduling pass costs what it starts, not the length of the run.
 */
import type { TaskStatus } from "../state/index.js";

export const DONE: ReadonlySet<TaskStatus> = new Set(["succeeded", "skipped"]);
export const STUCK: ReadonlySet<TaskStatus> = new Set(["failed", "awaiting_approval"]);

export class ReadyQueue {
  private readonly position = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly unmet = new Map<string, number>();
  private readonly dependents = new Map<string, string[]>();
  /** Positions of ready tasks, a binary min-heap. */
  private readonly heap: number[] = [];

  /**
   * `pending` in run order. A need outside the run (removed by an edit) is not waited for; a need that is
   * not done (pending, running, stuck) is, until `done(need)`.
   */
  constructor(
    pending: Iterable<{ id: string; needs: readonly string[] }>,
    statusOf: (id: string) => TaskStatus | undefined,
  ) {
    for (const task of pending) {
      this.position.set(task.id, this.ids.length);
      this.ids.push(task.id);
      let waiting = 0;
      for (const need of task.needs) {
        const s = statusOf(need);
        if (s === undefined || DONE.has(s)) continue;
        waiting++;
        const list = this.dependents.get(need);
        if (list) list.push(task.id);
        else this.dependents.set(need, [task.id]);
      }
      if (waiting === 0) this.push(task.id);
      else this.unmet.set(task.id, waiting);
    }
  }

  /** The ready task first in run order, taken off the queue (`push` puts back one that could not start). */
  pop(): string | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return this.ids[top];
  }

  push(id: string): void {
    const pos = this.position.get(id);
    if (pos === undefined) return;
    this.heap.push(pos);
    this.siftUp(this.heap.length - 1);
  }

  get size(): number {
    return this.heap.length;
  }

  /** `id` finished (succeeded or skipped): its dependents count down; those with nothing left become ready. */
  done(id: string): void {
    const list = this.dependents.get(id);
    if (!list) return;
    this.dependents.delete(id);
    for (const dep of list) {
      const left = (this.unmet.get(dep) ?? 1) - 1;
      if (left > 0) {
        this.unmet.set(dep, left);
      } else {
        this.unmet.delete(dep);
        this.push(dep);
      }
    }
  }

  /** Pending tasks that wait for `id` (until it is done). */
  dependentsOf(id: string): readonly string[] {
    return this.dependents.get(id) ?? [];
  }

  /** Order of pending tasks by their place in the run. */
  readonly byPosition = (a: string, b: string): number =>
    (this.position.get(a) ?? Number.MAX_SAFE_INTEGER) - (this.position.get(b) ?? Number.MAX_SAFE_INTEGER);

  private siftUp(i: number): void {
    const h = this.heap;
    const v = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= v) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = v;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const v = h[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && h[child + 1]! < h[child]!) child++;
      if (h[child]! >= v) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = v;
  }
}
