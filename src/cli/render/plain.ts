/** Plain timestamped lines: for logs, pipes and CI. One line per event that matters to a person. */
import type { EngineEvent } from "../../engine/events.js";
import { formatDuration, formatTime } from "../format.js";

export function plainRenderer(write: (line: string) => void): (event: EngineEvent, at: number) => void {
  const lastPercent = new Map<string, number>();
  return (event, at) => {
    const line = describe(event, lastPercent);
    if (line !== undefined) write(`${formatTime(at)} ${line}`);
  };
}

function describe(e: EngineEvent, lastPercent: Map<string, number>): string | undefined {
  switch (e.type) {
    case "run-started":
      return `run ${e.runId} ${e.resumed ? "resumed" : "started"}: ${e.runbook} (${e.tasks} tasks)`;
    case "notice":
      return `${e.level === "warn" ? "WARNING " : ""}${e.message}`;
    case "account-verified":
      return `account ${e.alias} = ${e.accountId} (${e.arn})`;
    case "task-started":
      return `${e.taskId}: started${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`;
    case "task-progress": {
      // Progress lines only when the percentage moves by 10 or more, to keep logs readable.
      if (e.percent !== undefined) {
        const last = lastPercent.get(e.taskId) ?? -100;
        if (e.percent - last < 10 && e.percent < 100) return undefined;
        lastPercent.set(e.taskId, e.percent);
      }
      return `${e.taskId}: ${e.percent === undefined ? "" : `${Math.round(e.percent)}% `}${e.message ?? ""}`.trimEnd();
    }
    case "task-waiting":
      return `${e.taskId}: waiting for ${e.what} (deadline ${formatTime(e.deadlineAt)})`;
    case "task-log":
      return `${e.taskId}: ${e.level === "warn" ? "WARNING " : ""}${e.message}`;
    case "task-status":
      if (e.status === "failed" && e.error) {
        return `${e.taskId}: FAILED ${e.error.code}: ${e.error.message}${e.error.hint ? ` (hint: ${e.error.hint})` : ""}`;
      }
      return `${e.taskId}: ${e.status}`;
    case "task-awaiting-approval":
      return `${e.taskId}: WAITING FOR APPROVAL\n${indent(e.instructions)}`;
    case "task-needs-confirmation":
      return `${e.taskId}: destructive (${e.summary}); needs confirmation before it acts`;
    case "aws-call":
      return `${e.taskId}: ${e.action} ${e.resource} -> ${e.outcome}`;
    case "run-finished":
      return `run ${e.runId} ${e.state} after ${formatDuration(e.durationMs)}: ${Object.entries(e.counts)
        .filter(([k, v]) => v > 0 && k !== "total")
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")}`;
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    | ${l}`)
    .join("\n");
}
