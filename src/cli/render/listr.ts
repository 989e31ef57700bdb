/**
 * The terminal display: a listr2 tree of steps and their tasks, driven only by engine events.
 * Each listr task is a promise that settles when the engine reports the task's fate; listr2 draws state,
 * elapsed time and progress. The engine knows nothing of this file.
 */
import { Listr, type ListrTaskWrapper } from "listr2";
import type { EngineEvent } from "../../engine/events.js";
import type { Runbook } from "../../runbook/types.js";
import { formatDuration } from "../format.js";

interface Slot {
  settle: (error?: Error) => void;
  wrapper?: ListrTaskWrapper<unknown, any, any>;
  startedAt?: number;
  done: boolean;
}

export interface ListrView {
  listener: (event: EngineEvent, at: number) => void;
  /** Settle whatever is still open and wait for the display to finish drawing. */
  finish: () => Promise<void>;
}

export function listrRenderer(runbook: Runbook, print: (line: string) => void): ListrView {
  // Lines printed while listr2 redraws would be torn; notices are shown once the tree is final.
  const notices: string[] = [];
  const notice = (line: string) => notices.push(line);
  const slots = new Map<string, Slot>();
  const byStep = new Map<string, string[]>();
  for (const t of runbook.tasks) byStep.set(t.topStepId, [...(byStep.get(t.topStepId) ?? []), t.id]);

  const promiseFor = (taskId: string) =>
    new Promise<void>((resolve, reject) => {
      const slot = slots.get(taskId)!;
      slot.settle = (error) => {
        if (slot.done) return;
        slot.done = true;
        if (error) reject(error);
        else resolve();
      };
    });

  for (const t of runbook.tasks) slots.set(t.id, { settle: () => {}, done: false });

  const list = new Listr(
    runbook.steps.map((step) => ({
      title: `${step.id} (${step.type})`,
      task: (_ctx: unknown, stepTask: ListrTaskWrapper<unknown, any, any>) =>
        stepTask.newListr(
          (byStep.get(step.id) ?? []).map((taskId) => ({
            title: `${taskId}: pending`,
            task: (_c: unknown, wrapper: ListrTaskWrapper<unknown, any, any>) => {
              slots.get(taskId)!.wrapper = wrapper;
              return promiseFor(taskId);
            },
          })),
          { concurrent: true, exitOnError: false },
        ),
    })),
    {
      concurrent: true,
      exitOnError: false,
      renderer: "default",
      rendererOptions: { collapseSubtasks: false, showErrorMessage: true },
    },
  );
  const done = list.run().catch(() => undefined);

  const title = (taskId: string, text: string) => {
    const w = slots.get(taskId)?.wrapper;
    if (w) w.title = `${taskId}: ${text}`;
  };

  const listener = (e: EngineEvent, at: number) => {
    switch (e.type) {
      case "task-started": {
        const s = slots.get(e.taskId);
        if (s) s.startedAt = at;
        title(e.taskId, `running${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`);
        break;
      }
      case "task-progress": {
        const s = slots.get(e.taskId);
        const elapsed = s?.startedAt ? ` ${formatDuration(at - s.startedAt)}` : "";
        title(
          e.taskId,
          `${e.percent === undefined ? "" : `${Math.round(e.percent)}% `}${e.message ?? "running"}${elapsed}`,
        );
        break;
      }
      case "task-waiting":
        title(e.taskId, `waiting for ${e.what}`);
        break;
      case "task-awaiting-approval":
        title(e.taskId, "WAITING FOR APPROVAL");
        notice(`${e.taskId} needs approval:\n${e.instructions}`);
        slots.get(e.taskId)?.settle(new Error("waiting for approval"));
        break;
      case "task-needs-confirmation":
        title(e.taskId, "destructive: needs confirmation");
        break;
      case "task-status": {
        const s = slots.get(e.taskId);
        if (!s) break;
        const took = s.startedAt ? ` in ${formatDuration(at - s.startedAt)}` : "";
        if (e.status === "succeeded") {
          title(e.taskId, `done${took}`);
          s.settle();
        } else if (e.status === "skipped") {
          s.wrapper?.skip(`${e.taskId}: skipped`);
          s.settle();
        } else if (e.status === "failed") {
          title(e.taskId, `FAILED ${e.error?.code ?? ""}`);
          s.settle(new Error(`${e.error?.message ?? "failed"}${e.error?.hint ? ` — hint: ${e.error.hint}` : ""}`));
        }
        break;
      }
      case "notice":
        notice(e.message);
        break;
      default:
        break;
    }
  };

  return {
    listener,
    finish: async () => {
      for (const [taskId, s] of slots) {
        if (!s.done) {
          s.wrapper?.skip(`${taskId}: not started`);
          s.settle();
        }
      }
      await done;
      for (const n of notices) print(n);
    },
  };
}
