/**
 * The notifier on its own: a real state file and the engine's event bus; receivers in memory (the wire is
 * covered by test/integration/notify.test.ts). Time is vitest's fake timers: a five-minute wait in no time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createNotifier, type NotifierOptions } from "../../src/cli/notify/notifier.js";
import type { Receiver } from "../../src/cli/notify/receivers.js";
import { type EngineEvent, EventBus } from "../../src/engine/events.js";
import type { Store } from "../../src/state/index.js";
import { newRun, tempStore } from "../state/helpers.js";

const RUN = "run-1";
const MINUTE = 60_000;

interface Sent {
  subject: string;
  text: string;
}

function memoryReceiver(answer: "ok" | "hang" = "ok"): Receiver & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    id: "r1",
    label: "https://hooks.example.com",
    sent,
    send: async (m, signal) => {
      if (answer === "ok") {
        sent.push(m);
        return;
      }
      await new Promise((_resolve, reject) =>
        signal.addEventListener("abort", () => reject(new Error("no answer in time"))),
      );
    },
  };
}

let store: Store;
beforeEach(() => {
  vi.useFakeTimers();
  store = tempStore();
  store.createRun(newRun(RUN));
});
afterEach(() => {
  vi.useRealTimers();
  store.close();
});

function setup(receiver: Receiver, over: Partial<NotifierOptions> = {}) {
  const bus = new EventBus();
  const notices: string[] = [];
  bus.on((e) => {
    if (e.type === "notice") notices.push(e.message);
  });
  const notifier = createNotifier({
    store,
    bus,
    receivers: [receiver],
    longWaitMs: 5 * MINUTE,
    sendTimeoutMs: 5_000,
    drainMs: 5_000,
    queueMax: 100,
    ...over,
  });
  bus.on(notifier.listener);
  const emit = (e: EngineEvent) => bus.emit(e);
  return { emit, notifier, notices };
}

const started = (resumed = false, estimates: Record<string, number> = {}): EngineEvent => ({
  type: "run-started",
  runId: RUN,
  runbook: "night",
  tasks: 3,
  resumed,
  estimates,
});

describe("long waits", () => {
  it("are said once they lasted five minutes, with their deadline; a shorter wait says nothing", async () => {
    const r = memoryReceiver();
    const { emit, notifier } = setup(r);
    emit(started());
    const deadline = Date.now() + 60 * MINUTE;
    emit({ type: "task-waiting", taskId: "t0", what: "snapshot available", deadlineAt: deadline });
    emit({ type: "task-waiting", taskId: "t1", what: "bucket name free", deadlineAt: deadline });
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    emit({ type: "task-status", taskId: "t1", status: "succeeded" });
    await vi.advanceTimersByTimeAsync(4 * MINUTE);
    await notifier.close();
    expect(r.sent.map((m) => m.text)).toEqual([
      `[hikkoshi] night · run ${RUN}: task t0 is waiting for snapshot available; deadline ${new Date(deadline).toISOString()}.\n` +
        `Nothing to do now. Progress: hikkoshi status ${RUN}`,
    ]);
  });

  it("are said at once when the plan expects the task to take longer, and not again for the same wait on resume", async () => {
    const r = memoryReceiver();
    const first = setup(r);
    first.emit(started(false, { t0: 40 * 60 }));
    const deadline = Date.now() + 60 * MINUTE;
    first.emit({ type: "task-waiting", taskId: "t0", what: "copy", deadlineAt: deadline });
    await first.notifier.close();
    expect(r.sent).toHaveLength(1);
    // The next process re-attaches to the same wait (same deadline): nothing new.
    const second = setup(r);
    second.emit(started(true, { t0: 40 * 60 }));
    second.emit({ type: "task-waiting", taskId: "t0", what: "copy", deadlineAt: deadline });
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    await second.notifier.close();
    expect(r.sent).toHaveLength(1);
  });
});

describe("never holding the run", () => {
  it("a receiver that hangs: sends are bounded, the queue is bounded, the end waits a bounded time", async () => {
    const r = memoryReceiver("hang");
    const { emit, notifier, notices } = setup(r, { queueMax: 2, drainMs: 7_000 });
    emit(started());
    for (const t of ["t0", "t1", "t2"]) {
      emit({ type: "task-status", taskId: t, status: "failed", error: { code: "X", message: "m" } });
    }
    expect(notices).toEqual(["notification dropped (2 still being sent to slow receivers): failure of t2"]);
    const closing = notifier.close();
    await vi.advanceTimersByTimeAsync(10_000);
    await closing;
    expect(notices.slice(1)).toEqual([
      "notification to https://hooks.example.com failed (no answer in time): failure of t0; the run goes on",
      "1 notification(s) not sent: the run ended before their receiver answered",
    ]);
    expect(store.listNotifications(RUN).map((n) => [n.taskId, n.state, n.error])).toEqual([
      ["t0", "failed", "no answer in time"],
      ["t1", "failed", "not sent before the process ended"],
      ["t2", "failed", "queue full"],
    ]);
  });

  it("a problem of the notifier itself is a warning, never an exception into the engine", async () => {
    const { emit, notices } = setup(memoryReceiver());
    emit(started());
    store.close();
    expect(() => emit({ type: "task-needs-confirmation", taskId: "t0", summary: "cleanup in source" })).not.toThrow();
    expect(notices).toEqual([expect.stringMatching(/^notifications: /)]);
  });
});
