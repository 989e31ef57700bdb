/**
 * The run lock: one process drives a run at a time. The holder heartbeats; a holder whose heartbeat is
 * stale, or whose pid is gone on this same host, may be taken over. Whether a pid is alive is asked of
 * the OS outside the SQL (`isPidAlive`) and passed in, so the statements stay pure.
 */
import { HikkoshiError } from "../core/errors.js";
import type { Db } from "./db.js";
import type { AppendJournal } from "./journal.js";
import { lockOf, type RunRow } from "./rows.js";
import { runNotFound, writeTx } from "./sql.js";
import type { AcquireLockOptions, AcquireLockResult, LockHolder } from "./types.js";

export interface LockOps {
  acquireLock(runId: string, options: AcquireLockOptions): AcquireLockResult;
  /** False when the lock is no longer ours (someone took it over). */
  heartbeat(runId: string, token: string, now: number): boolean;
  /** False when the lock was not ours to release. */
  releaseLock(runId: string, token: string): boolean;
  /** Clears any holder; returns who held it. For an operator who knows the holder is gone. */
  forceUnlock(runId: string): LockHolder | undefined;
  /**
   * Throws LOCK_LOST unless the run's lock is still `token` at `generation`. Called inside the transaction of
   * every write a lock holder makes (see `fencedStore`), so a writer that lost the lock changes nothing.
   */
  assertLock(runId: string, token: string, generation: number): void;
}

/** True unless the OS says no such process. EPERM means it exists but belongs to someone else. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

type LockRow = Pick<RunRow, "lock_pid" | "lock_host" | "lock_token" | "lock_heartbeat_at" | "lock_generation">;

/** The holder a fenced write found instead of itself (undefined: nobody holds the lock now). */
export function lockLost(runId: string, holder: LockHolder | undefined, generation: number): HikkoshiError {
  const now = holder
    ? `pid ${holder.pid} on ${holder.host} holds it now (generation ${generation})`
    : "nobody holds it now (released or force-unlocked)";
  return new HikkoshiError(
    "LOCK_LOST",
    `this process lost the lock of run ${runId}: ${now}; it stopped without writing`,
    {
      resource: runId,
      hint: `nothing more was recorded by this process; see \`hikkoshi status ${runId}\`, and resume only if no other process drives the run`,
    },
  );
}

export function lockOps(db: Db, now: () => number, append: AppendJournal, pidAlive = isPidAlive): LockOps {
  const read = db.prepare<[string], LockRow>(
    "SELECT lock_pid, lock_host, lock_token, lock_heartbeat_at, lock_generation FROM runs WHERE id = ?",
  );
  // Guarded on the token we read, so the read-decide-write cannot overwrite a holder we did not see.
  const take = db.prepare(
    `UPDATE runs SET lock_pid = @pid, lock_host = @host, lock_token = @token, lock_heartbeat_at = @now,
       lock_generation = lock_generation + (CASE WHEN lock_token IS @token THEN 0 ELSE 1 END)
     WHERE id = @runId AND lock_token IS @seenToken`,
  );
  // The fence of every write: one indexed row, one comparison in SQL; the holder is read only when it fails.
  const stillHeld = db
    .prepare<[string, string, number], number>(
      "SELECT 1 FROM runs WHERE id = ? AND lock_token = ? AND lock_generation = ?",
    )
    .pluck();
  const beat = db.prepare("UPDATE runs SET lock_heartbeat_at = ? WHERE id = ? AND lock_token = ?");
  const clear = db.prepare(
    `UPDATE runs SET lock_pid = NULL, lock_host = NULL, lock_token = NULL, lock_heartbeat_at = NULL
     WHERE id = @runId AND (@token IS NULL OR lock_token = @token)`,
  );

  function requireLock(runId: string): LockRow {
    const row = read.get(runId);
    if (row === undefined) throw runNotFound(runId);
    return row;
  }

  return {
    acquireLock: writeTx(db, (runId: string, o: AcquireLockOptions): AcquireLockResult => {
      const row = requireLock(runId);
      const holder = lockOf(row);
      const ours = row.lock_token === o.token;
      let reason: "stale" | "dead-pid" | undefined;
      if (holder !== undefined && !ours) {
        if (o.now - holder.heartbeatAt > o.staleAfterMs) reason = "stale";
        else if (holder.host === o.host && !pidAlive(holder.pid)) reason = "dead-pid";
        else return { ok: false, holder };
      }
      take.run({ runId, pid: o.pid, host: o.host, token: o.token, now: o.now, seenToken: row.lock_token });
      const generation = row.lock_generation + (ours ? 0 : 1);
      if (ours) return { ok: true, generation };
      append({
        runId,
        at: o.now,
        kind: "lock",
        actor: `pid ${o.pid}@${o.host}`,
        action: reason === undefined ? "acquire" : "takeover",
        outcome: "ok",
        detail:
          holder === undefined
            ? { pid: o.pid, host: o.host, generation }
            : { pid: o.pid, host: o.host, generation, from: { ...holder, reason: reason ?? null } },
      });
      return holder === undefined || reason === undefined
        ? { ok: true, generation }
        : { ok: true, generation, tookOverFrom: { ...holder, reason } };
    }),

    heartbeat: (runId, token, at) => beat.run(at, runId, token).changes === 1,

    assertLock: (runId, token, generation) => {
      if (stillHeld.get(runId, token, generation) !== undefined) return;
      const row = requireLock(runId);
      if (row.lock_token === token && row.lock_generation === generation) return;
      throw lockLost(runId, lockOf(row), row.lock_generation);
    },

    releaseLock: writeTx(db, (runId: string, token: string) => {
      const holder = lockOf(requireLock(runId));
      if (clear.run({ runId, token }).changes === 0 || holder === undefined) return false;
      append({ runId, kind: "lock", actor: `pid ${holder.pid}@${holder.host}`, action: "release", outcome: "ok" });
      return true;
    }),

    forceUnlock: writeTx(db, (runId: string) => {
      const holder = lockOf(requireLock(runId));
      if (holder === undefined) return undefined;
      clear.run({ runId, token: null });
      append({ runId, at: now(), kind: "lock", action: "force-unlock", outcome: "ok", detail: { ...holder } });
      return holder;
    }),
  };
}
