import { HikkoshiError } from "../../core/errors.js";
import { EXIT } from "../exit-codes.js";
import type { CliIO } from "../io.js";
import { findRun, type GlobalOptions, openStateStore, operatorName } from "../state-file.js";

export function approveCommand(
  io: CliIO,
  runId: string,
  taskId: string,
  opts: GlobalOptions & { reject?: boolean },
): number {
  const store = openStateStore(io, opts);
  try {
    const run = findRun(store, runId);
    const task = store.getTask(run.id, taskId);
    if (!task) {
      const manual = store
        .listTasks(run.id)
        .filter((t) => t.type === "manual")
        .map((t) => t.taskId);
      throw new HikkoshiError("TASK_NOT_FOUND", `run ${run.id} has no task "${taskId}"`, {
        hint: manual.length ? `manual tasks in this run: ${manual.join(", ")}` : "see `hikkoshi status`",
      });
    }
    const who = operatorName();
    if (opts.reject) {
      store.rejectTask(run.id, taskId, who);
      io.out(`${taskId} rejected by ${who}: the task failed. \`hikkoshi resume ${run.id}\` asks again.`);
    } else {
      store.approveTask(run.id, taskId, who);
      io.out(`${taskId} approved by ${who}. Continue with: hikkoshi resume ${run.id}`);
    }
    return EXIT.OK;
  } finally {
    store.close();
  }
}
