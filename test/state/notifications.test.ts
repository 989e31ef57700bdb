import { describe, expect, it } from "vitest";
import type { NotificationIntent } from "../../src/state/index.js";
import { newRun, tempStore } from "./helpers.js";

const RUN = "run-1";

function setup() {
  let now = 1_000;
  const store = tempStore(undefined, { now: () => now++ });
  store.createRun(newRun(RUN));
  return store;
}

const intent = (over: Partial<NotificationIntent> = {}): NotificationIntent => ({
  runId: RUN,
  taskId: "t0",
  kind: "approval",
  occurrence: 1,
  receiver: "abc123",
  label: "https://hooks.example.com",
  subject: "hikkoshi x: t0 waits for approval",
  message: "t0 waits",
  ...over,
});

describe("notifications (migration 5)", () => {
  it("records an intent once per run, task, kind, occurrence and receiver", () => {
    const store = setup();
    const a = intent();
    const b = intent({ receiver: "def456" });
    expect(store.notificationIntents([a, b])).toEqual([a, b]);
    // The same occurrence again (a resume that sees the same approval): nothing new.
    expect(store.notificationIntents([a, intent({ occurrence: 2 })])).toEqual([intent({ occurrence: 2 })]);
    expect(store.listNotifications(RUN).map((n) => [n.receiver, n.occurrence, n.state, n.sends])).toEqual([
      ["abc123", 1, "sending", 1],
      ["def456", 1, "sending", 1],
      ["abc123", 2, "sending", 1],
    ]);
  });

  it("completes a send once; a completed one is not reclaimed", () => {
    const store = setup();
    const [a] = store.notificationIntents([intent()]);
    expect(store.notificationDone(a!, { ok: true })).toBe(true);
    expect(store.notificationDone(a!, { ok: false, error: "late" })).toBe(false);
    const [b] = store.notificationIntents([intent({ kind: "failed" })]);
    store.notificationDone(b!, { ok: false, error: "HTTP 500" });
    expect(store.reclaimInterruptedNotifications(RUN)).toEqual([]);
    expect(store.listNotifications(RUN).map((n) => [n.kind, n.state, n.error])).toEqual([
      ["approval", "sent", undefined],
      ["failed", "failed", "HTTP 500"],
    ]);
  });

  it("hands a dead process's in-flight sends to the next one, in the order they were recorded, counting the send", () => {
    const store = setup();
    store.notificationIntents([intent({ kind: "wait", occurrence: 99 }), intent({ kind: "run-end", taskId: "" })]);
    const reclaimed = store.reclaimInterruptedNotifications(RUN);
    expect(reclaimed.map((n) => [n.kind, n.sends, n.state])).toEqual([
      ["wait", 2, "sending"],
      ["run-end", 2, "sending"],
    ]);
    expect(reclaimed[0]?.subject).toBe("hikkoshi x: t0 waits for approval");
  });

  it("numbers the run's ends", () => {
    const store = setup();
    expect(store.nextRunEndOccurrence(RUN)).toBe(1);
    store.notificationIntents([intent({ kind: "run-end", taskId: "", occurrence: 1 })]);
    store.notificationIntents([intent({ kind: "run-end", taskId: "", occurrence: 2, receiver: "other" })]);
    expect(store.nextRunEndOccurrence(RUN)).toBe(3);
  });
});
