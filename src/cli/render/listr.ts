/**
 * The terminal display, built on listr2 and driven only by engine events: a header that is always on
 * screen (done / running / waiting / queued / failed, elapsed, the latest notices), then one row per step
 * of the runbook — a recipe's items collapsed to a bar and a count — under which only the tasks that are
 * running, waiting, failed or need a person are listed, with what they wait for and until when. Pending
 * tasks take no row and do not spin. Titles are redrawn at most ten times a second, however many events
 * arrive: at 500 tasks a redraw per event would flood the terminal. The engine knows nothing of this file.
 */
import { Listr, type ListrTaskWrapper } from "listr2";
import type { EngineEvent } from "../../engine/events.js";
import type { Runbook } from "../../runbook/types.js";
import { formatDuration, formatTime } from "../format.js";
import { remainingMs } from "./remaining.js";

type State = "queued" | "running" | "waiting" | "approval" | "confirm" | "succeeded" | "failed" | "skipped";

interface TaskView {
  id: string;
  step: string;
  state: State;
  text: string;
  startedAt?: number;
  finishedAt?: number;
  percent?: number;
  type: string;
  needs: readonly string[];
}

interface StepRow {
  id: string;
  title: string;
  tasks: TaskView[];
  wrapper?: ListrTaskWrapper<unknown, any, any>;
  settle?: (error?: Error) => void;
  settled: boolean;
}

export interface ListrView {
  listener: (event: EngineEvent, at: number) => void;
  /** Settle whatever is still open and wait for the display to finish drawing. */
  finish: () => Promise<void>;
}

const REDRAW_MS = 100;
const SHOWN_PER_STEP = 6;
const NOTICES_SHOWN = 3;
const ACTIVE: ReadonlySet<State> = new Set(["running", "waiting", "approval", "confirm", "failed"]);
const SETTLED: ReadonlySet<State> = new Set(["succeeded", "failed", "skipped"]);

function bar(done: number, total: number, width = 20): string {
  const full = total === 0 ? width : Math.round((done / total) * width);
  return `${"█".repeat(full)}${"░".repeat(width - full)}`;
}

export function listrRenderer(runbook: Runbook, print: (line: string) => void): ListrView {
  const notices: string[] = [];
  const tasks = new Map<string, TaskView>();
  const rows: StepRow[] = runbook.steps.map((s) => ({
    id: s.id,
    title: `${s.id} (${s.type})`,
    tasks: [],
    settled: false,
  }));
  const rowOf = new Map(rows.map((r) => [r.id, r]));
  for (const t of runbook.tasks) {
    const view: TaskView = { id: t.id, step: t.topStepId, state: "queued", text: "", type: t.type, needs: t.needs };
    tasks.set(t.id, view);
    rowOf.get(t.topStepId)?.tasks.push(view);
  }
  let startedAt: number | undefined;
  let now = 0;
  let estimates: Record<string, number> = {};
  let preflight: { planned: number; total: number } | undefined;
  const left = (): string => {
    const ms = remainingMs(
      [...tasks.values()].map((t) => ({
        id: t.id,
        type: t.type,
        needs: t.needs,
        estimate: estimates[t.id],
        state: SETTLED.has(t.state) && t.state !== "failed" ? "done" : t.state === "queued" ? "queued" : "active",
        startedAt: t.startedAt,
        finishedAt: t.finishedAt,
        percent: t.percent,
      })),
      now,
    );
    return ms === undefined || ms < 1000 ? "" : ` · about ${formatDuration(Math.round(ms / 1000) * 1000)} left`;
  };
  let header: ListrTaskWrapper<unknown, any, any> | undefined;
  let headerDone: (() => void) | undefined;

  const stepTitle = (row: StepRow): string => {
    const count = (s: State) => row.tasks.filter((t) => t.state === s).length;
    const done = row.tasks.filter((t) => SETTLED.has(t.state)).length;
    const extra = [
      count("running") ? `${count("running")} running` : "",
      count("waiting") ? `${count("waiting")} waiting` : "",
      count("failed") ? `${count("failed")} FAILED` : "",
    ].filter(Boolean);
    const lines = [
      `${row.title}  ${row.tasks.length > 1 ? `${bar(done, row.tasks.length)} ` : ""}${done}/${row.tasks.length}${extra.length ? ` · ${extra.join(" · ")}` : ""}`,
    ];
    const active = row.tasks.filter((t) => ACTIVE.has(t.state));
    for (const t of active.slice(0, SHOWN_PER_STEP)) {
      const elapsed = t.startedAt !== undefined && t.state === "running" ? ` ${formatDuration(now - t.startedAt)}` : "";
      lines.push(`    ${t.id}: ${t.text}${elapsed}`);
    }
    if (active.length > SHOWN_PER_STEP) lines.push(`    … and ${active.length - SHOWN_PER_STEP} more`);
    return lines.join("\n");
  };

  const headerTitle = (): string => {
    const all = [...tasks.values()];
    const n = (pred: (t: TaskView) => boolean) => all.filter(pred).length;
    const elapsed = startedAt === undefined ? "" : ` · elapsed ${formatDuration(now - startedAt)}${left()}`;
    if (preflight && preflight.planned < preflight.total) {
      const line = `${runbook.name}: preflight, read-only — planned ${preflight.planned}/${preflight.total} tasks ${bar(preflight.planned, preflight.total)}${elapsed}`;
      return [line, ...notices.slice(-NOTICES_SHOWN).map((m) => `  ${m}`)].join("\n");
    }
    const line = `${runbook.name}: ${n((t) => t.state === "succeeded" || t.state === "skipped")}/${all.length} done · ${n((t) => t.state === "running")} running · ${n((t) => t.state === "waiting")} waiting · ${n((t) => t.state === "queued")} queued · ${n((t) => t.state === "failed")} failed${n((t) => t.state === "approval" || t.state === "confirm") ? ` · ${n((t) => t.state === "approval" || t.state === "confirm")} need a person` : ""}${elapsed}`;
    return [line, ...notices.slice(-NOTICES_SHOWN).map((m) => `  ${m}`)].join("\n");
  };

  let dirty = true;
  let lastTick = 0;
  const redraw = () => {
    // Elapsed times move without events: one refresh a second for them.
    const wall = Date.now();
    if (startedAt !== undefined && wall - lastTick >= 1000) {
      lastTick = wall;
      now = Math.max(now, wall);
      dirty = true;
    }
    if (!dirty) return;
    dirty = false;
    if (header) header.title = headerTitle();
    for (const row of rows) {
      if (row.wrapper && !row.settled) row.wrapper.title = stepTitle(row);
      if (!row.settled && row.tasks.every((t) => SETTLED.has(t.state) || t.state === "approval")) {
        row.settled = true;
        if (row.wrapper) row.wrapper.title = stepTitle(row);
        const failed = row.tasks.filter((t) => t.state === "failed");
        row.settle?.(failed.length ? new Error(failed.map((t) => `${t.id}: ${t.text}`).join("\n")) : undefined);
      }
    }
  };
  const timer = setInterval(redraw, REDRAW_MS);
  timer.unref();

  const list = new Listr(
    [
      {
        title: headerTitle(),
        task: (_ctx: unknown, wrapper: ListrTaskWrapper<unknown, any, any>) => {
          header = wrapper;
          return new Promise<void>((resolve) => {
            headerDone = resolve;
          });
        },
      },
      ...rows.map((row) => ({
        title: stepTitle(row),
        task: (_ctx: unknown, wrapper: ListrTaskWrapper<unknown, any, any>) => {
          row.wrapper = wrapper;
          dirty = true;
          return new Promise<void>((resolve, reject) => {
            row.settle = (error) => (error ? reject(error) : resolve());
            if (row.settled) row.settle();
          });
        },
      })),
    ],
    {
      concurrent: true,
      exitOnError: false,
      renderer: "default",
      // lazy: no spinner ticking every row; the titles above are what changes, at most ten times a second.
      rendererOptions: { collapseSubtasks: false, showErrorMessage: true, lazy: true },
    },
  );
  const done = list.run().catch(() => undefined);

  const set = (taskId: string, state: State, text: string, at: number) => {
    const t = tasks.get(taskId);
    if (!t) return;
    t.state = state;
    t.text = text;
    if (state === "running" && t.startedAt === undefined) t.startedAt = at;
    if (SETTLED.has(state)) t.finishedAt = at;
    dirty = true;
  };

  const listener = (e: EngineEvent, at: number) => {
    now = at;
    startedAt ??= at;
    switch (e.type) {
      case "run-started":
        estimates = e.estimates ?? {};
        break;
      case "preflight":
        preflight = { planned: e.planned, total: e.total };
        dirty = true;
        break;
      case "task-started":
        set(e.taskId, "running", `running${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`, at);
        break;
      case "task-progress": {
        const pct = e.percent === undefined ? "" : `${Math.round(e.percent)}% `;
        const t = tasks.get(e.taskId);
        if (t && e.percent !== undefined) t.percent = e.percent;
        set(e.taskId, t?.state === "waiting" ? "waiting" : "running", `${pct}${e.message ?? "running"}`, at);
        break;
      }
      case "task-waiting":
        set(e.taskId, "waiting", `waiting for ${e.what} (deadline ${formatTime(e.deadlineAt)})`, at);
        break;
      case "task-awaiting-approval":
        set(e.taskId, "approval", "WAITING FOR APPROVAL (hikkoshi approve)", at);
        notices.push(`${e.taskId} needs approval: ${e.instructions.split("\n")[0]}`);
        break;
      case "task-needs-confirmation":
        set(e.taskId, "confirm", "destructive: needs confirmation", at);
        break;
      case "task-status":
        if (e.status === "succeeded") set(e.taskId, "succeeded", "done", at);
        else if (e.status === "skipped") set(e.taskId, "skipped", "skipped", at);
        else if (e.status === "failed") {
          const hint = e.error?.hint ? ` — hint: ${e.error.hint}` : "";
          set(e.taskId, "failed", `FAILED ${e.error?.code ?? ""}: ${e.error?.message ?? ""}${hint}`, at);
        }
        break;
      case "notice":
        // On screen at once (the header keeps the latest); all of them again below the final tree.
        notices.push(`${e.level === "warn" ? "WARNING " : ""}${e.message}`);
        dirty = true;
        break;
      default:
        break;
    }
  };

  return {
    listener,
    finish: async () => {
      // Stopped before they began (an interruption, an approval to wait for): shown as such, not as failed.
      for (const t of tasks.values()) if (t.state === "queued") set(t.id, "skipped", "not started", now);
      dirty = true;
      redraw();
      clearInterval(timer);
      headerDone?.();
      for (const row of rows) if (!row.settled) row.settle?.();
      await done;
      for (const n of notices) print(n);
    },
  };
}
