/**
 * Plain timestamped lines: for logs, pipes and CI, at the size of a real night (hundreds of tasks, tens of
 * thousands of AWS calls). Every task state change, notice, warning, failure with its hint, approval and
 * confirmation is a line. What happens inside a running task is paced on the engine's clock: its first note
 * at once, then at most one line per task per `everyMs` (later notes, or the AWS calls so far), a wait's
 * percentage once it moved `percentStep` points. AWS calls are counted, not printed: the journal (`hikkoshi
 * log`) has each one. A task that ends before anything was said about it gets one line: its final state,
 * how long it took and what it did. When nothing at all was written for `heartbeatMs`, one line says what
 * is still in progress (CI systems stop jobs that print nothing).
 */
import type { EngineEvent } from "../../engine/events.js";
import { formatDuration, formatTime } from "../format.js";
import { outcomeOf, plural } from "./outcome.js";

export interface PlainPacing {
  /** Least time between two lines about one running task; a task silent this long is said to be running. */
  everyMs: number;
  /** A wait's percentage is written again once it moved this many points. */
  percentStep: number;
  /** A log silent this long gets one line of what is still in progress. */
  heartbeatMs: number;
}

export const PLAIN_PACING: PlainPacing = { everyMs: 30_000, percentStep: 10, heartbeatMs: 300_000 };

interface Running {
  startedAt: number;
  /** When the last line about the task was written; undefined while not even its start was. */
  saidAt: number | undefined;
  /** In a wait (from its line to the task's next note): the calls a poll makes are not news. */
  waiting: boolean;
  /** The latest poll of its wait ("45% creating"), and the percentage last written. */
  poll: string | undefined;
  saidPercent: number | undefined;
  /** Whether the attempt's first note was written; the latest later note not yet written. */
  noted: boolean;
  note: string | undefined;
  /** Notes never written: the first one (for the final line) and how many. */
  unsaidNote: string | undefined;
  unsaidNotes: number;
  calls: number;
  failedCalls: number;
}

export interface PlainView {
  listener: (event: EngineEvent, at: number) => void;
  /**
   * The clock moved without an event (a task reading a large bucket for an hour says nothing): a silent
   * task's start and the log's heartbeat are written from here too. The caller calls it every few seconds.
   */
  tick: (at: number) => void;
}

export function plainRenderer(write: (line: string) => void, pacing: PlainPacing = PLAIN_PACING): PlainView {
  const running = new Map<string, Running>();
  let lastLineAt: number | undefined;
  const line = (at: number, text: string) => {
    lastLineAt = at;
    write(`${formatTime(at)} ${text}`);
  };

  const track = (taskId: string, at: number): Running => {
    let r = running.get(taskId);
    if (!r) {
      r = {
        startedAt: at,
        saidAt: undefined,
        waiting: false,
        poll: undefined,
        saidPercent: undefined,
        noted: false,
        note: undefined,
        unsaidNote: undefined,
        unsaidNotes: 0,
        calls: 0,
        failedCalls: 0,
      };
      running.set(taskId, r);
    }
    return r;
  };

  const quiet = (r: Running, at: number) => at - (r.saidAt ?? r.startedAt);
  const sofar = (r: Running, at: number) =>
    `(${formatDuration(at - r.startedAt)}${r.calls > 0 ? `, ${plural(r.calls, "AWS call")}` : ""} so far)`;

  /** Work inside a task (a note, an AWS call): a line if the task was quiet long enough. */
  const work = (taskId: string, r: Running, at: number) => {
    if (quiet(r, at) < pacing.everyMs) return;
    line(at, `${taskId}: ${r.note ?? "running"} ${sofar(r, at)}`);
    if (r.note !== undefined && --r.unsaidNotes === 0) r.unsaidNote = undefined;
    r.note = undefined;
    r.saidAt = at;
  };

  /** A wait's poll: its percentage once it moved enough (a poll without one is for the heartbeat). */
  const polled = (taskId: string, r: Running, at: number, percent: number | undefined) => {
    if (percent === undefined || quiet(r, at) < pacing.everyMs) return;
    if (r.saidPercent !== undefined && percent - r.saidPercent < pacing.percentStep) return;
    line(at, `${taskId}: ${r.poll} ${sofar(r, at)}`);
    r.saidPercent = percent;
    r.saidAt = at;
  };

  const sweep = (at: number) => {
    for (const [taskId, r] of running)
      if (r.saidAt === undefined && quiet(r, at) >= pacing.everyMs) work(taskId, r, at);
    lastLineAt ??= at;
    if (running.size > 0 && at - lastLineAt >= pacing.heartbeatMs) line(at, heartbeat(running, at));
  };

  const finished = (taskId: string, at: number, e: Extract<EngineEvent, { type: "task-status" }>) => {
    const r = running.get(taskId);
    running.delete(taskId);
    const took = r ? ` in ${formatDuration(at - r.startedAt)}` : "";
    if (e.status === "failed" && e.error) {
      const hint = e.error.hint ? ` (hint: ${e.error.hint})` : "";
      line(at, `${taskId}: FAILED ${e.error.code}: ${e.error.message}${hint}`);
      return;
    }
    if (e.status !== "succeeded") {
      line(at, `${taskId}: ${e.status}`);
      return;
    }
    const what = outcomeOf(e.outputs) ?? notesOf(r);
    const calls =
      r && r.calls > 0 ? `${plural(r.calls, "AWS call")}${r.failedCalls ? ` (${r.failedCalls} failed)` : ""}` : "";
    const details = [what, calls].filter(Boolean).join("; ");
    line(at, `${taskId}: succeeded${took}${details ? ` — ${details}` : ""}`);
  };

  let preflightSaid = false;

  return {
    listener: (event, at) => {
      handle(event, at);
      sweep(at);
    },
    tick: sweep,
  };

  function handle(e: EngineEvent, at: number): void {
    switch (e.type) {
      case "plan":
        return;
      case "run-started":
        line(at, `run ${e.runId} ${e.resumed ? "resumed" : "started"}: ${e.runbook} (${e.tasks} tasks)`);
        return;
      case "notice":
        line(at, `${e.level === "warn" ? "WARNING " : ""}${e.message}`);
        return;
      case "account-verified":
        line(at, `account ${e.alias} = ${e.accountId} (${e.arn})`);
        return;
      case "preflight":
        // Its start and its end; a CI log needs no count in between.
        if (e.planned === e.total) line(at, `preflight: ${e.total} task(s) planned (read-only)`);
        else if (!preflightSaid) line(at, `preflight: planning ${e.total} task(s) (read-only; nothing changes yet)`);
        preflightSaid = true;
        return;
      case "task-started": {
        running.delete(e.taskId);
        const r = track(e.taskId, at);
        // A first attempt is said with its first news (or its end); a retry at once.
        if (e.attempt > 1) {
          line(at, `${e.taskId}: started (attempt ${e.attempt})`);
          r.saidAt = at;
        }
        return;
      }
      case "task-waiting": {
        const r = track(e.taskId, at);
        line(at, `${e.taskId}: waiting for ${e.what} (deadline ${formatTime(e.deadlineAt)})`);
        r.waiting = true;
        r.saidAt = at;
        return;
      }
      case "task-progress": {
        const r = track(e.taskId, at);
        r.poll = `${e.percent === undefined ? "" : `${Math.round(e.percent)}% `}${e.message ?? ""}`.trim();
        polled(e.taskId, r, at, e.percent);
        return;
      }
      case "task-log": {
        const r = track(e.taskId, at);
        // A warning, and the first note of an attempt (what it found: an engine chosen, a resource adopted
        // after a crash), at once; later notes (a copy's waves) are paced like progress.
        if (e.level === "info") r.waiting = false;
        if (e.level === "warn" || !r.noted) {
          line(at, `${e.taskId}: ${e.level === "warn" ? "WARNING " : ""}${e.message}`);
          r.noted ||= e.level === "info";
          r.saidAt = at;
          return;
        }
        r.note = e.message;
        r.unsaidNote ??= e.message;
        r.unsaidNotes++;
        work(e.taskId, r, at);
        return;
      }
      case "aws-call": {
        const r = track(e.taskId, at);
        r.calls++;
        if (e.outcome !== "ok") r.failedCalls++;
        if (!r.waiting) work(e.taskId, r, at);
        return;
      }
      case "task-status":
        finished(e.taskId, at, e);
        return;
      case "task-awaiting-approval":
        running.delete(e.taskId);
        line(at, `${e.taskId}: WAITING FOR APPROVAL\n${indent(e.instructions)}`);
        return;
      case "task-needs-confirmation":
        line(at, `${e.taskId}: destructive (${e.summary}); needs confirmation before it acts`);
        return;
      case "run-finished":
        running.clear();
        line(
          at,
          `run ${e.runId} ${e.state} after ${formatDuration(e.durationMs)}: ${Object.entries(e.counts)
            .filter(([k, v]) => v > 0 && k !== "total")
            .map(([k, v]) => `${v} ${k}`)
            .join(", ")}${e.reason ? `; parked (${e.reason.code}): ${e.reason.hint}` : ""}`,
        );
        return;
    }
  }
}

/** "in progress: bucket.final[a] for 45m (not released yet), db.copy[b] for 40m (45% creating) and 27 more" */
function heartbeat(running: Map<string, Running>, at: number): string {
  const oldest = [...running].sort(([, a], [, b]) => a.startedAt - b.startedAt);
  const shown = oldest
    .slice(0, 3)
    .map(([id, r]) => `${id} for ${formatDuration(at - r.startedAt)}${r.poll ? ` (${r.poll})` : ""}`);
  return `in progress: ${shown.join(", ")}${oldest.length > 3 ? ` and ${oldest.length - 3} more` : ""}`;
}

/** The notes a task made that no line showed: the first, and how many more. */
function notesOf(r: Running | undefined): string | undefined {
  if (!r?.unsaidNote) return undefined;
  return r.unsaidNotes > 1 ? `${r.unsaidNote} (+${r.unsaidNotes - 1} more)` : r.unsaidNote;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    | ${l}`)
    .join("\n");
}
