/** Task reads, and the two bulk transitions a resume performs (retry failed, recover in-flight). */
import type { Db } from "./db.js";
import { type AttemptRow, addCount, attemptFromRow, emptyCounts, TASK_JSON, taskFromJson } from "./rows.js";
import { fromGuard, toStatus, writeTx } from "./sql.js";
import type { AttemptRecord, TaskCounts, TaskRecord, TaskStatus, TaskTransition } from "./types.js";

export interface TaskOps {
  listTasks(runId: string): TaskRecord[];
  getTask(runId: string, taskId: string): TaskRecord | undefined;
  taskCounts(runId: string): TaskCounts;
  listAttempts(runId: string, taskId?: string): AttemptRecord[];
  /** failed → pending for every failed task; returns their ids in seq order. */
  retryFailed(runId: string): string[];
  /** running|waiting → pending for every task, their open attempt marked 'interrupted'; returns their ids. */
  recoverInFlight(runId: string): string[];
}

export function taskOps(db: Db, now: () => number): TaskOps {
  const list = db
    .prepare<[string], string>(`SELECT ${TASK_JSON} FROM tasks WHERE run_id = ? ORDER BY seq, task_id`)
    .pluck();
  const get = db
    .prepare<[string, string], string>(`SELECT ${TASK_JSON} FROM tasks WHERE run_id = ? AND task_id = ?`)
    .pluck();
  const counts = db.prepare<[string], { status: TaskStatus; n: number }>(
    "SELECT status, count(*) AS n FROM tasks WHERE run_id = ? GROUP BY status",
  );
  const attempts = db.prepare<{ runId: string; taskId: string | null }, AttemptRow>(
    `SELECT * FROM attempts WHERE run_id = @runId AND (@taskId IS NULL OR task_id = @taskId)
     ORDER BY task_id, attempt`,
  );

  // A bulk transition journals every task it moves (one INSERT … SELECT, before the UPDATE moves them).
  const journalBulk = (t: TaskTransition) =>
    db.prepare(
      `INSERT INTO journal (run_id, task_id, at, kind, actor, action, outcome, detail_json)
       SELECT run_id, task_id, @now, 'task', (SELECT operator FROM runs WHERE id = @runId), '${t}', 'ok',
         json_object('from', status, 'to', ${toStatus(t)})
       FROM tasks WHERE run_id = @runId AND ${fromGuard(t)} ORDER BY seq`,
    );
  const journalRetry = journalBulk("retry");
  const retry = db.prepare<{ runId: string; now: number }, { task_id: string; seq: number }>(
    `UPDATE tasks SET status = ${toStatus("retry")}, error_json = NULL, finished_at = NULL, deadline_at = NULL,
       wait_what = NULL, updated_at = @now
     WHERE run_id = @runId AND ${fromGuard("retry")} RETURNING task_id, seq`,
  );
  const journalRecover = journalBulk("recover");
  const interruptAttempts = db.prepare(
    `UPDATE attempts SET finished_at = @now, outcome = 'interrupted'
     WHERE run_id = @runId AND finished_at IS NULL
       AND task_id IN (SELECT task_id FROM tasks WHERE run_id = @runId AND ${fromGuard("recover")})`,
  );
  // Progress, deadline and wait text stay: the next attempt resumes the checkpoint and keeps the deadline.
  const recover = db.prepare<{ runId: string; now: number }, { task_id: string; seq: number }>(
    `UPDATE tasks SET status = ${toStatus("recover")}, updated_at = @now
     WHERE run_id = @runId AND ${fromGuard("recover")} RETURNING task_id, seq`,
  );

  const idsInSeqOrder = (rows: { task_id: string; seq: number }[]): string[] =>
    rows.sort((a, b) => a.seq - b.seq).map((r) => r.task_id);

  return {
    listTasks: (runId) => list.all(runId).map(taskFromJson),

    getTask: (runId, taskId) => {
      const text = get.get(runId, taskId);
      return text === undefined ? undefined : taskFromJson(text);
    },

    taskCounts: (runId) => {
      const result = emptyCounts();
      for (const c of counts.all(runId)) addCount(result, c.status, c.n);
      return result;
    },

    listAttempts: (runId, taskId) => attempts.all({ runId, taskId: taskId ?? null }).map(attemptFromRow),

    retryFailed: writeTx(db, (runId: string) => {
      const params = { runId, now: now() };
      journalRetry.run(params);
      return idsInSeqOrder(retry.all(params));
    }),

    recoverInFlight: writeTx(db, (runId: string) => {
      const params = { runId, now: now() };
      journalRecover.run(params);
      interruptAttempts.run(params);
      return idsInSeqOrder(recover.all(params));
    }),
  };
}
