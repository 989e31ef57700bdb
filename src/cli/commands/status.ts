import { hostname } from "node:os";
import {
  isPidAlive,
  type LockHolder,
  type RunState,
  type StepTally,
  type Store,
  type TaskStatus,
  type TaskView,
} from "../../state/index.js";
import { EXIT } from "../exit-codes.js";
import { formatDuration, formatTime, table } from "../format.js";
import type { CliIO } from "../io.js";
import { runJson, taskRowJsonWriter } from "../render/json-times.js";
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

/**
 * Why an interrupted run stopped when it was parked (credentials that expired and could not be renewed):
 * the last `park` of the run's journal, unless a later drive set it running again.
 */
export function parkedReason(
  store: Pick<Store, "listJournal">,
  runId: string,
  state: RunState,
): { message: string; hint: string } | undefined {
  if (state !== "interrupted") return undefined;
  const entries = store.listJournal(runId, { kinds: ["run"] });
  const last = entries.findLastIndex((e) => e.action === "park");
  if (last < 0) return undefined;
  const resumed = entries
    .slice(last + 1)
    .some((e) => e.action === "state" && (e.detail as { to?: string } | undefined)?.to === "running");
  if (resumed) return undefined;
  const detail = (entries[last]?.detail ?? {}) as { message?: string; hint?: string };
  return { message: detail.message ?? "parked", hint: detail.hint ?? `hikkoshi resume ${runId}` };
}

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
  /** List every task; by default a step whose tasks all succeeded (or were skipped) is one line. */
  all?: boolean;
}

export function statusCommand(io: CliIO, runId: string | undefined, opts: StatusOptions): number {
  const store = openStateStore(io, opts);
  try {
    const run = findRun(store, runId);
    const counts = store.taskCounts(run.id);
    if (opts.json) {
      const { runbookText: _text, ...rest } = run;
      const json = taskRowJsonWriter();
      const tasks = (function* () {
        for (const row of store.iterateTaskRows(run.id)) yield json(row);
      })();
      writeStatusJson(io, { run: runJson(rest), counts }, tasks);
      return EXIT.OK;
    }
    const end = run.finishedAt ?? run.updatedAt;
    io.out(`Run ${run.id}  ${shownState(run).toUpperCase()}  runbook ${run.runbookName} (${run.runbookPath})`);
    io.out(
      `  started ${formatTime(run.createdAt)} by ${run.operator}, ${run.finishedAt ? "took" : "last activity after"} ${formatDuration(end - run.createdAt)}`,
    );
    for (const [alias, arn] of Object.entries(run.identities)) io.out(`  ${alias}: ${arn}`);
    const parked = parkedReason(store, run.id, run.state);
    if (parked) {
      io.out(`  parked: ${parked.message} (nothing failed)`);
      io.out(`  next: ${parked.hint}`);
    }
    io.out(
      `  tasks: ${Object.entries(counts)
        .filter(([k, v]) => k !== "total" && v > 0)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")} (of ${counts.total})`,
    );
    io.out("");
    const rows = [["TASK", "STATUS", "TRIES", "TIME", "DETAIL"]];
    if (opts.all) {
      for (const t of store.iterateTasks(run.id)) rows.push(...taskRows(run.id, t));
      io.out(table(rows));
      return EXIT.OK;
    }
    const steps = stepsOf(store.stepTallies(run.id));
    const single = steps.filter((s) => s.tasks === 1).map((s) => s.topStepId);
    const listed = new Map<string, TaskView[]>();
    for (const t of store.tasksToLookAt(run.id, single)) {
      const those = listed.get(t.topStepId);
      if (those) those.push(t);
      else listed.set(t.topStepId, [t]);
    }
    let counted = 0;
    for (const step of steps) {
      const tasks = listed.get(step.topStepId) ?? [];
      if (step.tasks === 1 && tasks[0]) {
        rows.push(...taskRows(run.id, tasks[0]));
        continue;
      }
      counted += step.tasks - tasks.length;
      rows.push([
        `${step.topStepId}${step.type ? ` (${step.type})` : ""}`,
        `${step.tasks} tasks`,
        "",
        step.startedAt === undefined ? "-" : formatDuration((step.finishedAt ?? Date.now()) - step.startedAt),
        step.byStatus.map(([status, n]) => `${n} ${status}`).join(", "),
      ]);
      for (const t of tasks) rows.push(...taskRows(run.id, t, "  "));
    }
    io.out(table(rows));
    if (counted > 0) {
      io.out("");
      io.out(
        `${counted} succeeded, skipped or pending tasks are counted per step, not listed: \`hikkoshi status ${run.id} --all\` lists every task`,
      );
    }
    return EXIT.OK;
  } finally {
    store.close();
  }
}

/** One task's row (and its hint's), as `status --all` lists every task. */
function taskRows(runId: string, t: TaskView, indent = ""): string[][] {
  const took = t.startedAt ? formatDuration((t.finishedAt ?? Date.now()) - t.startedAt) : "-";
  let detail = "";
  if (t.status === "failed" && t.error) detail = `${t.error.code}: ${t.error.message}`;
  else if (t.status === "waiting") detail = `${t.waitWhat ?? ""} (deadline ${formatTime(t.deadlineAt)})`;
  else if (t.status === "awaiting_approval") detail = `hikkoshi approve ${runId} '${t.taskId}'`;
  else if (t.status === "skipped") detail = t.skipReason ?? "";
  else if (t.outputs) detail = summarizeOutputs(t.outputs);
  const rows = [[`${indent}${t.taskId}`, t.status, String(t.attempts), took, detail]];
  if (t.status === "failed" && t.error?.hint) rows.push(["", "", "", "", `hint: ${t.error.hint}`]);
  return rows;
}

interface StepLine {
  topStepId: string;
  type: string | undefined;
  tasks: number;
  /** Succeeded and skipped tasks. */
  settled: number;
  byStatus: [TaskStatus, number][];
  startedAt: number | undefined;
  /** Set when every task of the step is settled. */
  finishedAt: number | undefined;
}

/** A step's counts read from what is done to what is left. */
const STEP_ORDER: readonly TaskStatus[] = [
  "succeeded",
  "skipped",
  "failed",
  "awaiting_approval",
  "waiting",
  "running",
  "pending",
];

/** The tallies (one per step and status) as one line per step, in run order. */
function stepsOf(tallies: StepTally[]): StepLine[] {
  const steps = new Map<string, StepLine & { firstSeq: number; types: Set<string | undefined> }>();
  for (const t of tallies) {
    let step = steps.get(t.topStepId);
    if (!step) {
      step = {
        topStepId: t.topStepId,
        type: t.type,
        types: new Set(),
        tasks: 0,
        settled: 0,
        byStatus: [],
        firstSeq: t.firstSeq,
        startedAt: undefined,
        finishedAt: undefined,
      };
      steps.set(t.topStepId, step);
    }
    step.types.add(t.type);
    step.tasks += t.tasks;
    if (t.status === "succeeded" || t.status === "skipped") step.settled += t.tasks;
    step.byStatus.push([t.status, t.tasks]);
    step.firstSeq = Math.min(step.firstSeq, t.firstSeq);
    if (t.startedAt !== undefined) step.startedAt = Math.min(step.startedAt ?? t.startedAt, t.startedAt);
    if (t.finishedAt !== undefined) step.finishedAt = Math.max(step.finishedAt ?? t.finishedAt, t.finishedAt);
  }
  return [...steps.values()]
    .sort((a, b) => a.firstSeq - b.firstSeq)
    .map(({ firstSeq: _seq, types, ...step }) => ({
      ...step,
      type: types.size === 1 ? step.type : undefined,
      byStatus: step.byStatus.sort((a, b) => STEP_ORDER.indexOf(a[0]) - STEP_ORDER.indexOf(b[0])),
      finishedAt: step.settled === step.tasks ? step.finishedAt : undefined,
    }));
}

/**
 * `{ run, counts, tasks: [...] }` exactly as `JSON.stringify(…, null, 2)` lays it out, written 500 tasks at a
 * time as they are read: a run of 100,000 tasks is never one array, nor one string.
 */
/**
 * `{ run, counts, tasks }`: the run and counts indented, then one task per line (a run of 100,000 tasks is
 * 40 MB instead of 70 indented, and `grep` finds a task's whole line), written 500 tasks at a time.
 */
function writeStatusJson(io: CliIO, head: { run: unknown; counts: unknown }, tasks: Iterable<string>): void {
  const open = `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "tasks": [`;
  let lines: string[] = [];
  let written = false;
  const flush = (last: boolean) => {
    if (!written) io.out(open);
    io.out(`${lines.join(",\n")}${last ? "" : ","}`);
    written = true;
    lines = [];
  };
  for (const t of tasks) {
    if (lines.length === 500) flush(false);
    lines.push(`    ${t}`);
  }
  if (lines.length > 0) flush(true);
  io.out(written ? "  ]\n}" : `${open}]\n}`);
}

function summarizeOutputs(outputs: Record<string, unknown>): string {
  // An empty list or string says nothing ("deleted=" of a cleanup that only scheduled a key): the next one does.
  const said = (k: string) => {
    const v = outputs[k];
    return v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);
  };
  const preferred = ["snapshotArn", "keyArn", "snapshotId", "approvedBy"];
  const key = preferred.find(said) ?? Object.keys(outputs).find(said);
  const value = key === undefined ? undefined : outputs[key];
  return key === undefined ? "" : `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`;
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
