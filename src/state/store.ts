/** The run store: one SQLite file, all the SQL of hikkoshi behind one typed API. */
import { type Db, openDatabase } from "./db.js";
import { type JournalOps, journalAppender, journalOps } from "./journal.js";
import { isPidAlive, type LockOps, lockOps } from "./lock.js";
import { type NotificationOps, notificationOps } from "./notifications.js";
import { type RunOps, runOps } from "./runs.js";
import { type TaskOps, taskOps } from "./tasks.js";
import { type TransitionOps, transitionOps } from "./transitions.js";

/**
 * Notifications (`NotificationOps`) are not fenced: they record what was said to the operator, never the
 * run's state, and only the driving process sends them.
 */
export interface Store extends RunOps, TaskOps, TransitionOps, JournalOps, LockOps, NotificationOps {
  readonly path: string;
  close(): void;
  /**
   * The same store for the holder of `runId`'s lock (`token`, `generation`): each write below runs in one
   * transaction with a check that the lock is still this holder's, and throws LOCK_LOST — changing nothing —
   * when it is not (a takeover while this process was frozen, a force-unlock). Reads are not fenced.
   */
  fenced(runId: string, token: string, generation: number): Store;
  /**
   * Run `fn` in one IMMEDIATE transaction: the writes it makes through the store it is given commit together
   * (one commit for the transitions of a scheduling turn). Each write keeps its own all-or-nothing (a
   * savepoint), so one that throws changes nothing and the others still commit. Fenced: the lock is checked
   * once, first (a lost one throws LOCK_LOST with nothing written), and `fn` gets the store without a check per
   * write: no other process can take the lock while this transaction holds the write lock.
   */
  batch<T>(fn: (store: Store) => T): T;
}

/** Every write a lock holder makes while driving a run. */
const FENCED_WRITES = [
  "setRunState",
  "updateRunIdentities",
  "addTasks",
  "updatePendingTaskDefinition",
  "retryFailed",
  "recoverInFlight",
  "startTask",
  "enterWait",
  "leaveWait",
  "saveProgress",
  "succeedTask",
  "failTask",
  "skipTask",
  "requestApproval",
  "approveTask",
  "rejectTask",
  "journalAppend",
  "journalComplete",
  "markUnknownAwsCalls",
] as const satisfies ReadonlyArray<keyof Store>;

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
  const batchTx = db.transaction((fn: (s: Store) => unknown) => fn(store));
  const store: Store = {
    path,
    ...runOps(db, now, append),
    ...taskOps(db, now),
    ...transitionOps(db, now, append),
    ...journalOps(db, append),
    ...lockOps(db, now, append, options.isPidAlive ?? isPidAlive),
    ...notificationOps(db, now),
    close: () => {
      if (!db.open) return;
      db.pragma("optimize");
      db.close();
    },
    batch: <T>(fn: (s: Store) => T) => batchTx.immediate(fn) as T,
    fenced: (runId, token, generation) => {
      const fenced: Store = { ...store };
      const fencedBatch = db.transaction((fn: (s: Store) => unknown) => {
        store.assertLock(runId, token, generation);
        return fn(store);
      });
      fenced.batch = <T>(fn: (s: Store) => T) => fencedBatch.immediate(fn) as T;
      const target = fenced as unknown as Record<string, (...args: unknown[]) => unknown>;
      for (const name of FENCED_WRITES) {
        const write = store[name] as (...args: unknown[]) => unknown;
        // Nested in the write's own transaction (a savepoint), so the check and the write commit together.
        const tx = db.transaction((...args: unknown[]) => {
          store.assertLock(runId, token, generation);
          return write(...args);
        });
        target[name] = (...args: unknown[]) => tx.immediate(...args);
      }
      return fenced;
    },
  };
  return store;
}
