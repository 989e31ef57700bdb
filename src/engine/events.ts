/**
 * Typed events the engine emits. Renderers (listr2, plain lines, NDJSON) only listen; nothing in the
 * engine imports a renderer.
 */
import type { Json } from "../core/json.js";
import type { TaskStatus } from "../state/index.js";
import type { Plan } from "./planner.js";

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
  resource?: string;
}

export type EngineEvent =
  /** The preflight plan the run or resume starts from (the same object `plan --json` prints). */
  | { type: "plan"; plan: Plan }
  | {
      type: "run-started";
      runId: string;
      runbook: string;
      tasks: number;
      resumed: boolean;
      /** Seconds per task id, from the plan the run started from (for the time remaining). */
      estimates?: Record<string, number>;
    }
  | { type: "notice"; level: "info" | "warn"; message: string }
  /** The read-only plan a run starts with, task by task (at most once a second, and when it is complete). */
  | { type: "preflight"; planned: number; total: number }
  | { type: "account-verified"; alias: string; accountId: string; arn: string }
  | { type: "task-started"; taskId: string; attempt: number }
  | { type: "task-progress"; taskId: string; percent?: number; message?: string }
  | { type: "task-waiting"; taskId: string; what: string; deadlineAt: number }
  | { type: "task-log"; taskId: string; level: "info" | "warn"; message: string }
  | { type: "task-status"; taskId: string; status: TaskStatus; outputs?: Record<string, Json>; error?: ErrorInfo }
  | { type: "task-awaiting-approval"; taskId: string; instructions: string }
  | { type: "task-needs-confirmation"; taskId: string; summary: string }
  | { type: "aws-call"; taskId: string; accountId: string; action: string; resource: string; outcome: string }
  | {
      type: "run-finished";
      runId: string;
      state: string;
      counts: Record<string, number>;
      durationMs: number;
      /** Why a run that is not done stopped, when the engine knows (a parked run: credentials expired). */
      reason?: { code: string; alias?: string; message: string; hint: string };
    };

export type EventListener = (event: EngineEvent, at: number) => void;

export class EventBus {
  private readonly listeners: EventListener[] = [];
  constructor(private readonly now: () => number = Date.now) {}
  on(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
  emit(event: EngineEvent): void {
    const at = this.now();
    for (const l of this.listeners) l(event, at);
  }
}
