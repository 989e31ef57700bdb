/** Runs: creation with all their tasks, reads, state changes, and tasks added or redefined on resume. */
import { HikkoshiError } from "../core/errors.js";
import type { Json } from "../core/json.js";
import type { Db } from "./db.js";
import type { AppendJournal } from "./journal.js";
import { accountIdsOf, addCount, emptyCounts, type RunRow, runFromRow, toJson } from "./rows.js";
import { isUniqueViolation, runNotFound, taskConflict, writeTx } from "./sql.js";
import type { NewRun, NewTask, RunRecord, RunState, RunSummary, TaskStatus } from "./types.js";

export interface RunOps {
  createRun(run: NewRun): RunRecord;
  /** The plan the run was started from (`NewRun.plan`), parsed; undefined for runs made without one. */
  getRunPlan(runId: string): Json | undefined;
  /** Unfinished (not succeeded, not abandoned) runs of this runbook name acting on exactly these account ids. */
  unfinishedRuns(runbookName: string, accountIds: string[]): RunRecord[];
  getRun(id: string): RunRecord | undefined;
  latestRun(): RunRecord | undefined;
  listRuns(options?: { limit?: number }): RunSummary[];
  setRunState(id: string, state: RunState, options?: { finished?: boolean }): void;
  updateRunIdentities(id: string, identities: Record<string, string>): void;
  addTasks(runId: string, tasks: NewTask[]): void;
  updatePendingTaskDefinition(
    runId: string,
    taskId: string,
    def: { defHash: string; defJson: unknown; seq: number },
  ): void;
}

/** Another run of the same migration is not finished: resume it, or start over explicitly. */
export function runUnfinished(other: RunRecord): HikkoshiError {
  const driver = other.lock ? `, driven now by pid ${other.lock.pid} on ${other.lock.host}` : "";
  return new HikkoshiError(
    "RUN_UNFINISHED",
    `run ${other.id} of runbook ${other.runbookName} on the same accounts is ${other.state}${driver} (started ${new Date(other.createdAt).toISOString()} by ${other.operator}); one migration has one live run`,
    {
      resource: other.id,
      hint: `continue it: hikkoshi resume ${other.id}   — or start over, recording that you abandoned it: hikkoshi run <runbook> --abandon ${other.id}`,
    },
  );
}

// Every column but the runbook text, for listings.
const SUMMARY_COLUMNS = `id, runbook_name, runbook_path, runbook_hash, '' AS runbook_text, params_json, state, operator,
  identities_json, options_json, created_at, updated_at, finished_at, lock_pid, lock_host, lock_token, lock_heartbeat_at,
  lock_generation, abandoned_by, abandoned_at`;

export function runOps(db: Db, now: () => number, append: AppendJournal): RunOps {
  const insertRun = db.prepare(
    `INSERT INTO runs (id, runbook_name, runbook_path, runbook_hash, runbook_text, params_json, state, operator,
       identities_json, options_json, created_at, updated_at)
     VALUES (@id, @runbookName, @runbookPath, @runbookHash, @runbookText, @params, @state, @operator,
       @identities, @options, @now, @now)`,
  );
  const insertTask = db.prepare(
    `INSERT INTO tasks (run_id, task_id, seq, step_id, top_step_id, item_key, type, account_alias, def_hash,
       def_json, status, created_at, updated_at)
     VALUES (@runId, @taskId, @seq, @stepId, @topStepId, @itemKey, @type, @accountAlias, @defHash,
       @defJson, 'pending', @now, @now)`,
  );
  const getRun = db.prepare<[string], RunRow>("SELECT * FROM runs WHERE id = ?");
  const latest = db.prepare<[], RunRow>("SELECT * FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1");
  const listRuns = db.prepare<[number], RunRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ?`,
  );
  const countsOf = db.prepare<[number], { run_id: string; status: TaskStatus; n: number }>(
    `SELECT run_id, status, count(*) AS n FROM tasks
     WHERE run_id IN (SELECT id FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ?)
     GROUP BY run_id, status`,
  );
  const setState = db.prepare(
    "UPDATE runs SET state = @state, updated_at = @now, finished_at = @finishedAt WHERE id = @id",
  );
  const setIdentities = db.prepare("UPDATE runs SET identities_json = @identities, updated_at = @now WHERE id = @id");
  const redefine = db.prepare(
    `UPDATE tasks SET def_hash = @defHash, def_json = @defJson, seq = @seq, approved_by = NULL, approved_at = NULL,
       updated_at = @now
     WHERE run_id = @runId AND task_id = @taskId AND status = 'pending' AND attempts = 0`,
  );
  const taskState = db.prepare<[string, string], { status: TaskStatus; attempts: number }>(
    "SELECT status, attempts FROM tasks WHERE run_id = ? AND task_id = ?",
  );
  const insertPlan = db.prepare("INSERT INTO run_plans (run_id, plan_json) VALUES (?, ?)");
  const getPlan = db.prepare<[string], { plan_json: string }>("SELECT plan_json FROM run_plans WHERE run_id = ?");
  const sameRunbook = db.prepare<[string], RunRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM runs WHERE runbook_name = ? AND state <> 'succeeded' AND abandoned_at IS NULL
     ORDER BY created_at DESC, rowid DESC`,
  );
  const markAbandoned = db.prepare(
    "UPDATE runs SET abandoned_by = @by, abandoned_at = @now, updated_at = @now WHERE id = @id AND abandoned_at IS NULL",
  );
  const touchRun = db.prepare("UPDATE runs SET updated_at = ? WHERE id = ?");

  function insertTasks(runId: string, tasks: NewTask[], at: number): void {
    for (const t of tasks) {
      try {
        insertTask.run({
          runId,
          taskId: t.taskId,
          seq: t.seq,
          stepId: t.stepId,
          topStepId: t.topStepId,
          itemKey: t.itemKey ?? null,
          type: t.type,
          accountAlias: t.accountAlias,
          defHash: t.defHash,
          defJson: toJson(t.defJson),
          now: at,
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw new HikkoshiError("STATE_CONFLICT", `Task ${t.taskId} already exists in run ${runId}.`, {
          resource: t.taskId,
          cause: err,
        });
      }
    }
  }

  function requireRun(id: string): RunRow {
    const row = getRun.get(id);
    if (row === undefined) throw runNotFound(id);
    return row;
  }

  function unfinished(runbookName: string, accountIds: string[]): RunRecord[] {
    const key = [...new Set(accountIds)].sort().join(",");
    return sameRunbook
      .all(runbookName)
      .map(runFromRow)
      .filter((r) => accountIdsOf(r.identities).join(",") === key);
  }

  /** Start over: the named run must be an unfinished run of the same migration that no live process drives. */
  function abandon(runId: string, run: NewRun, at: number): void {
    const old = runFromRow(requireRun(runId));
    const sameMigration =
      old.runbookName === run.runbookName &&
      (!run.exclusive || accountIdsOf(old.identities).join(",") === [...run.exclusive.accountIds].sort().join(","));
    if (!sameMigration || old.state === "succeeded" || old.abandoned) {
      throw new HikkoshiError(
        "USAGE",
        `--abandon ${runId}: that run is not an unfinished run of this migration (runbook ${old.runbookName}, ${old.abandoned ? "already abandoned" : old.state})`,
        { hint: "`hikkoshi runs` lists the runs; --abandon names the unfinished run this one replaces" },
      );
    }
    if (old.lock) {
      throw new HikkoshiError(
        "LOCK_HELD",
        `run ${runId} is being driven by pid ${old.lock.pid} on ${old.lock.host}; it cannot be abandoned while it runs`,
        {
          hint: `stop that process first (Ctrl-C), or if it is gone for good: hikkoshi resume ${runId} --force-unlock`,
        },
      );
    }
    markAbandoned.run({ id: runId, by: run.operator, now: at });
    append({
      runId,
      at,
      kind: "run",
      actor: run.operator,
      action: "abandon",
      outcome: "ok",
      detail: { state: old.state, replacedBy: run.id },
    });
  }

  return {
    unfinishedRuns: (runbookName, accountIds) => unfinished(runbookName, accountIds),

    createRun: writeTx(db, (run: NewRun) => {
      const at = now();
      if (run.abandons !== undefined) abandon(run.abandons, run, at);
      if (run.exclusive) {
        const other = unfinished(run.runbookName, run.exclusive.accountIds)[0];
        if (other) throw runUnfinished(other);
      }
      try {
        insertRun.run({
          id: run.id,
          runbookName: run.runbookName,
          runbookPath: run.runbookPath,
          runbookHash: run.runbookHash,
          runbookText: run.runbookText,
          params: toJson(run.params),
          state: run.state ?? "running",
          operator: run.operator,
          identities: toJson(run.identities),
          options: toJson(run.options),
          now: at,
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw new HikkoshiError("STATE_CONFLICT", `Run ${run.id} already exists.`, { resource: run.id, cause: err });
      }
      insertTasks(run.id, run.tasks, at);
      if (run.plan !== undefined) insertPlan.run(run.id, toJson(run.plan));
      append({
        runId: run.id,
        at,
        kind: "run",
        actor: run.operator,
        action: "create",
        outcome: "ok",
        detail: { tasks: run.tasks.length, runbookHash: run.runbookHash },
      });
      return runFromRow(requireRun(run.id));
    }),

    getRunPlan: (runId) => {
      const row = getPlan.get(runId);
      return row === undefined ? undefined : (JSON.parse(row.plan_json) as Json);
    },
    getRun: (id) => {
      const row = getRun.get(id);
      return row === undefined ? undefined : runFromRow(row);
    },

    latestRun: () => {
      const row = latest.get();
      return row === undefined ? undefined : runFromRow(row);
    },

    listRuns: db.transaction((options: { limit?: number } = {}): RunSummary[] => {
      const limit = options.limit ?? -1;
      const summaries = new Map<string, RunSummary>();
      for (const row of listRuns.all(limit)) {
        const { runbookText: _text, ...rest } = runFromRow(row);
        summaries.set(row.id, { ...rest, counts: emptyCounts() });
      }
      for (const c of countsOf.all(limit)) {
        const s = summaries.get(c.run_id);
        if (s !== undefined) addCount(s.counts, c.status, c.n);
      }
      return [...summaries.values()];
    }),

    setRunState: writeTx(db, (id: string, state: RunState, options: { finished?: boolean } = {}) => {
      const at = now();
      const row = requireRun(id);
      setState.run({ id, state, now: at, finishedAt: options.finished === true ? at : null });
      append({
        runId: id,
        at,
        kind: "run",
        actor: row.operator,
        action: "state",
        outcome: "ok",
        detail: { from: row.state, to: state },
      });
    }),

    updateRunIdentities: writeTx(db, (id: string, identities: Record<string, string>) => {
      const at = now();
      const row = requireRun(id);
      setIdentities.run({ id, identities: toJson(identities), now: at });
      // Who acted in each account is part of the audit trail (caller ARNs, never keys).
      const from = JSON.parse(row.identities_json) as Record<string, string>;
      append({ runId: id, at, kind: "run", action: "identities", outcome: "ok", detail: { from, to: identities } });
    }),

    addTasks: writeTx(db, (runId: string, tasks: NewTask[]) => {
      const at = now();
      const row = requireRun(runId);
      insertTasks(runId, tasks, at);
      touchRun.run(at, runId);
      append({
        runId,
        at,
        kind: "run",
        actor: row.operator,
        action: "add-tasks",
        outcome: "ok",
        detail: { tasks: tasks.map((t) => t.taskId) },
      });
    }),

    updatePendingTaskDefinition: writeTx(
      db,
      (runId: string, taskId: string, def: { defHash: string; defJson: unknown; seq: number }) => {
        const at = now();
        const params = { runId, taskId, defHash: def.defHash, defJson: toJson(def.defJson), seq: def.seq, now: at };
        if (redefine.run(params).changes === 1) {
          append({
            runId,
            taskId,
            at,
            kind: "task",
            action: "redefine",
            outcome: "ok",
            detail: { defHash: def.defHash },
          });
          return;
        }
        const current = taskState.get(runId, taskId);
        if (current?.status === "pending") {
          throw new HikkoshiError(
            "STATE_CONFLICT",
            `Cannot redefine task ${taskId}: it is pending but has already been started ${current.attempts} time(s).`,
            { resource: taskId, hint: "A task that has acted in AWS keeps the definition it ran with." },
          );
        }
        throw taskConflict(runId, taskId, "redefine", ["pending"], current?.status);
      },
    ),
  };
}
