/**
 * Time remaining for the live header: the plan's estimated seconds per task, corrected by what the run
 * has seen so far, along the longest chain of unfinished tasks through `needs`.
 *
 * - A running task that reports AWS's own progress (`PercentProgress`, a Batch job's `ProgressSummary`, bytes
 *   copied) is projected from its elapsed time and percent; without a percent, its estimate minus what has
 *   elapsed.
 * - Tasks not yet started take their estimate scaled by how the finished tasks of the same step type compared
 *   with theirs (a world twice as fast as the plan thought halves what is left; a simulator's virtual clock
 *   speeds up snapshot waits, not S3 copies, hence per type).
 * Parallelism limits are not modelled: with fewer workers than ready tasks the run takes longer than this.
 */
export interface EtaTask {
  id: string;
  /** The step type: finished tasks correct the estimates of their own type only. */
  type: string;
  needs: readonly string[];
  /** The plan's estimate, seconds; undefined when the step type gave none (counted as 0). */
  estimate: number | undefined;
  state: "done" | "active" | "queued";
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  percent?: number | undefined;
}

/** Below this percent a projection from progress is noise; the estimate is used instead. */
const MIN_PERCENT = 5;

export function remainingMs(tasks: readonly EtaTask[], now: number): number | undefined {
  if (!tasks.some((t) => (t.estimate ?? 0) > 0)) return undefined;
  const ratios = observedRatios(tasks);
  const own = (t: EtaTask): number => {
    const estimateMs = (t.estimate ?? 0) * 1000 * (ratios.get(t.type) ?? 1);
    if (t.state === "done") return 0;
    if (t.state === "queued" || t.startedAt === undefined) return estimateMs;
    const elapsed = Math.max(0, now - t.startedAt);
    const p = t.percent;
    if (p !== undefined && p >= MIN_PERCENT && p < 100) return (elapsed * (100 - p)) / p;
    if (p !== undefined && p >= 100) return 0;
    return Math.max(0, estimateMs - elapsed);
  };
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const memo = new Map<string, number>();
  const chain = (id: string): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    memo.set(id, 0); // validation rejects cycles; this only bounds the recursion
    const t = byId.get(id);
    if (!t || t.state === "done") return 0;
    const before = Math.max(0, ...t.needs.map(chain));
    const total = before + own(t);
    memo.set(id, total);
    return total;
  };
  let longest = 0;
  for (const t of tasks) longest = Math.max(longest, chain(t.id));
  return longest;
}

/** Per step type, actual / estimated over its finished tasks that had an estimate (absent before any). */
function observedRatios(tasks: readonly EtaTask[]): Map<string, number> {
  const sums = new Map<string, { actual: number; estimated: number }>();
  for (const t of tasks) {
    if (t.state !== "done" || !t.estimate || t.startedAt === undefined || t.finishedAt === undefined) continue;
    const sum = sums.get(t.type) ?? { actual: 0, estimated: 0 };
    sum.actual += Math.max(0, t.finishedAt - t.startedAt);
    sum.estimated += t.estimate * 1000;
    sums.set(t.type, sum);
  }
  return new Map([...sums].map(([type, s]) => [type, s.actual / s.estimated]));
}
