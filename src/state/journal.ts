/** The journal: an append-only audit trail. Only a pending 'aws-call' row may later get its outcome. */
import { HikkoshiError } from "../core/errors.js";
import type { JsonObject } from "../core/json.js";
import type { Db } from "./db.js";
import { type JournalRow, journalFromRow, toJsonOrNull } from "./rows.js";
import { writeTx } from "./sql.js";
import type { JournalEntry, JournalKind, JournalOutcome, NewJournalEntry } from "./types.js";

export interface JournalOps {
  journalAppend(entry: NewJournalEntry): number;
  journalComplete(id: number, outcome: JournalOutcome, detail?: JsonObject): void;
  listJournal(runId: string, options?: { kinds?: JournalKind[]; limit?: number }): JournalEntry[];
  pendingAwsCalls(runId: string): JournalEntry[];
  markUnknownAwsCalls(runId: string): number;
  /** AWS calls of a run counted by action and outcome (the report's summary; one aggregate query). */
  awsCallCounts(runId: string): Array<{ action: string; outcome: string; n: number }>;
}

/**
 * Append one row inside the caller's transaction (no transaction of its own). Without an actor, the
 * run's operator is recorded.
 */
export type AppendJournal = (entry: NewJournalEntry) => number;

export function journalAppender(db: Db, now: () => number): AppendJournal {
  const insert = db.prepare(
    `INSERT INTO journal (run_id, task_id, at, kind, actor, account_id, action, resource, outcome, detail_json)
     VALUES (@runId, @taskId, @at, @kind, @actor, @accountId, @action, @resource, @outcome, @detail)`,
  );
  // A run's operator never changes: read once per run, not in every insert (a page less per journal row).
  const operatorOf = db.prepare<[string], { operator: string }>("SELECT operator FROM runs WHERE id = ?");
  const operators = new Map<string, string | null>();
  const operator = (runId: string): string | null => {
    let known = operators.get(runId);
    if (known === undefined) {
      known = operatorOf.get(runId)?.operator ?? null;
      if (known !== null) operators.set(runId, known);
    }
    return known;
  };
  return (e) =>
    Number(
      insert.run({
        runId: e.runId,
        taskId: e.taskId ?? null,
        at: e.at ?? now(),
        kind: e.kind,
        actor: e.actor ?? operator(e.runId),
        accountId: e.accountId ?? null,
        action: e.action,
        resource: e.resource ?? null,
        outcome: e.outcome,
        detail: toJsonOrNull(e.detail),
      }).lastInsertRowid,
    );
}

export function journalOps(db: Db, append: AppendJournal): JournalOps {
  const complete = db.prepare(
    `UPDATE journal SET outcome = @outcome, detail_json = CASE WHEN @detail IS NULL THEN detail_json
       ELSE json_patch(coalesce(detail_json, '{}'), @detail) END
     WHERE id = @id AND kind = 'aws-call' AND outcome = 'pending'`,
  );
  const getOne = db.prepare<[number], Pick<JournalRow, "kind" | "outcome">>(
    "SELECT kind, outcome FROM journal WHERE id = ?",
  );
  // Latest `limit` rows (all when -1), returned oldest first; `kinds` is a JSON array or NULL for all.
  const list = db.prepare<{ runId: string; kinds: string | null; limit: number }, JournalRow>(
    `SELECT * FROM (
       SELECT * FROM journal WHERE run_id = @runId
         AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
       ORDER BY id DESC LIMIT @limit
     ) ORDER BY id`,
  );
  const pending = db.prepare<[string], JournalRow>(
    "SELECT * FROM journal WHERE run_id = ? AND kind = 'aws-call' AND outcome = 'pending' ORDER BY id",
  );
  const markUnknown = db.prepare(
    "UPDATE journal SET outcome = 'unknown' WHERE run_id = ? AND kind = 'aws-call' AND outcome = 'pending'",
  );

  const callCounts = db.prepare<[string], { action: string; outcome: string; n: number }>(
    `SELECT action, outcome, count(*) AS n FROM journal WHERE run_id = ? AND kind = 'aws-call'
     GROUP BY action, outcome ORDER BY n DESC`,
  );

  return {
    awsCallCounts: (runId) => callCounts.all(runId),
    journalAppend: writeTx(db, append),
    journalComplete: writeTx(db, (id: number, outcome: JournalOutcome, detail?: JsonObject) => {
      if (outcome === "pending") {
        throw new HikkoshiError("STATE_CONFLICT", `Journal entry ${id} cannot be completed with outcome 'pending'.`);
      }
      if (complete.run({ id, outcome, detail: toJsonOrNull(detail) }).changes === 1) return;
      const row = getOne.get(id);
      throw new HikkoshiError(
        row === undefined ? "STATE_NOT_FOUND" : "STATE_CONFLICT",
        row === undefined
          ? `Journal entry ${id} does not exist.`
          : `Journal entry ${id} cannot be completed: expected a pending aws-call, but it is a ${row.kind} with outcome ${row.outcome}.`,
        { resource: `journal:${id}`, hint: "Only an AWS call recorded as pending gets its outcome, once." },
      );
    }),
    listJournal: (runId, options = {}) =>
      list
        .all({
          runId,
          kinds: options.kinds === undefined ? null : JSON.stringify(options.kinds),
          limit: options.limit ?? -1,
        })
        .map(journalFromRow),
    pendingAwsCalls: (runId) => pending.all(runId).map(journalFromRow),
    markUnknownAwsCalls: writeTx(db, (runId: string) => markUnknown.run(runId).changes),
  };
}
