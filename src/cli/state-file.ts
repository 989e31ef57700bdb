/** What the read-only commands need (status, runs, log, approve): the state file, and who is acting. */
import { hostname, userInfo } from "node:os";
import { resolve } from "node:path";
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

export function openStateStore(io: CliIO, opts: GlobalOptions): Store {
  return openStore(statePath(io, opts));
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
