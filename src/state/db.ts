/** Opening a store file: connection settings and migrations. */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { HikkoshiError } from "../core/errors.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "./migrations.js";

export type Db = Database.Database;

/**
 * `mkdir -p`, one level at a time from the nearest existing ancestor. Node 20's recursive mkdirSync never
 * returns for a path under /proc (it loops on ENOENT); each level made on its own fails with the real
 * error instead (ENOENT, EACCES, ENOTDIR), which the CLI turns into STATE_FILE_UNUSABLE.
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  let current = dir;
  while (!existsSync(current)) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (!statSync(current).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: "ENOTDIR" });
  }
  for (const d of missing) mkdirSync(d);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** `fn()`, again after a short pause while SQLite answers SQLITE_BUSY, for at most `ms`. Synchronous. */
export function whileBusy<T>(fn: () => T, ms: number): T {
  const until = Date.now() + ms;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return fn();
    } catch (err) {
      if ((err as { code?: string }).code !== "SQLITE_BUSY" || Date.now() >= until) throw err;
      Atomics.wait(pause, 0, 0, wait * (0.5 + Math.random()));
    }
  }
}

export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  if (path !== ":memory:") {
    makeDirectories(dirname(path));
    refuseForeign(path);
  }
  const db = new Database(path);
  try {
    // Another process (a second `hikkoshi status`, or a resume racing a dying run) may hold the write
    // lock for a moment; wait for it instead of failing with SQLITE_BUSY.
    db.pragma("busy_timeout = 5000");
    // Switching a new file to WAL needs every other connection out of the way, and SQLite answers BUSY at
    // once there, without the busy handler: two processes opening a fresh state file together (two runs
    // of one migration started at the same instant) would fail. Try again for as long as busy_timeout.
    whileBusy(() => db.pragma("journal_mode = WAL"), 5000);
    // With WAL, NORMAL never corrupts the database: a commit is atomic, and only the last transactions
    // before a power loss (not a process crash) may be rolled back. FULL would fsync on every commit,
    // one per task transition. We accept that trade: a lost transition is replayed safely on resume,
    // because steps are idempotent and AWS calls journaled 'pending' are re-checked.
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Another program's SQLite file is refused before anything writes to it (migrations would add our tables).
 * Read-only; a file that is not SQLite at all fails here with SQLite's own error (SQLITE_NOTADB).
 */
function refuseForeign(path: string): void {
  if (!existsSync(path) || statSync(path).size === 0) return;
  const probe = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = probe
      .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    if (tables.length > 0 && !tables.includes("schema_migrations")) {
      throw new HikkoshiError(
        "STATE_FILE_FOREIGN",
        `${path} is another program's SQLite database (tables: ${tables.slice(0, 5).join(", ")}${tables.length > 5 ? ", …" : ""}), not a hikkoshi state file`,
      );
    }
  } finally {
    probe.close();
  }
}

export function schemaVersion(db: Db): number {
  const row = db.prepare<[], { v: number | null }>("SELECT max(version) AS v FROM schema_migrations").get();
  return row?.v ?? 0;
}

function migrate(db: Db, migrations: readonly Migration[]): void {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  // IMMEDIATE: two processes opening a fresh file at once must not both apply migration 1.
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    const current = schemaVersion(db);
    if (current > known) {
      throw new HikkoshiError(
        "STATE_SCHEMA_TOO_NEW",
        `The run store ${db.name} has schema version ${current}; this hikkoshi knows up to ${known}.`,
        { hint: "A newer hikkoshi wrote this file. Upgrade hikkoshi to open it.", resource: db.name },
      );
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }
  }).immediate();
}

export { LATEST_SCHEMA_VERSION };
