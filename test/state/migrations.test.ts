import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { HikkoshiError } from "../../src/core/errors.js";
import { openDatabase } from "../../src/state/db.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openStore } from "../../src/state/index.js";
import { newRun, tempDir, tempStore } from "./helpers.js";

function raw(path: string): Database.Database {
  return new Database(path);
}

describe("migrations", () => {
  it("are numbered 1, 2, 3… with names", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    for (const m of MIGRATIONS) expect(m.name.length).toBeGreaterThan(0);
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("creates the parent directory, applies every migration once, and is idempotent on reopen", () => {
    const path = join(tempDir(), "a", "b", "runs.db");
    openStore(path).close();
    expect(existsSync(path)).toBe(true);
    const first = raw(path).prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all();
    expect(first).toHaveLength(MIGRATIONS.length);

    const again = openStore(path);
    again.createRun(newRun());
    again.close();
    const db = raw(path);
    expect(db.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all()).toEqual(first);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("refuses a database written by a newer hikkoshi, without touching it", () => {
    const path = join(tempDir(), "runs.db");
    openStore(path).close();
    const db = raw(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
      LATEST_SCHEMA_VERSION + 1,
      "from the future",
      1,
    );
    db.close();

    let error: unknown;
    try {
      openStore(path);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HikkoshiError);
    expect((error as HikkoshiError).code).toBe("STATE_SCHEMA_TOO_NEW");
    expect((error as HikkoshiError).message).toContain(`version ${LATEST_SCHEMA_VERSION + 1}`);
    expect((error as HikkoshiError).hint).toMatch(/upgrade/i);
    const after = raw(path);
    expect(after.prepare("SELECT max(version) AS v FROM schema_migrations").get()).toEqual({
      v: LATEST_SCHEMA_VERSION + 1,
    });
    after.close();
  });

  it("upgrades a version-1 file in place: its runs stay, and a new run keeps its plan", () => {
    const path = join(tempDir(), "runs.db");
    const v1 = openDatabase(path, MIGRATIONS.slice(0, 1));
    v1.prepare(
      `INSERT INTO runs (id, runbook_name, runbook_path, runbook_hash, runbook_text, params_json, state, operator,
         identities_json, options_json, created_at, updated_at) VALUES ('old', 'rb', '/rb.yaml', 'h', '', '{}',
         'succeeded', 'ops', '{}', '{}', 1, 2)`,
    ).run();
    v1.close();
    const store = openStore(path);
    expect(store.getRun("old")?.state).toBe("succeeded");
    expect(store.getRunPlan("old")).toBeUndefined();
    const plan = { format: "hikkoshi-plan/1", tasks: [{ id: "t0", danger: "source" }] };
    const next = store.createRun({ ...newRun(), id: "run-with-plan", plan });
    expect(store.getRunPlan(next.id)).toEqual(plan);
    store.close();
  });

  it("upgrades a version-4 file in place to fewer pages per transition: ids, attempts and journal rules kept", () => {
    const path = join(tempDir(), "runs.db");
    const v4 = openDatabase(path, MIGRATIONS.slice(0, 4));
    v4.exec(
      `INSERT INTO runs (id, runbook_name, runbook_path, runbook_hash, runbook_text, params_json, state, operator,
         identities_json, options_json, created_at, updated_at) VALUES ('old', 'rb', '/rb.yaml', 'h', '', '{}',
         'running', 'ops', '{}', '{}', 1, 2);
       INSERT INTO tasks (run_id, task_id, seq, step_id, top_step_id, type, account_alias, def_hash, def_json, status,
         attempts, created_at, updated_at) VALUES
         ('old', 'a', 0, 'a', 'a', 'noop', 'source', 'h', '{"id":"a"}', 'succeeded', 1, 1, 2),
         ('old', 'b', 1, 'b', 'b', 'noop', 'source', 'h', '{"id":"b"}', 'running', 2, 1, 2);
       INSERT INTO attempts (run_id, task_id, attempt, started_at, finished_at, outcome) VALUES
         ('old', 'a', 1, 1, 2, 'succeeded'), ('old', 'b', 1, 1, 2, 'interrupted'), ('old', 'b', 2, 3, NULL, NULL);
       INSERT INTO journal (id, run_id, at, kind, action, outcome) VALUES (7, 'old', 1, 'note', 'x', 'ok');
       INSERT INTO journal (id, run_id, at, kind, action, outcome) VALUES (41, 'old', 2, 'aws-call', 'y', 'pending');`,
    );
    v4.close();
    const store = openStore(path);
    const db = raw(path);
    const sql = (name: string) =>
      db.prepare<[string], string>("SELECT sql FROM sqlite_master WHERE name = ?").pluck().get(name) ?? "";
    expect(sql("journal")).not.toMatch(/AUTOINCREMENT/i);
    expect(sql("attempts")).toMatch(/WITHOUT ROWID/i);
    expect(sql("attempts_open")).toBe("");
    expect(sql("journal_run")).toMatch(/journal \(run_id, kind, id\)/);
    expect(sql("journal_pending_calls")).not.toBe("");
    expect(db.prepare("SELECT name FROM sqlite_sequence WHERE name = 'journal'").all()).toEqual([]);

    expect(store.listJournal("old").map((j) => j.id)).toEqual([7, 41]);
    expect(store.journalAppend({ runId: "old", kind: "note", action: "z", outcome: "ok" })).toBe(42);
    expect(() => db.prepare("DELETE FROM journal WHERE id = 7").run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE journal SET action = 'w' WHERE id = 7").run()).toThrow(/append-only/);
    store.journalComplete(41, "ok");
    expect(store.listAttempts("old").map((a) => [a.taskId, a.attempt, a.outcome])).toEqual([
      ["a", 1, "succeeded"],
      ["b", 1, "interrupted"],
      ["b", 2, undefined],
    ]);
    expect(store.recoverInFlight("old")).toEqual(["b"]);
    expect(store.listAttempts("old", "b").map((a) => a.outcome)).toEqual(["interrupted", "interrupted"]);
    expect(store.startTask("old", "b").attempts).toBe(3);
    expect(db.pragma("foreign_key_check")).toEqual([]);
    db.close();
    store.close();
  });

  it("enforces foreign keys", () => {
    const store = tempStore();
    expect(() => store.journalAppend({ runId: "no-such-run", kind: "note", action: "x", outcome: "ok" })).toThrow(
      /FOREIGN KEY/,
    );
  });

  it("has no column that could hold a credential", () => {
    const store = tempStore();
    const db = raw(store.path);
    const columns = db
      .prepare(
        `SELECT m.name AS tbl, p.name AS col FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`,
      )
      .all() as { tbl: string; col: string }[];
    db.close();
    expect(columns.length).toBeGreaterThan(40);
    const suspicious = columns.filter((c) =>
      /secret|password|credential|access_key|session_token|api_key/i.test(c.col),
    );
    expect(suspicious).toEqual([]);
  });
});
