/**
 * `run` / `resume --notify`: a listener on the engine's events that tells the operator what needs them
 * (an approval, a confirmation, a failure, a long wait, the run's end). Exactly once per occurrence: the intent
 * is recorded in the state file before the send and the result after (state/notifications.ts); a resume sends
 * again only what a dying process left in flight, saying so. Sends never hold the run: one queue per receiver,
 * bounded, each send bounded in time, failures said as `notice` warnings; the end of the run waits a bounded
 * time for what is still queued.
 */
import { failpoint } from "../../core/failpoint.js";
import type { EngineEvent, EventBus, EventListener } from "../../engine/events.js";
import type { NotificationIntent, NotificationKey, NotificationKind, Store } from "../../state/index.js";
import {
  approvalMessage,
  confirmationMessage,
  failedMessage,
  type Message,
  type RunRef,
  repeated,
  runEndMessage,
  waitMessage,
} from "./messages.js";
import type { Receiver } from "./receivers.js";

export interface NotifierOptions {
  store: Store;
  bus: EventBus;
  receivers: readonly Receiver[];
  /** A wait is long once it lasted this long, or at once when the plan expects the task to take longer. */
  longWaitMs: number;
  /** One send's bound (a receiver that never answers). */
  sendTimeoutMs: number;
  /** How long the end of the run waits for queued sends. */
  drainMs: number;
  /** Messages queued or in flight at most; more are dropped (said, recorded). */
  queueMax: number;
}

export interface Notifier {
  listener: EventListener;
  /** Wait (bounded) for queued sends, then give up on the rest. Idempotent. */
  close(): Promise<void>;
}

/** After this many failures in a row, a receiver is given up for the rest of the process. */
const GIVE_UP_AFTER = 3;

export function createNotifier(options: NotifierOptions): Notifier {
  const { store, bus, receivers } = options;
  let run: RunRef | undefined;
  let estimates: Record<string, number> = {};
  const waits = new Map<string, NodeJS.Timeout>();
  const outbox = createOutbox(options);

  const warn = (message: string) => bus.emit({ type: "notice", level: "warn", message });

  const notify = (taskId: string, occurrence: number, message: Message) => {
    if (!run) return;
    const intents: NotificationIntent[] = receivers.map((r) => ({
      runId: run!.runId,
      taskId,
      kind: message.kind,
      occurrence,
      receiver: r.id,
      label: r.label,
      subject: message.subject,
      message: message.text,
    }));
    for (const intent of store.notificationIntents(intents)) outbox.enqueue(intent);
  };

  const attemptsOf = (taskId: string) => (run ? (store.getTask(run.runId, taskId)?.attempts ?? 0) : 0);

  const endWait = (taskId: string) => {
    clearTimeout(waits.get(taskId));
    waits.delete(taskId);
  };

  const onWait = (e: Extract<EngineEvent, { type: "task-waiting" }>) => {
    endWait(e.taskId);
    const send = () => {
      waits.delete(e.taskId);
      if (run) notify(e.taskId, e.deadlineAt, waitMessage(run, e.taskId, e.what, e.deadlineAt));
    };
    const expected = (estimates[e.taskId] ?? 0) * 1000;
    if (expected > options.longWaitMs || options.longWaitMs <= 0) return send();
    const timer = setTimeout(() => guarded(send), options.longWaitMs);
    timer.unref();
    waits.set(e.taskId, timer);
  };

  const onRunStarted = (e: Extract<EngineEvent, { type: "run-started" }>) => {
    run = { runbook: e.runbook, runId: e.runId };
    estimates = e.estimates ?? {};
    if (!e.resumed) return;
    // What a dying process was sending: once more, said to be a repeat (it may have arrived).
    const interrupted = store.reclaimInterruptedNotifications(e.runId);
    let orphaned = 0;
    for (const n of interrupted) {
      if (receivers.some((r) => r.id === n.receiver)) outbox.enqueue({ ...n, message: repeated(n.message) });
      else {
        orphaned++;
        store.notificationDone(n, { ok: false, error: "its receiver was not given to this resume (--notify)" });
      }
    }
    if (orphaned > 0)
      warn(`${orphaned} notification(s) interrupted by the last process were for a receiver not given now (--notify)`);
  };

  const onRunFinished = (e: Extract<EngineEvent, { type: "run-finished" }>) => {
    for (const id of [...waits.keys()]) endWait(id);
    if (!run) return;
    const awaiting =
      e.state === "waiting_approval"
        ? store.listTasks(e.runId, { status: ["awaiting_approval"] }).map((t) => ({ id: t.taskId, n: t.attempts }))
        : [];
    // An approval asked for by a process that died before it said so is said now (once, as always).
    for (const t of awaiting) notify(t.id, t.n, approvalMessage(run, t.id, ""));
    const { reason, ...rest } = e;
    const end = {
      ...rest,
      awaitingApproval: awaiting.map((t) => t.id),
      ...(reason ? { reason: { code: reason.code, ...(reason.alias ? { alias: reason.alias } : {}) } } : {}),
    };
    notify("", store.nextRunEndOccurrence(e.runId), runEndMessage(run, end));
  };

  const handle = (e: EngineEvent) => {
    switch (e.type) {
      case "run-started":
        return onRunStarted(e);
      case "task-awaiting-approval":
        if (run) notify(e.taskId, attemptsOf(e.taskId), approvalMessage(run, e.taskId, e.instructions));
        return;
      case "task-needs-confirmation":
        if (run) notify(e.taskId, attemptsOf(e.taskId), confirmationMessage(run, e.taskId, e.summary));
        return;
      case "task-waiting":
        return onWait(e);
      case "task-started":
        return endWait(e.taskId);
      case "task-status":
        endWait(e.taskId);
        if (e.status === "failed" && run) {
          const attempts = attemptsOf(e.taskId);
          notify(e.taskId, attempts, failedMessage(run, e.taskId, e.error?.code ?? "FAILED", attempts));
        }
        return;
      case "run-finished":
        return onRunFinished(e);
      default:
        return;
    }
  };

  // A listener never throws into the engine: a notification problem is a warning, the run goes on.
  const guarded = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      warn(`notifications: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return {
    listener: (e) => {
      if (e.type === "notice" || e.type === "aws-call" || e.type === "task-progress" || e.type === "task-log") return;
      guarded(() => handle(e));
    },
    close: async () => {
      for (const id of [...waits.keys()]) endWait(id);
      await outbox.close();
    },
  };
}

interface Outbox {
  enqueue(intent: NotificationIntent): void;
  close(): Promise<void>;
}

/** One sequential queue per receiver (its messages arrive in order), all of them bounded together. */
function createOutbox(options: NotifierOptions): Outbox {
  const { store, bus } = options;
  const byId = new Map(options.receivers.map((r) => [r.id, r]));
  const chains = new Map<string, Promise<void>>();
  const failures = new Map<string, number>();
  const inFlight = new Set<AbortController>();
  let queued = 0;
  let closed = false;
  /** Given up when the process ended. */
  let unsent = 0;

  const warn = (message: string) => bus.emit({ type: "notice", level: "warn", message });
  const about = (i: NotificationKey) => `${kindWords[i.kind]}${i.taskId ? ` ${i.taskId}` : ""}`;
  const done = (i: NotificationKey, result: { ok: true } | { ok: false; error: string }) => {
    try {
      store.notificationDone(i, result);
    } catch (err) {
      warn(`notifications: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const sendOne = async (intent: NotificationIntent, receiver: Receiver) => {
    if (closed) {
      unsent++;
      return done(intent, { ok: false, error: "not sent before the process ended" });
    }
    if ((failures.get(receiver.id) ?? 0) >= GIVE_UP_AFTER) {
      return done(intent, { ok: false, error: `skipped: ${receiver.label} failed ${GIVE_UP_AFTER} times in a row` });
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.sendTimeoutMs);
    inFlight.add(abort);
    try {
      await receiver.send({ subject: intent.subject, text: intent.message }, abort.signal);
      failpoint("notify:sent", { task: intent.taskId || "run" });
      failures.set(receiver.id, 0);
      done(intent, { ok: true });
    } catch (err) {
      if (closed) {
        unsent++;
        return done(intent, { ok: false, error: "not sent before the process ended" });
      }
      const reason = err instanceof Error ? err.message : String(err);
      const streak = (failures.get(receiver.id) ?? 0) + 1;
      failures.set(receiver.id, streak);
      done(intent, { ok: false, error: reason });
      warn(
        `notification to ${receiver.label} failed (${reason}): ${about(intent)}; the run goes on` +
          (streak === GIVE_UP_AFTER ? `; no more notifications to ${receiver.label} from this process` : ""),
      );
    } finally {
      clearTimeout(timer);
      inFlight.delete(abort);
    }
  };

  return {
    enqueue(intent) {
      const receiver = byId.get(intent.receiver);
      if (!receiver) return;
      if (closed) {
        unsent++;
        return done(intent, { ok: false, error: "not sent before the process ended" });
      }
      if (queued >= options.queueMax) {
        done(intent, { ok: false, error: "queue full" });
        return warn(`notification dropped (${queued} still being sent to slow receivers): ${about(intent)}`);
      }
      queued++;
      const next = (chains.get(receiver.id) ?? Promise.resolve())
        .then(() => sendOne(intent, receiver))
        .finally(() => {
          queued--;
        });
      chains.set(receiver.id, next);
    },
    async close() {
      if (closed) return;
      const all = Promise.all(chains.values()).then(() => {});
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.drainMs);
      });
      await Promise.race([all, bound]);
      clearTimeout(timer);
      closed = true;
      for (const a of inFlight) a.abort();
      await all;
      if (unsent > 0) warn(`${unsent} notification(s) not sent: the run ended before their receiver answered`);
    },
  };
}

const kindWords: Record<NotificationKind, string> = {
  approval: "approval of",
  confirmation: "confirmation of",
  failed: "failure of",
  wait: "long wait of",
  "run-end": "end of the run",
};
