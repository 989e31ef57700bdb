/** Database rows (snake_case, JSON as text) and their mapping to records. */
import type { Json, JsonObject } from "../core/json.js";
import type {
  AttemptOutcome,
  AttemptRecord,
  JournalEntry,
  JournalKind,
  LockHolder,
  RunRecord,
  RunState,
  TaskCounts,
  TaskError,
  TaskRecord,
  TaskStatus,
  TaskView,
} from "./types.js";
import { TASK_STATUSES } from "./types.js";

export interface RunRow {
  id: string;
  runbook_name: string;
  runbook_path: string;
  runbook_hash: string;
  runbook_text: string;
  params_json: string;
  state: RunState;
  operator: string;
  identities_json: string;
  options_json: string;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  lock_pid: number | null;
  lock_host: string | null;
  lock_token: string | null;
  lock_heartbeat_at: number | null;
  lock_generation: number;
  abandoned_by: string | null;
  abandoned_at: number | null;
}

export interface AttemptRow {
  run_id: string;
  task_id: string;
  attempt: number;
  started_at: number;
  finished_at: number | null;
  outcome: string | null;
  error_json: string | null;
}

export interface JournalRow {
  id: number;
  run_id: string;
  task_id: string | null;
  at: number;
  kind: JournalKind;
  actor: string | null;
  account_id: string | null;
  action: string;
  resource: string | null;
  outcome: string;
  detail_json: string | null;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function toJsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parse<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

function opt<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

export function lockOf(row: Pick<RunRow, "lock_pid" | "lock_host" | "lock_heartbeat_at">): LockHolder | undefined {
  if (row.lock_pid === null || row.lock_host === null || row.lock_heartbeat_at === null) return undefined;
  return { pid: row.lock_pid, host: row.lock_host, heartbeatAt: row.lock_heartbeat_at };
}

export function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    runbookName: row.runbook_name,
    runbookPath: row.runbook_path,
    runbookHash: row.runbook_hash,
    runbookText: row.runbook_text,
    params: JSON.parse(row.params_json) as Record<string, Json>,
    state: row.state,
    operator: row.operator,
    identities: JSON.parse(row.identities_json) as Record<string, string>,
    options: JSON.parse(row.options_json) as JsonObject,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: opt(row.finished_at),
    lock: lockOf(row),
    ...(row.abandoned_at != null ? { abandoned: { by: row.abandoned_by ?? "unknown", at: row.abandoned_at } } : {}),
  };
}

/** The account ids of a run, from its callers' ARNs (`arn:aws:sts::111111111111:assumed-role/…`), sorted. */
export function accountIdsOf(identities: Record<string, string>): string[] {
  const ids = Object.values(identities).map((arn) => /^arn:[^:]+:[^:]+::(\d{12}):/.exec(arn)?.[1] ?? arn);
  return [...new Set(ids)].sort();
}

/**
 * A task row as one JSON object built by SQLite, keys already the record's names and JSON columns
 * already nested. Parsing one string per row is several times faster than having better-sqlite3 build a
 * 24-key object and then parsing four JSON columns of it, which matters for `listTasks` on 10,000 tasks.
 */
const TASK_HEAD = `'runId', run_id, 'taskId', task_id, 'seq', seq, 'stepId', step_id, 'topStepId', top_step_id,
  'itemKey', item_key, 'type', type, 'accountAlias', account_alias, 'defHash', def_hash`;
const TASK_TAIL = `'status', status, 'attempts', attempts, 'createdAt', created_at,
  'startedAt', started_at, 'finishedAt', finished_at, 'deadlineAt', deadline_at, 'waitWhat', wait_what,
  'progress', json(progress_json), 'outputs', json(outputs_json), 'error', json(error_json),
  'skipReason', skip_reason, 'approvedBy', approved_by, 'approvedAt', approved_at, 'updatedAt', updated_at`;
export const TASK_JSON = `json_object(${TASK_HEAD}, 'defJson', json(def_json), ${TASK_TAIL})`;

/** TASK_JSON without the definition (`TaskView`): what a person reads, a fraction of the bytes. */
export const TASK_VIEW_JSON = `json_object(${TASK_HEAD}, ${TASK_TAIL})`;

/**
 * A task's columns for machine output, in `TaskView` order, with how each is written: `text`, `number`,
 * `time` (epoch ms) or `json` (stored JSON text). `iterateTaskRows` yields them as arrays, NULL as null.
 */
export const TASK_ROW_COLUMNS = [
  ["runId", "run_id", "text"],
  ["taskId", "task_id", "text"],
  ["seq", "seq", "number"],
  ["stepId", "step_id", "text"],
  ["topStepId", "top_step_id", "text"],
  ["itemKey", "item_key", "text"],
  ["type", "type", "text"],
  ["accountAlias", "account_alias", "text"],
  ["defHash", "def_hash", "text"],
  ["status", "status", "text"],
  ["attempts", "attempts", "number"],
  ["createdAt", "created_at", "time"],
  ["startedAt", "started_at", "time"],
  ["finishedAt", "finished_at", "time"],
  ["deadlineAt", "deadline_at", "time"],
  ["waitWhat", "wait_what", "text"],
  ["progress", "progress_json", "json"],
  ["outputs", "outputs_json", "json"],
  ["error", "error_json", "json"],
  ["skipReason", "skip_reason", "text"],
  ["approvedBy", "approved_by", "text"],
  ["approvedAt", "approved_at", "time"],
  ["updatedAt", "updated_at", "time"],
] as const;

/** Parse a TASK_JSON (or TASK_VIEW_JSON) text. NULL columns become undefined (nested JSON values keep their nulls). */
export function taskFromJson(text: string): TaskRecord {
  const record = JSON.parse(text) as Record<string, unknown>;
  for (const key in record) if (record[key] === null) record[key] = undefined;
  return record as unknown as TaskRecord;
}

/** Parse a TASK_VIEW_JSON text. */
export const taskViewFromJson: (text: string) => TaskView = taskFromJson;

export function attemptFromRow(row: AttemptRow): AttemptRecord {
  return {
    runId: row.run_id,
    taskId: row.task_id,
    attempt: row.attempt,
    startedAt: row.started_at,
    finishedAt: opt(row.finished_at),
    outcome: opt(row.outcome) as AttemptOutcome | undefined,
    error: parse<TaskError>(row.error_json),
  };
}

export function journalFromRow(row: JournalRow): JournalEntry {
  return {
    id: row.id,
    runId: row.run_id,
    taskId: opt(row.task_id),
    at: row.at,
    kind: row.kind,
    actor: opt(row.actor),
    accountId: opt(row.account_id),
    action: row.action,
    resource: opt(row.resource),
    outcome: row.outcome,
    detail: parse<JsonObject>(row.detail_json),
  };
}

export function emptyCounts(): TaskCounts {
  const counts = { total: 0 } as TaskCounts;
  for (const s of TASK_STATUSES) counts[s] = 0;
  return counts;
}

export function addCount(counts: TaskCounts, status: TaskStatus, n: number): void {
  counts[status] += n;
  counts.total += n;
}
