/**
 * The words of each notification: short, naming the runbook, the run, the task and the command to type next.
 * Pure. Never an error's message (an AWS message may quote a key or a policy): its code only; the task's
 * detail is one `hikkoshi status` away.
 */
import type { NotificationKind } from "../../state/index.js";
import { formatDuration } from "../format.js";

export interface Message {
  kind: NotificationKind;
  /** One line, ASCII, under 100 characters (an SNS Subject). */
  subject: string;
  text: string;
}

export interface RunRef {
  runbook: string;
  runId: string;
}

const MAX_FIELD = 160;

function clip(s: string, max = MAX_FIELD): string {
  const line = s.split("\n")[0]?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A task id as the shell needs it in a command (the status view quotes the same way). */
function quoted(taskId: string): string {
  return `'${taskId.replaceAll("'", "'\\''")}'`;
}

function subject(run: RunRef, what: string): string {
  const ascii = `hikkoshi ${run.runbook}: ${what}`.replace(/[^\x20-\x7e]/g, "?");
  return ascii.length > 99 ? `${ascii.slice(0, 98)}~` : ascii;
}

const head = (run: RunRef) => `[hikkoshi] ${run.runbook} · run ${run.runId}`;

export function approvalMessage(run: RunRef, taskId: string, instructions: string): Message {
  const said = clip(instructions);
  return {
    kind: "approval",
    subject: subject(run, `${clip(taskId, 40)} waits for approval`),
    text: [
      `${head(run)}: manual step ${taskId} waits for approval.${said ? ` ${said}` : ""}`,
      `Next: hikkoshi approve ${run.runId} ${quoted(taskId)} && hikkoshi resume ${run.runId}`,
    ].join("\n"),
  };
}

export function confirmationMessage(run: RunRef, taskId: string, summary: string): Message {
  return {
    kind: "confirmation",
    subject: subject(run, `${clip(taskId, 40)} needs confirmation`),
    text: [
      `${head(run)}: destructive task ${taskId} (${clip(summary, 80)}) needs confirmation; nothing destructive was done.`,
      `Next: review with hikkoshi status ${run.runId}, then hikkoshi resume ${run.runId} --yes`,
    ].join("\n"),
  };
}

export function failedMessage(run: RunRef, taskId: string, code: string, attempts: number): Message {
  return {
    kind: "failed",
    subject: subject(run, `${clip(taskId, 40)} failed`),
    text: [
      `${head(run)}: task ${taskId} failed (${clip(code, 60)}) after ${attempts} attempt${attempts === 1 ? "" : "s"}.`,
      `Next: hikkoshi status ${run.runId} (the error and its hint), fix the cause, then hikkoshi resume ${run.runId}`,
    ].join("\n"),
  };
}

export function waitMessage(run: RunRef, taskId: string, what: string, deadlineAt: number): Message {
  return {
    kind: "wait",
    subject: subject(run, `${clip(taskId, 40)} in a long wait`),
    text: [
      `${head(run)}: task ${taskId} is waiting for ${clip(what, 100)}; deadline ${new Date(deadlineAt).toISOString()}.`,
      `Nothing to do now. Progress: hikkoshi status ${run.runId}`,
    ].join("\n"),
  };
}

export interface RunEnd {
  state: string;
  counts: Record<string, number>;
  durationMs: number;
  /** Tasks waiting for approval (state waiting_approval): the commands name them. */
  awaitingApproval: readonly string[];
  /** A parked run: its code and account alias (never AWS's message). */
  reason?: { code: string; alias?: string };
}

export function runEndMessage(run: RunRef, end: RunEnd): Message {
  const order = ["succeeded", "failed", "awaiting_approval", "running", "waiting", "pending", "skipped"];
  const counts = order
    .filter((s) => (end.counts[s] ?? 0) > 0)
    .map((s) => `${end.counts[s]} ${s.replace("_", " ")}`)
    .join(", ");
  const total = end.counts.total;
  return {
    kind: "run-end",
    subject: subject(run, `run ${end.state.replace("_", " ")}`),
    text: [
      `${head(run)} ${end.state.replace("_", " ")} after ${formatDuration(end.durationMs)}: ${counts || "no tasks"}${total !== undefined ? ` of ${total}` : ""}.`,
      ...(end.reason
        ? [
            `Parked, nothing failed: ${end.reason.code}${end.reason.alias ? ` (credentials of ${end.reason.alias})` : ""}.`,
          ]
        : []),
      `Next: ${end.reason ? "renew the credentials, then " : ""}${nextCommand(run.runId, end)}`,
    ].join("\n"),
  };
}

function nextCommand(runId: string, end: RunEnd): string {
  switch (end.state) {
    case "succeeded":
      return `hikkoshi report ${runId} --out night.html`;
    case "waiting_approval": {
      const shown = end.awaitingApproval.slice(0, 3).map((t) => `hikkoshi approve ${runId} ${quoted(t)}`);
      const more = end.awaitingApproval.length - shown.length;
      const approve = shown.length > 0 ? shown.join("; ") : `hikkoshi status ${runId}`;
      return `${approve}${more > 0 ? ` (+${more} more: hikkoshi status ${runId})` : ""}, then hikkoshi resume ${runId}`;
    }
    case "needs_confirmation":
      return `review with hikkoshi status ${runId}, then hikkoshi resume ${runId} --yes`;
    case "interrupted":
      return `hikkoshi resume ${runId}`;
    default:
      return `hikkoshi status ${runId}, fix the cause, then hikkoshi resume ${runId}`;
  }
}

/** A message whose first send was cut short by a dying process, sent again by the next one. */
export function repeated(text: string): string {
  return `(repeat after a restart) ${text}`;
}
