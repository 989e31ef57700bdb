/**
 * Machine output says every time as ISO 8601 (UTC, milliseconds): events, `status --json`, `runs --json`,
 * `log --json`. The state file and the engine keep epoch milliseconds; only what is printed changes.
 * Durations stay numbers and say their unit in their name (`durationMs`). Step data (outputs, progress,
 * the plan's observations) is the steps' own and is printed as they made it.
 */
import type { EngineEvent } from "../../engine/events.js";
import { type JournalEntry, type RunRecord, TASK_ROW_COLUMNS, type TaskRecord } from "../../state/index.js";

export function isoTime(epochMs: number): string;
export function isoTime(epochMs: number | undefined): string | undefined;
export function isoTime(epochMs: number | undefined): string | undefined {
  return epochMs === undefined ? undefined : new Date(epochMs).toISOString();
}

/** One NDJSON line's object: `at` first, the event's own times as ISO. */
export function eventJson(event: EngineEvent, at: number): Record<string, unknown> {
  const line = { at: isoTime(at), ...event };
  return event.type === "task-waiting" ? { ...line, deadlineAt: isoTime(event.deadlineAt) } : line;
}

/** A run (`status --json`) or a run with its counts (`runs --json`). */
export function runJson<R extends Omit<RunRecord, "runbookText">>(run: R) {
  return {
    ...run,
    createdAt: isoTime(run.createdAt),
    updatedAt: isoTime(run.updatedAt),
    finishedAt: isoTime(run.finishedAt),
    lock: run.lock ? { ...run.lock, heartbeatAt: isoTime(run.lock.heartbeatAt) } : undefined,
  };
}

export function taskJson<T extends Omit<TaskRecord, "defJson">>(task: T) {
  return {
    ...task,
    createdAt: isoTime(task.createdAt),
    startedAt: isoTime(task.startedAt),
    finishedAt: isoTime(task.finishedAt),
    deadlineAt: isoTime(task.deadlineAt),
    approvedAt: isoTime(task.approvedAt),
    updatedAt: isoTime(task.updatedAt),
  };
}

/** A journal row; its `detail` is ours too (a wait's `deadlineAt`, a lock holder's `heartbeatAt`). */
export function journalJson(entry: JournalEntry) {
  return { ...entry, at: isoTime(entry.at), detail: timesIn(entry.detail) };
}

/** Numbers under a key that names a time (`...At`), as ISO, at any depth. */
function timesIn<T>(value: T): T {
  if (Array.isArray(value)) return value.map(timesIn) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, /[a-z]At$/.test(k) && typeof v === "number" ? isoTime(v) : timesIn(v)]),
  ) as T;
}

/**
 * ISO text of epoch ms, one Date per distinct second: a run's times cluster, and at 100,000 tasks
 * (six times each) `toISOString` per value was a fifth of `status --json`.
 */
function isoCached(): (ms: number) => string {
  const seconds = new Map<number, string>();
  return (ms) => {
    const second = Math.floor(ms / 1000);
    let head = seconds.get(second);
    if (head === undefined) {
      if (seconds.size > 4096) seconds.clear();
      head = new Date(second * 1000).toISOString().slice(0, 20);
      seconds.set(second, head);
    }
    return `${head}${String(ms - second * 1000).padStart(3, "0")}Z`;
  };
}

/**
 * A task row (TASK_ROW_COLUMNS) as `taskJson` writes it, without building the object: absent values left
 * out, times as ISO, stored JSON as stored (JSON.stringify wrote it).
 */
export function taskRowJsonWriter(): (row: readonly unknown[]) => string {
  const iso = isoCached();
  const keys = TASK_ROW_COLUMNS.map(([name]) => `${JSON.stringify(name)}:`);
  const kinds = TASK_ROW_COLUMNS.map(([, , kind]) => kind);
  return (row) => {
    let out = "";
    for (let i = 0; i < kinds.length; i++) {
      const v = row[i];
      if (v === null || v === undefined) continue;
      const kind = kinds[i];
      const text =
        kind === "text"
          ? JSON.stringify(v)
          : kind === "number"
            ? String(v)
            : kind === "time"
              ? `"${iso(v as number)}"`
              : (v as string);
      out += out === "" ? `{${keys[i]}${text}` : `,${keys[i]}${text}`;
    }
    return `${out}}`;
  };
}
