/** What the read-only commands need (status, runs, log, approve): the state file, and who is acting. */
import { type Stats, statSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { HikkoshiError } from "../core/errors.js";
import { openStore, type RunRecord, type Store } from "../state/index.js";
import type { CliIO } from "./io.js";

export interface GlobalOptions {
  state?: string;
  endpoint?: string;
}

export function statePath(io: CliIO, opts: GlobalOptions): string {
  return resolve(io.cwd, opts.state ?? io.env.HIKKOSHI_STATE ?? "state/hikkoshi.db");
}

/**
 * Open the state file, or say why it cannot be used: not a file, unreadable, damaged, another program's
 * database, or written by a newer hikkoshi (STATE_FILE_*, exit 8). Such a file is left exactly as it is.
 */
export function openStateStore(io: CliIO, opts: GlobalOptions): Store {
  const path = statePath(io, opts);
  refuseNonFile(path);
  try {
    return openStore(path);
  } catch (err) {
    throw stateFileError(path, err) ?? err;
  }
}

const KEEP_IT =
  "hikkoshi never rewrites a state file it cannot use: restore it from a copy (with its -wal file, if there is one), or point --state (or HIKKOSHI_STATE) at another file";

function refuseNonFile(path: string): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    // A missing file is created; anything else is said by the open that follows.
    return;
  }
  if (st.isFile()) return;
  const dir = st.isDirectory();
  throw new HikkoshiError(
    "STATE_FILE_UNUSABLE",
    `state file ${path} is ${dir ? "a directory" : "not a regular file"}`,
    {
      hint: dir
        ? `point --state at a file, e.g. --state ${join(path, "hikkoshi.db")}`
        : "point --state (or HIKKOSHI_STATE) at a regular file",
    },
  );
}

const FILE_PROBLEMS: Record<string, string> = {
  SQLITE_CANTOPEN: "SQLite cannot open it",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  // mkdir of its directory: a part of the path is a file.
  EEXIST: "a part of its path is a file, not a directory",
  ENOTDIR: "a part of its path is a file, not a directory",
  EISDIR: "it is a directory",
  // mkdir of a level of its directory that cannot exist (under /proc, a vanished parent).
  ENOENT: "its directory cannot be created",
};

/**
 * A failure to use the state file at `path` as an error that names the file and says what to do (exit 8),
 * or undefined when `err` is about something else.
 */
export function stateFileError(path: string, err: unknown): HikkoshiError | undefined {
  const details = { cause: err };
  if (err instanceof HikkoshiError) {
    if (err.code === "STATE_SCHEMA_TOO_NEW")
      return new HikkoshiError(err.code, err.message, {
        ...details,
        hint: "upgrade hikkoshi to use it (this one leaves it as it is), or point --state at another file",
      });
    if (err.code === "STATE_FILE_FOREIGN")
      return new HikkoshiError(err.code, err.message, {
        ...details,
        hint: "point --state (or HIKKOSHI_STATE) at a hikkoshi state file or a new path; hikkoshi adds no tables to another program's database",
      });
    return undefined;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return undefined;
  const said = err instanceof Error ? err.message : String(err);
  if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT"))
    return new HikkoshiError(
      "STATE_FILE_CORRUPT",
      `state file ${path} is damaged or not a SQLite database (SQLite: ${said})`,
      { ...details, hint: KEEP_IT },
    );
  if (code.startsWith("SQLITE_READONLY"))
    return new HikkoshiError("STATE_FILE_UNUSABLE", `state file ${path} is read-only (SQLite: ${said})`, {
      ...details,
      hint: "hikkoshi writes to it and to its -wal and -shm files next to it: make them and the directory writable, or copy the file and point --state at the copy",
    });
  const why = FILE_PROBLEMS[code] ?? (code.startsWith("SQLITE_IOERR") ? `SQLite: ${said}` : undefined);
  if (why !== undefined)
    return new HikkoshiError("STATE_FILE_UNUSABLE", `cannot open state file ${path}: ${why}`, {
      ...details,
      hint: "check that the file and its directory can be read and written (hikkoshi also creates its -wal and -shm files next to it), or point --state at another file",
    });
  return undefined;
}

export function operatorName(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // containers without a passwd entry
  }
  return `${user}@${hostname()}`;
}

export function findRun(store: Store, runId: string | undefined): RunRecord {
  const run = runId ? store.getRun(runId) : store.latestRun();
  if (!run) {
    throw new HikkoshiError(
      "RUN_NOT_FOUND",
      runId ? `no run ${runId} in this state file` : "no runs in this state file yet",
      {
        hint: "`hikkoshi runs` lists runs; `--state PATH` picks another state file",
      },
    );
  }
  return run;
}
