/**
 * Numbered, append-only schema migrations. Never edit a released entry: add a new one. `db.ts` applies
 * the missing ones in one transaction on open and records each in `schema_migrations`.
 *
 * No table has a column for credentials: identities are caller ARNs, the lock token is a random
 * ownership proof, and journal details carry what an AWS call acted on, never how it authenticated.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "runs, tasks, attempts, journal",
    sql: `
CREATE TABLE runs (
  id                TEXT PRIMARY KEY,
  runbook_name      TEXT NOT NULL,
  runbook_path      TEXT NOT NULL,
  runbook_hash      TEXT NOT NULL,
  runbook_text      TEXT NOT NULL,
  params_json       TEXT NOT NULL,
  state             TEXT NOT NULL CHECK (state IN
                      ('running','succeeded','failed','waiting_approval','interrupted','needs_confirmation')),
  operator          TEXT NOT NULL,
  identities_json   TEXT NOT NULL,
  options_json      TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  finished_at       INTEGER,
  lock_pid          INTEGER,
  lock_host         TEXT,
  lock_token        TEXT,
  lock_heartbeat_at INTEGER,
  -- a lock is all four columns or none
  CHECK ((lock_token IS NULL) = (lock_pid IS NULL)
     AND (lock_token IS NULL) = (lock_host IS NULL)
     AND (lock_token IS NULL) = (lock_heartbeat_at IS NULL))
);
CREATE INDEX runs_created ON runs (created_at);

CREATE TABLE tasks (
  run_id        TEXT NOT NULL REFERENCES runs (id),
  task_id       TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  step_id       TEXT NOT NULL,
  top_step_id   TEXT NOT NULL,
  item_key      TEXT,
  type          TEXT NOT NULL,
  account_alias TEXT NOT NULL,
  def_hash      TEXT NOT NULL,
  def_json      TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN
                  ('pending','running','waiting','awaiting_approval','succeeded','failed','skipped')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  started_at    INTEGER,
  finished_at   INTEGER,
  deadline_at   INTEGER,
  wait_what     TEXT,
  progress_json TEXT,
  outputs_json  TEXT,
  error_json    TEXT,
  skip_reason   TEXT,
  approved_by   TEXT,
  approved_at   INTEGER,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (run_id, task_id)
);
CREATE INDEX tasks_status ON tasks (run_id, status);
CREATE INDEX tasks_seq ON tasks (run_id, seq);

CREATE TABLE attempts (
  run_id      TEXT NOT NULL,
  task_id     TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  outcome     TEXT,
  error_json  TEXT,
  PRIMARY KEY (run_id, task_id, attempt),
  FOREIGN KEY (run_id, task_id) REFERENCES tasks (run_id, task_id)
);
-- recoverInFlight closes every open attempt of a run in one statement
CREATE INDEX attempts_open ON attempts (run_id) WHERE finished_at IS NULL;

CREATE TABLE journal (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id      TEXT NOT NULL REFERENCES runs (id),
  task_id     TEXT,
  at          INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('aws-call','task','run','approval','confirmation','lock','note')),
  actor       TEXT,
  account_id  TEXT,
  action      TEXT NOT NULL,
  resource    TEXT,
  outcome     TEXT NOT NULL,
  detail_json TEXT
);
CREATE INDEX journal_run ON journal (run_id, kind, id);
CREATE INDEX journal_pending_calls ON journal (run_id) WHERE kind = 'aws-call' AND outcome = 'pending';

-- The journal is an audit trail: append-only, except that an in-flight AWS call gets its outcome once.
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only');
END;
CREATE TRIGGER journal_complete_only BEFORE UPDATE ON journal
WHEN OLD.kind <> 'aws-call' OR OLD.outcome <> 'pending'
  OR NEW.id IS NOT OLD.id OR NEW.run_id IS NOT OLD.run_id OR NEW.task_id IS NOT OLD.task_id
  OR NEW.at IS NOT OLD.at OR NEW.kind IS NOT OLD.kind OR NEW.actor IS NOT OLD.actor
  OR NEW.account_id IS NOT OLD.account_id OR NEW.action IS NOT OLD.action OR NEW.resource IS NOT OLD.resource
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only: only a pending aws-call may be completed');
END;
`,
  },
  {
    version: 2,
    name: "the plan a run was started from",
    sql: `
-- The read-only plan the run's preflight made (tiers, per-resource grouping, estimates), for the live
-- view's time remaining and the morning report. Written once with the run; never updated.
CREATE TABLE run_plans (
  run_id    TEXT PRIMARY KEY REFERENCES runs (id),
  plan_json TEXT NOT NULL
);
`,
  },
  {
    version: 3,
    name: "lock generations and abandoned runs",
    sql: `
-- Fencing: every acquisition or takeover of a run's lock gets the next generation. A process writes only
-- while the run's lock is still its own token and generation (checked in the same transaction as the write).
ALTER TABLE runs ADD COLUMN lock_generation INTEGER NOT NULL DEFAULT 0;
-- One live run per migration: starting over marks the unfinished run abandoned, by whom and when.
ALTER TABLE runs ADD COLUMN abandoned_by TEXT;
ALTER TABLE runs ADD COLUMN abandoned_at INTEGER;
CREATE INDEX runs_by_runbook ON runs (runbook_name, state);
`,
  },
  {
    version: 4,
    name: "tasks by top-level step",
    sql: `
-- \`status\` counts a run's tasks per top-level step and status from this index alone (covering: no task row
-- is read), and finds the tasks of a few named steps without visiting the others.
CREATE INDEX tasks_steps ON tasks (run_id, top_step_id, status, seq, type, started_at, finished_at);
`,
  },
  {
    version: 5,
    name: "notifications sent to the operator",
    sql: `
-- \`run --notify\`: one row per message and receiver, written before the send (state 'sending') and completed
-- after it ('sent' / 'failed'). The key is what the message is about, so a message is sent once per
-- occurrence across a crash and resume; a row still 'sending' when its process died may be sent again.
-- \`occurrence\`: the task's attempt (approval, confirmation, failure), a wait's deadline (kept across resumes:
-- the same wait), the run end's number. \`receiver\` is a digest of the webhook URL or topic (a webhook URL
-- is a credential: never stored); \`label\` says which one without its secret part.
CREATE TABLE notifications (
  run_id      TEXT NOT NULL REFERENCES runs (id),
  task_id     TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('approval','confirmation','failed','wait','run-end')),
  occurrence  INTEGER NOT NULL,
  receiver    TEXT NOT NULL,
  label       TEXT NOT NULL,
  subject     TEXT NOT NULL,
  message     TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('sending','sent','failed')),
  sends       INTEGER NOT NULL DEFAULT 1,
  error       TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (run_id, task_id, kind, occurrence, receiver)
);
`,
  },
  {
    version: 6,
    name: "fewer pages per task transition",
    sql: `
-- Each task transition commits one transaction; its cost is the pages it dirties. This migration removes
-- three of them without changing what is stored:
--  * journal ids without AUTOINCREMENT (no sqlite_sequence page per row): the journal is append-only (its
--    triggers refuse DELETE), so the largest id is never removed and max(id) + 1 never reuses an id;
--  * attempts WITHOUT ROWID: the row lives in its primary key, one b-tree instead of a table and an index;
--  * attempts_open is dropped: no query uses it (recoverInFlight reaches open attempts through the primary
--    key of the tasks it recovers).
-- Rows keep their ids; the tables are rebuilt in the migration's transaction.
CREATE TABLE journal_v6 (
  id          INTEGER PRIMARY KEY,
  run_id      TEXT NOT NULL REFERENCES runs (id),
  task_id     TEXT,
  at          INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('aws-call','task','run','approval','confirmation','lock','note')),
  actor       TEXT,
  account_id  TEXT,
  action      TEXT NOT NULL,
  resource    TEXT,
  outcome     TEXT NOT NULL,
  detail_json TEXT
);
INSERT INTO journal_v6 (id, run_id, task_id, at, kind, actor, account_id, action, resource, outcome, detail_json)
  SELECT id, run_id, task_id, at, kind, actor, account_id, action, resource, outcome, detail_json FROM journal ORDER BY id;
DROP TABLE journal;
ALTER TABLE journal_v6 RENAME TO journal;
CREATE INDEX journal_run ON journal (run_id, kind, id);
CREATE INDEX journal_pending_calls ON journal (run_id) WHERE kind = 'aws-call' AND outcome = 'pending';
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only');
END;
CREATE TRIGGER journal_complete_only BEFORE UPDATE ON journal
WHEN OLD.kind <> 'aws-call' OR OLD.outcome <> 'pending'
  OR NEW.id IS NOT OLD.id OR NEW.run_id IS NOT OLD.run_id OR NEW.task_id IS NOT OLD.task_id
  OR NEW.at IS NOT OLD.at OR NEW.kind IS NOT OLD.kind OR NEW.actor IS NOT OLD.actor
  OR NEW.account_id IS NOT OLD.account_id OR NEW.action IS NOT OLD.action OR NEW.resource IS NOT OLD.resource
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only: only a pending aws-call may be completed');
END;

CREATE TABLE attempts_v6 (
  run_id      TEXT NOT NULL,
  task_id     TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  outcome     TEXT,
  error_json  TEXT,
  PRIMARY KEY (run_id, task_id, attempt),
  FOREIGN KEY (run_id, task_id) REFERENCES tasks (run_id, task_id)
) WITHOUT ROWID;
INSERT INTO attempts_v6 SELECT run_id, task_id, attempt, started_at, finished_at, outcome, error_json FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_v6 RENAME TO attempts;
`,
  },
];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
