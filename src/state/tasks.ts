/** Task reads, and the two bulk transitions a resume performs (retry failed, recover in-flight). */
import type { Json } from "../core/json.js";
import type { Db } from "./db.js";
import {
  type AttemptRow,
  addCount,
  attemptFromRow,
  emptyCounts,
  TASK_JSON,
  TASK_ROW_COLUMNS,
  TASK_VIEW_JSON,
  taskFromJson,
  taskViewFromJson,
} from "./rows.js";
import { fromGuard, toStatus, writeTx } from "./sql.js";
import type {
  AttemptRecord,
  StepTally,
  TaskCounts,
  TaskRecord,
  TaskStatus,
  TaskTransition,
  TaskView,
} from "./types.js";

export interface TaskOps {
  /** Every task, or only those in `status`, in seq order, definitions parsed. */
  listTasks(runId: string, filter?: { status?: readonly TaskStatus[] }): TaskRecord[];
  /**
   * The pending tasks in seq order with what they need, one at a time: a scheduler's graph without holding
   * every definition (it reads one with `taskDefinition` when the task is ready).
   */
  pendingNeeds(runId: string): IterableIterator<{ id: string; needs: string[] }>;
  /** One task's definition, without the rest of its row. */
  taskDefinition(runId: string, taskId: string): Json | undefined;
  /** Every task's id and status in seq order: what a scheduler needs of tasks it will not start. */
  taskStatuses(runId: string): { taskId: string; status: TaskStatus }[];
  /** One task's outputs (undefined when it has none), without the rest of its row. */
  taskOutputs(runId: string, taskId: string): Record<string, Json> | undefined;
  getTask(runId: string, taskId: string): TaskRecord | undefined;
  taskCounts(runId: string): TaskCounts;
  /** Tasks counted per top-level step and status, steps in run order: `status` without reading every task. */
  stepTallies(runId: string): StepTally[];
  /**
   * The tasks a person has to look at (running, waiting, awaiting approval, failed), and every task of
   * `steps` (top-level step ids), in seq order. Pending, succeeded and skipped tasks of other steps are
   * left to `stepTallies`.
   */
  tasksToLookAt(runId: string, steps?: readonly string[]): TaskView[];
  /** Every task in seq order, one row at a time (`status --json` of 100,000 tasks without holding them). */
  iterateTasks(runId: string): IterableIterator<TaskView>;
  /** Every task of a run as an array of TASK_ROW_COLUMNS (NULL as null), in seq order: machine output. */
  iterateTaskRows(runId: string): IterableIterator<unknown[]>;
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
  // `+seq`: through tasks_status, then sorted, rather than visiting the whole run in tasks_seq order (the
  // statuses asked for are usually a few tasks of many: the pending ones a resume will start).
  const listIn = db
    .prepare<[string, string], string>(
      `SELECT ${TASK_JSON} FROM tasks WHERE run_id = ? AND status IN (SELECT value FROM json_each(?))
       ORDER BY +seq, task_id`,
    )
    .pluck();
  const pendingNeeds = db.prepare<[string], { id: string; needs: string | null }>(
    `SELECT task_id AS id, json_extract(def_json, '$.needs') AS needs FROM tasks
     WHERE run_id = ? AND status = 'pending' ORDER BY +seq, task_id`,
  );
  const definition = db
    .prepare<[string, string], string>("SELECT def_json FROM tasks WHERE run_id = ? AND task_id = ?")
    .pluck();
  const statuses = db.prepare<[string], { taskId: string; status: TaskStatus }>(
    "SELECT task_id AS taskId, status FROM tasks WHERE run_id = ? ORDER BY seq, task_id",
  );
  const outputsOf = db
    .prepare<[string, string], string | null>("SELECT outputs_json FROM tasks WHERE run_id = ? AND task_id = ?")
    .pluck();
  const get = db
    .prepare<[string, string], string>(`SELECT ${TASK_JSON} FROM tasks WHERE run_id = ? AND task_id = ?`)
    .pluck();
  const counts = db.prepare<[string], { status: TaskStatus; n: number }>(
    "SELECT status, count(*) AS n FROM tasks WHERE run_id = ? GROUP BY status",
  );
  const tallies = db.prepare<
    [string],
    Omit<StepTally, "type" | "startedAt" | "finishedAt"> & {
      type: string;
      types: number;
      startedAt: number | null;
      finishedAt: number | null;
    }
  >(
    `SELECT top_step_id AS topStepId, status, count(*) AS tasks, min(seq) AS firstSeq, min(type) AS type,
       count(DISTINCT type) AS types, min(started_at) AS startedAt, max(finished_at) AS finishedAt
     FROM tasks WHERE run_id = ? GROUP BY top_step_id, status`,
  );
  // Tasks to look at are few: found through tasks_status (run_id, status), then sorted. The others only of
  // the steps asked for, through tasks_steps (migration 4). Neither visits the run's other tasks.
  const toLookAt = db
    .prepare<{ runId: string; steps: string }, string>(
      `SELECT view FROM (
         SELECT seq, task_id, ${TASK_VIEW_JSON} AS view FROM tasks
         WHERE run_id = @runId AND status IN ('running', 'waiting', 'awaiting_approval', 'failed')
         UNION ALL
         SELECT seq, task_id, ${TASK_VIEW_JSON} AS view FROM tasks
         WHERE run_id = @runId AND top_step_id IN (SELECT value FROM json_each(@steps))
           AND status IN ('pending', 'succeeded', 'skipped'))
       ORDER BY seq, task_id`,
    )
    .pluck();
  const views = db
    .prepare<[string], string>(`SELECT ${TASK_VIEW_JSON} FROM tasks WHERE run_id = ? ORDER BY seq, task_id`)
    .pluck();
  const rows = db
    .prepare<[string], unknown[]>(
      `SELECT ${TASK_ROW_COLUMNS.map(([, column]) => column).join(", ")} FROM tasks WHERE run_id = ? ORDER BY seq, task_id`,
    )
    .raw();
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
    listTasks: (runId, filter = {}) =>
      (filter.status ? listIn.all(runId, JSON.stringify(filter.status)) : list.all(runId)).map(taskFromJson),

    pendingNeeds: function* (runId) {
      for (const { id, needs } of pendingNeeds.iterate(runId)) {
        yield { id, needs: needs === null || needs === "[]" ? [] : (JSON.parse(needs) as string[]) };
      }
    },

    taskDefinition: (runId, taskId) => {
      const text = definition.get(runId, taskId);
      return text === undefined ? undefined : (JSON.parse(text) as Json);
    },

    taskStatuses: (runId) => statuses.all(runId),

    taskOutputs: (runId, taskId) => {
      const text = outputsOf.get(runId, taskId);
      return text === undefined || text === null ? undefined : (JSON.parse(text) as Record<string, Json>);
    },

    getTask: (runId, taskId) => {
      const text = get.get(runId, taskId);
      return text === undefined ? undefined : taskFromJson(text);
    },

    taskCounts: (runId) => {
      const result = emptyCounts();
      for (const c of counts.all(runId)) addCount(result, c.status, c.n);
      return result;
    },

    stepTallies: (runId) =>
      tallies
        .all(runId)
        .map(({ types, type, startedAt, finishedAt, ...t }) => ({
          ...t,
          type: types === 1 ? type : undefined,
          startedAt: startedAt ?? undefined,
          finishedAt: finishedAt ?? undefined,
        }))
        .sort((a, b) => a.firstSeq - b.firstSeq),

    tasksToLookAt: (runId, steps = []) =>
      toLookAt.all({ runId, steps: JSON.stringify(steps) }).map((text) => taskViewFromJson(text)),

    iterateTasks: function* (runId) {
      for (const text of views.iterate(runId)) yield taskViewFromJson(text);
    },

    iterateTaskRows: (runId) => rows.iterate(runId),

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
