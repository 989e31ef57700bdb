/** Small helpers shared by the store modules: write transactions, guard SQL, conflict errors. */
import { HikkoshiError } from "../core/errors.js";
import type { Db } from "./db.js";
import { TASK_TRANSITIONS, type TaskStatus, type TaskTransition } from "./types.js";

/**
 * Wrap `fn` in a BEGIN IMMEDIATE transaction. IMMEDIATE takes the write lock up front, so a second
 * process waits on busy_timeout instead of failing when its read transaction tries to upgrade.
 */
export function writeTx<A extends unknown[], R>(db: Db, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A) => tx.immediate(...args);
}

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** `status IN ('pending')` for the transition's allowed source statuses, from TASK_TRANSITIONS. */
export function fromGuard(transition: TaskTransition): string {
  const from: readonly string[] = TASK_TRANSITIONS[transition].from;
  return `status IN (${from.map(quote).join(", ")})`;
}

/** The transition's target status as an SQL literal. */
export function toStatus(transition: TaskTransition): string {
  return quote(TASK_TRANSITIONS[transition].to);
}

export function taskConflict(
  runId: string,
  taskId: string,
  action: string,
  expected: readonly TaskStatus[],
  actual: TaskStatus | undefined,
): HikkoshiError {
  if (actual === undefined) {
    return new HikkoshiError("STATE_NOT_FOUND", `Task ${taskId} does not exist in run ${runId}.`, {
      resource: taskId,
    });
  }
  return new HikkoshiError(
    "STATE_CONFLICT",
    `Cannot ${action} task ${taskId}: expected status ${expected.join(" or ")}, but it is ${actual}.`,
    {
      resource: taskId,
      hint: "Another process may be driving this run, or the task already moved on. Check `hikkoshi status`.",
    },
  );
}

export function runNotFound(runId: string): HikkoshiError {
  return new HikkoshiError("STATE_NOT_FOUND", `Run ${runId} does not exist in this run store.`, {
    resource: runId,
    hint: "List runs with `hikkoshi status --all`.",
  });
}

export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}
