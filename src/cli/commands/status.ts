import { hostname } from "node:os";
import { isPidAlive, type LockHolder, type RunState } from "../../state/index.js";
import { EXIT } from "../exit-codes.js";
import { formatDuration, formatTime, table } from "../format.js";
import type { CliIO } from "../io.js";
import { runJson, taskJson } from "../render/json-times.js";
import { findRun, type GlobalOptions, openStateStore } from "../state-file.js";

/**
 * The state a person should read: a run recorded as running whose driver is gone (no lock, or its pid is
 * dead on this host: a second Ctrl-C, a kill, a closed laptop lid) is shown as interrupted, resumable.
 */
export function shownState(run: {
  state: RunState;
  lock?: LockHolder | undefined;
  abandoned?: { by: string; at: number } | undefined;
}): string {
  if (run.abandoned) return `abandoned (${run.state}; by ${run.abandoned.by} at ${formatTime(run.abandoned.at)})`;
  if (run.state !== "running") return run.state;
  const lock = run.lock;
  if (!lock) return "interrupted (no process drives it)";
  if (lock.host === hostname() && !isPidAlive(lock.pid)) return `interrupted (pid ${lock.pid} is gone)`;
  return run.state;
}

export function statusCommand(io: CliIO, runId: string | undefined, opts: GlobalOptions & { json?: boolean }): number {
  const store = openStateStore(io, opts);
  try {
    const run = findRun(store, runId);
    const tasks = store.listTasks(run.id);
    const counts = store.taskCounts(run.id);
    if (opts.json) {
      const { runbookText: _text, ...rest } = run;
      const json = { run: runJson(rest), counts, tasks: tasks.map(({ defJson: _d, ...t }) => taskJson(t)) };
      io.out(JSON.stringify(json, null, 2));
      return EXIT.OK;
    }
    const end = run.finishedAt ?? run.updatedAt;
    io.out(`Run ${run.id}  ${shownState(run).toUpperCase()}  runbook ${run.runbookName} (${run.runbookPath})`);
    io.out(
      `  started ${formatTime(run.createdAt)} by ${run.operator}, ${run.finishedAt ? "took" : "last activity after"} ${formatDuration(end - run.createdAt)}`,
    );
    for (const [alias, arn] of Object.entries(run.identities)) io.out(`  ${alias}: ${arn}`);
    io.out(
      `  tasks: ${Object.entries(counts)
        .filter(([k, v]) => k !== "total" && v > 0)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")} (of ${counts.total})`,
    );
    io.out("");
    const rows = [["TASK", "STATUS", "TRIES", "TIME", "DETAIL"]];
    for (const t of tasks) {
      const took = t.startedAt ? formatDuration((t.finishedAt ?? Date.now()) - t.startedAt) : "-";
      let detail = "";
      if (t.status === "failed" && t.error) detail = `${t.error.code}: ${t.error.message}`;
      else if (t.status === "waiting") detail = `${t.waitWhat ?? ""} (deadline ${formatTime(t.deadlineAt)})`;
      else if (t.status === "awaiting_approval") detail = `hikkoshi approve ${run.id} '${t.taskId}'`;
      else if (t.status === "skipped") detail = t.skipReason ?? "";
      else if (t.outputs) detail = summarizeOutputs(t.outputs);
      rows.push([t.taskId, t.status, String(t.attempts), took, detail]);
      if (t.status === "failed" && t.error?.hint) rows.push(["", "", "", "", `hint: ${t.error.hint}`]);
    }
    io.out(table(rows));
    return EXIT.OK;
  } finally {
    store.close();
  }
}

function summarizeOutputs(outputs: Record<string, unknown>): string {
  const preferred = ["snapshotArn", "keyArn", "snapshotId", "approvedBy"];
  const key = preferred.find((k) => outputs[k] !== undefined) ?? Object.keys(outputs)[0];
  return key ? `${key}=${String(outputs[key])}` : "";
}

export function runsCommand(io: CliIO, opts: GlobalOptions & { json?: boolean }): number {
  const store = openStateStore(io, opts);
  try {
    const runs = store.listRuns({ limit: 50 });
    if (opts.json) {
      io.out(JSON.stringify(runs.map(runJson), null, 2));
      return EXIT.OK;
    }
    if (runs.length === 0) {
      io.out("no runs yet");
      return EXIT.OK;
    }
    const rows = [["RUN", "STATE", "RUNBOOK", "STARTED", "DURATION", "TASKS", "OPERATOR"]];
    for (const r of runs) {
      const c = r.counts;
      rows.push([
        r.id,
        shownState(r),
        r.runbookName,
        formatTime(r.createdAt),
        formatDuration((r.finishedAt ?? r.updatedAt) - r.createdAt),
        `${c.succeeded + c.skipped}/${c.total}${c.failed ? ` (${c.failed} failed)` : ""}`,
        r.operator,
      ]);
    }
    io.out(table(rows));
    return EXIT.OK;
  } finally {
    store.close();
  }
}
