/**
 * One function per task transition. Each is a single IMMEDIATE transaction whose UPDATE is guarded by the
 * source statuses in TASK_TRANSITIONS; when the guard does not match, nothing changes and STATE_CONFLICT
 * names the task, the expected and the actual status. Each transition appends a 'task' journal row.
 */
import type { Json, JsonObject } from "../core/json.js";
import type { Db } from "./db.js";
import type { AppendJournal } from "./journal.js";
import { TASK_JSON, taskFromJson, toJson } from "./rows.js";
import { fromGuard, taskConflict, toStatus, writeTx } from "./sql.js";
import {
  type StartedTask,
  TASK_TRANSITIONS,
  type TaskError,
  type TaskRecord,
  type TaskStatus,
  type TaskTransition,
} from "./types.js";

export interface TransitionOps {
  startTask(runId: string, taskId: string): StartedTask;
  /** Returns the effective deadline: the one stored by an earlier entry, if any, else `deadlineAt`. */
  enterWait(runId: string, taskId: string, wait: { what: string; deadlineAt: number }): number;
  /**
   * The wait is over (its deadline cleared, so a later wait of the task gets its own), or interrupted by an
   * error (`keepDeadline`: a retried attempt waiting again keeps the deadline of the first).
   */
  leaveWait(runId: string, taskId: string, keepDeadline?: boolean): void;
  saveProgress(runId: string, taskId: string, progress: JsonObject): void;
  succeedTask(runId: string, taskId: string, outputs: Record<string, Json>): void;
  failTask(runId: string, taskId: string, error: TaskError): void;
  skipTask(runId: string, taskId: string, reason: string): void;
  /** "approved" when an approval was recorded before the step asked (the task stays running). */
  requestApproval(runId: string, taskId: string): "approved" | "awaiting_approval";
  approveTask(runId: string, taskId: string, approvedBy: string): TaskRecord;
  rejectTask(runId: string, taskId: string, rejectedBy: string, reason?: string): void;
}

type Key = { runId: string; taskId: string; now: number };

export function transitionOps(db: Db, now: () => number, append: AppendJournal): TransitionOps {
  const where = "WHERE run_id = @runId AND task_id = @taskId";
  const statusOf = db.prepare<[string, string], { status: TaskStatus }>(
    "SELECT status FROM tasks WHERE run_id = ? AND task_id = ?",
  );
  // Only what the engine does not already have: not the definition (the bulk of a row) and no second read.
  const start = db.prepare<
    Key,
    { attempts: number; started_at: number; deadline_at: number | null; progress_json: string | null }
  >(
    `UPDATE tasks SET status = ${toStatus("start")}, attempts = attempts + 1, started_at = @now, finished_at = NULL,
       updated_at = @now ${where} AND ${fromGuard("start")} RETURNING attempts, started_at, deadline_at, progress_json`,
  );
  const openAttempt = db.prepare(
    `INSERT INTO attempts (run_id, task_id, attempt, started_at) VALUES (@runId, @taskId, @attempt, @now)`,
  );
  const closeAttempt = db.prepare(
    `UPDATE attempts SET finished_at = @now, outcome = @outcome, error_json = @error
     ${where} AND attempt = @attempt AND finished_at IS NULL`,
  );
  const enterWait = db.prepare<Key & { what: string; deadlineAt: number }, { deadline_at: number }>(
    `UPDATE tasks SET status = ${toStatus("enterWait")}, wait_what = @what,
       deadline_at = coalesce(deadline_at, @deadlineAt), updated_at = @now
     ${where} AND ${fromGuard("enterWait")} RETURNING deadline_at`,
  );
  // The wait is over: clear its deadline so a later wait of the same task gets its own; an error keeps it.
  const leaveWait = db.prepare<Key & { keep: number }, { attempts: number }>(
    `UPDATE tasks SET status = ${toStatus("leaveWait")},
       deadline_at = CASE WHEN @keep = 1 THEN deadline_at ELSE NULL END, wait_what = NULL, updated_at = @now
     ${where} AND ${fromGuard("leaveWait")} RETURNING attempts`,
  );
  const saveProgress = db.prepare(
    `UPDATE tasks SET progress_json = @progress, updated_at = @now
     ${where} AND status IN ('running', 'waiting')`,
  );
  const succeed = db.prepare<Key & { outputs: string }, { attempts: number }>(
    `UPDATE tasks SET status = ${toStatus("succeed")}, outputs_json = @outputs, error_json = NULL, finished_at = @now,
       deadline_at = NULL, wait_what = NULL, updated_at = @now
     ${where} AND ${fromGuard("succeed")} RETURNING attempts`,
  );
  // A failed task keeps its deadline and wait text for inspection; retryFailed clears them.
  const fail = db.prepare<Key & { error: string }, { attempts: number }>(
    `UPDATE tasks SET status = ${toStatus("fail")}, error_json = @error, finished_at = @now, updated_at = @now
     ${where} AND ${fromGuard("fail")} RETURNING attempts`,
  );
  const skip = db.prepare<Key & { reason: string }, { attempts: number }>(
    `UPDATE tasks SET status = ${toStatus("skip")}, skip_reason = @reason, finished_at = @now, updated_at = @now
     ${where} AND ${fromGuard("skip")} RETURNING attempts`,
  );
  const requestApproval = db.prepare<Key, { attempts: number }>(
    `UPDATE tasks SET status = ${toStatus("requestApproval")}, updated_at = @now
     ${where} AND ${fromGuard("requestApproval")} AND approved_at IS NULL RETURNING attempts`,
  );
  const approve = db
    .prepare<Key & { by: string }, string>(
      `UPDATE tasks SET status = ${toStatus("approve")}, approved_by = @by, approved_at = @now, updated_at = @now
       ${where} AND ${fromGuard("approve")} RETURNING ${TASK_JSON}`,
    )
    .pluck();
  // Approval given before the step asked: recorded, no status change; requestApproval then passes at once.
  const preApprove = db
    .prepare<Key & { by: string }, string>(
      `UPDATE tasks SET approved_by = @by, approved_at = @now, updated_at = @now
       ${where} AND status IN ('pending', 'running', 'waiting') RETURNING ${TASK_JSON}`,
    )
    .pluck();
  const reject = db.prepare<Key & { error: string }, { attempts: number }>(
    `UPDATE tasks SET status = ${toStatus("reject")}, error_json = @error, approved_by = NULL, approved_at = NULL,
       finished_at = @now, updated_at = @now
     ${where} AND ${fromGuard("reject")} RETURNING attempts`,
  );

  function orConflict<T>(row: T | undefined, key: Key, t: TaskTransition, action: string = t): T {
    if (row !== undefined) return row;
    throw taskConflict(
      key.runId,
      key.taskId,
      action,
      TASK_TRANSITIONS[t].from,
      statusOf.get(key.runId, key.taskId)?.status,
    );
  }

  function journal(key: Key, t: TaskTransition, extra: JsonObject = {}, actor?: string): void {
    const { from, to } = TASK_TRANSITIONS[t];
    append({
      runId: key.runId,
      taskId: key.taskId,
      at: key.now,
      kind: "task",
      actor,
      action: t,
      outcome: "ok",
      detail: { from: from.length === 1 ? from[0] : [...from], to, ...extra },
    });
  }

  const key = (runId: string, taskId: string): Key => ({ runId, taskId, now: now() });

  return {
    startTask: writeTx(db, (runId: string, taskId: string) => {
      const k = key(runId, taskId);
      const row = orConflict(start.get(k), k, "start");
      openAttempt.run({ ...k, attempt: row.attempts });
      journal(k, "start", { attempt: row.attempts });
      const started: StartedTask = {
        taskId,
        status: TASK_TRANSITIONS.start.to,
        attempts: row.attempts,
        startedAt: row.started_at,
        deadlineAt: row.deadline_at ?? undefined,
        progress: row.progress_json === null ? undefined : (JSON.parse(row.progress_json) as JsonObject),
      };
      return started;
    }),

    enterWait: writeTx(db, (runId: string, taskId: string, wait: { what: string; deadlineAt: number }) => {
      const k = key(runId, taskId);
      const row = orConflict(enterWait.get({ ...k, ...wait }), k, "enterWait");
      journal(k, "enterWait", { what: wait.what, deadlineAt: row.deadline_at });
      return row.deadline_at;
    }),

    leaveWait: writeTx(db, (runId: string, taskId: string, keepDeadline = false) => {
      const k = key(runId, taskId);
      orConflict(leaveWait.get({ ...k, keep: keepDeadline ? 1 : 0 }), k, "leaveWait");
      journal(k, "leaveWait");
    }),

    saveProgress: writeTx(db, (runId: string, taskId: string, progress: JsonObject) => {
      const k = key(runId, taskId);
      if (saveProgress.run({ ...k, progress: toJson(progress) }).changes === 1) return;
      throw taskConflict(
        runId,
        taskId,
        "save progress of",
        ["running", "waiting"],
        statusOf.get(runId, taskId)?.status,
      );
    }),

    succeedTask: writeTx(db, (runId: string, taskId: string, outputs: Record<string, Json>) => {
      const k = key(runId, taskId);
      const row = orConflict(succeed.get({ ...k, outputs: toJson(outputs) }), k, "succeed");
      closeAttempt.run({ ...k, attempt: row.attempts, outcome: "succeeded", error: null });
      journal(k, "succeed");
    }),

    failTask: writeTx(db, (runId: string, taskId: string, error: TaskError) => {
      const k = key(runId, taskId);
      const errorJson = toJson(error);
      const row = orConflict(fail.get({ ...k, error: errorJson }), k, "fail");
      closeAttempt.run({ ...k, attempt: row.attempts, outcome: "failed", error: errorJson });
      journal(k, "fail", { code: error.code });
    }),

    skipTask: writeTx(db, (runId: string, taskId: string, reason: string) => {
      const k = key(runId, taskId);
      orConflict(skip.get({ ...k, reason }), k, "skip");
      journal(k, "skip", { reason });
    }),

    requestApproval: writeTx(db, (runId: string, taskId: string) => {
      const k = key(runId, taskId);
      const row = requestApproval.get(k);
      if (row !== undefined) {
        // Whoever resumes the run starts a new attempt after the approval.
        closeAttempt.run({ ...k, attempt: row.attempts, outcome: "awaiting_approval", error: null });
        journal(k, "requestApproval");
        return "awaiting_approval" as const;
      }
      const status = statusOf.get(runId, taskId)?.status;
      if (status !== "running") {
        throw taskConflict(runId, taskId, "requestApproval", TASK_TRANSITIONS.requestApproval.from, status);
      }
      // Running and approved_at is set: the approval came first.
      append({
        ...k,
        at: k.now,
        kind: "approval",
        action: "requestApproval",
        outcome: "ok",
        detail: { preApproved: true },
      });
      return "approved" as const;
    }),

    approveTask: writeTx(db, (runId: string, taskId: string, approvedBy: string) => {
      const k = { ...key(runId, taskId), by: approvedBy };
      const approved = approve.get(k);
      if (approved !== undefined) journal(k, "approve", {}, approvedBy);
      const row = approved ?? preApprove.get(k);
      if (row === undefined) {
        const expected = ["awaiting_approval", "pending", "running", "waiting"] as const;
        throw taskConflict(runId, taskId, "approve", expected, statusOf.get(runId, taskId)?.status);
      }
      const record = taskFromJson(row);
      append({
        ...k,
        at: k.now,
        kind: "approval",
        actor: approvedBy,
        action: "approve",
        outcome: "ok",
        detail: { status: record.status, beforeAsked: approved === undefined },
      });
      return record;
    }),

    rejectTask: writeTx(db, (runId: string, taskId: string, rejectedBy: string, reason?: string) => {
      const k = key(runId, taskId);
      const error: TaskError = {
        code: "APPROVAL_REJECTED",
        message: `Rejected by ${rejectedBy}${reason === undefined ? "" : `: ${reason}`}`,
        hint: "Fix what the approver objected to, then resume the run to retry the task.",
        resource: taskId,
      };
      orConflict(reject.get({ ...k, error: toJson(error) }), k, "reject");
      journal(k, "reject", {}, rejectedBy);
      append({
        ...k,
        at: k.now,
        kind: "approval",
        actor: rejectedBy,
        action: "reject",
        outcome: "ok",
        detail: reason === undefined ? {} : { reason },
      });
    }),
  };
}
