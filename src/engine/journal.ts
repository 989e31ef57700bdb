import type { JournalSink } from "../aws/access.js";
import { failpoint } from "../core/failpoint.js";
import type { Store } from "../state/index.js";
import type { EventBus } from "./events.js";

/**
 * Every mutating AWS call of a task: a 'pending' journal row before the call, completed right after.
 * A crash between the two leaves 'pending', which resume turns into 'unknown' and the task re-observes.
 */
export function journalSink(store: Store, runId: string, taskId: string, bus: EventBus): JournalSink {
  const inFlight = new Map<string, { accountId: string; action: string; resource: string }>();
  return {
    before: (call) => {
      const action = `${call.service}:${call.action}`;
      const id = store.journalAppend({
        runId,
        taskId,
        kind: "aws-call",
        actor: call.callerArn,
        accountId: call.accountId,
        action,
        resource: call.resource,
        outcome: "pending",
      });
      const key = String(id);
      inFlight.set(key, { accountId: call.accountId, action, resource: call.resource });
      failpoint("aws:before", { task: taskId, action }); // intent recorded, call not sent
      return key;
    },
    after: (id, outcome) => {
      const call = inFlight.get(id);
      failpoint("aws:after", { task: taskId, action: call?.action }); // AWS acted, the outcome is not recorded yet
      inFlight.delete(id);
      store.journalComplete(
        Number(id),
        outcome.ok ? "ok" : "error",
        outcome.ok ? undefined : { code: outcome.code, message: outcome.message },
      );
      failpoint("aws:recorded", { task: taskId, action: call?.action });
      if (call) bus.emit({ type: "aws-call", taskId, ...call, outcome: outcome.ok ? "ok" : `error ${outcome.code}` });
    },
  };
}
