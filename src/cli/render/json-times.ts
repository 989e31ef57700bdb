/**
 * Machine output says every time as ISO 8601 (UTC, milliseconds): events, `status --json`, `runs --json`,
 * `log --json`. The state file and the engine keep epoch milliseconds; only what is printed changes.
 * Durations stay numbers and say their unit in their name (`durationMs`). Step data (outputs, progress,
 * the plan's observations) is the steps' own and is printed as they made it.
 */
import type { EngineEvent } from "../../engine/events.js";
import type { JournalEntry, RunRecord, TaskRecord } from "../../state/index.js";

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
