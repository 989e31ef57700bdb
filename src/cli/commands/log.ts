import { EXIT } from "../exit-codes.js";
import { formatTime, table } from "../format.js";
import type { CliIO } from "../io.js";
import { journalJson } from "../render/json-times.js";
import { findRun, type GlobalOptions, openStateStore } from "../state-file.js";

/** What a reviewer reads the next morning: every AWS change, approval and confirmation, by whom. */
export function logCommand(
  io: CliIO,
  runId: string | undefined,
  opts: GlobalOptions & { json?: boolean; all?: boolean },
): number {
  const store = openStateStore(io, opts);
  try {
    const run = findRun(store, runId);
    const kinds = opts.all ? undefined : (["aws-call", "approval", "confirmation", "lock", "run", "note"] as const);
    const entries = store.listJournal(run.id, kinds ? { kinds: [...kinds] } : {});
    if (opts.json) {
      for (const e of entries) io.out(JSON.stringify(journalJson(e)));
      return EXIT.OK;
    }
    io.out(`Journal of run ${run.id} (${run.runbookName}), started by ${run.operator}`);
    const rows = [["TIME", "TASK", "WHO", "ACCOUNT", "ACTION", "RESOURCE", "OUTCOME"]];
    for (const e of entries) {
      rows.push([
        formatTime(e.at),
        e.taskId ?? "-",
        e.actor ?? "-",
        e.accountId ?? "-",
        e.action,
        e.resource ?? "-",
        e.outcome ?? "-",
      ]);
    }
    io.out(table(rows));
    return EXIT.OK;
  } finally {
    store.close();
  }
}
