/** The run store: one SQLite file, all the SQL of hikkoshi behind one typed API. */
import { type Db, openDatabase } from "./db.js";
import { type JournalOps, journalAppender, journalOps } from "./journal.js";
import { isPidAlive, type LockOps, lockOps } from "./lock.js";
import { type RunOps, runOps } from "./runs.js";
import { type TaskOps, taskOps } from "./tasks.js";
import { type TransitionOps, transitionOps } from "./transitions.js";

export interface Store extends RunOps, TaskOps, TransitionOps, JournalOps, LockOps {
  readonly path: string;
  close(): void;
}

export interface StoreOptions {
  /** Clock for the timestamps the store sets itself (epoch ms). Defaults to Date.now. */
  now?: () => number;
  /** How the lock asks whether a same-host holder's pid is alive. Defaults to `process.kill(pid, 0)`. */
  isPidAlive?: (pid: number) => boolean;
}

/**
 * Open (creating it and its directory if needed) the run store at `path` and bring its schema up to
 * date. Throws STATE_SCHEMA_TOO_NEW for a file written by a newer hikkoshi. Statements are prepared once
 * here and reused by every call.
 */
export function openStore(path: string, options: StoreOptions = {}): Store {
  const db: Db = openDatabase(path);
  const now = options.now ?? Date.now;
  const append = journalAppender(db, now);
  return {
    path,
    ...runOps(db, now, append),
    ...taskOps(db, now),
    ...transitionOps(db, now, append),
    ...journalOps(db, append),
    ...lockOps(db, now, append, options.isPidAlive ?? isPidAlive),
    close: () => {
      if (!db.open) return;
      db.pragma("optimize");
      db.close();
    },
  };
}
