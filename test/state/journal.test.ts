import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { newRun, tempStore } from "./helpers.js";

const RUN = "run-1";

function setup() {
  const store = tempStore(undefined, { now: () => 5_000 });
  store.createRun(newRun(RUN));
  return store;
}

const call = {
  runId: RUN,
  taskId: "t0",
  kind: "aws-call" as const,
  actor: "arn:aws:sts::111111111111:assumed-role/x/alice",
  accountId: "111111111111",
  action: "rds:CopyDBSnapshot",
  resource: "arn:aws:rds:eu-west-1:111111111111:snapshot:hk-1",
  outcome: "pending",
  detail: { region: "eu-west-1" },
};

describe("journal", () => {
  it("an AWS call goes pending → ok once, keeping its intent detail", () => {
    const store = setup();
    const id = store.journalAppend(call);
    expect(store.pendingAwsCalls(RUN).map((j) => j.id)).toEqual([id]);
    store.journalComplete(id, "ok", { requestId: "r-1" });
    const [entry] = store.listJournal(RUN, { kinds: ["aws-call"] });
    expect(entry).toEqual({ ...call, id, at: 5_000, outcome: "ok", detail: { region: "eu-west-1", requestId: "r-1" } });
    expect(store.pendingAwsCalls(RUN)).toEqual([]);

    expect(() => store.journalComplete(id, "error")).toThrow(
      expect.objectContaining({ code: "STATE_CONFLICT", message: expect.stringContaining("outcome ok") }),
    );
    expect(() => store.journalComplete(id, "pending")).toThrow(expect.objectContaining({ code: "STATE_CONFLICT" }));
    expect(() => store.journalComplete(99_999, "ok")).toThrow(expect.objectContaining({ code: "STATE_NOT_FOUND" }));
  });

  it("only aws-call rows can be completed", () => {
    const store = setup();
    const id = store.journalAppend({ runId: RUN, kind: "note", action: "hello", outcome: "pending" });
    expect(() => store.journalComplete(id, "ok")).toThrow(expect.objectContaining({ code: "STATE_CONFLICT" }));
  });

  it("calls in flight at a crash are marked unknown on resume", () => {
    const store = setup();
    const a = store.journalAppend(call);
    const b = store.journalAppend({ ...call, action: "rds:ModifyDBSnapshotAttribute" });
    store.journalComplete(a, "ok");
    expect(store.pendingAwsCalls(RUN).map((j) => j.id)).toEqual([b]);
    expect(store.markUnknownAwsCalls(RUN)).toBe(1);
    expect(store.listJournal(RUN, { kinds: ["aws-call"] }).map((j) => j.outcome)).toEqual(["ok", "unknown"]);
    expect(store.markUnknownAwsCalls(RUN)).toBe(0);
  });

  it("lists the latest rows, oldest first, filtered by kind; actor defaults to the operator", () => {
    const store = setup();
    for (let i = 0; i < 5; i++) store.journalAppend({ runId: RUN, kind: "note", action: `n${i}`, outcome: "ok" });
    store.journalAppend({ runId: RUN, kind: "confirmation", actor: "bob", action: "confirmed", outcome: "ok" });
    expect(store.listJournal(RUN, { kinds: ["note"], limit: 2 }).map((j) => j.action)).toEqual(["n3", "n4"]);
    expect(store.listJournal(RUN, { kinds: ["note", "confirmation"], limit: 2 }).map((j) => j.actor)).toEqual([
      "alice@laptop",
      "bob",
    ]);
    expect(store.listJournal(RUN).map((j) => j.kind)).toEqual([
      "run",
      "note",
      "note",
      "note",
      "note",
      "note",
      "confirmation",
    ]);
  });

  it("the database itself refuses to rewrite or delete history", () => {
    const store = setup();
    const id = store.journalAppend(call);
    const db = new Database(store.path);
    try {
      expect(() => db.prepare("DELETE FROM journal WHERE id = ?").run(id)).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE journal SET resource = 'other' WHERE id = ?").run(id)).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE journal SET outcome = 'ok' WHERE kind = 'run'").run()).toThrow(/append-only/);
      db.prepare("UPDATE journal SET outcome = 'error' WHERE id = ?").run(id);
      expect(() => db.prepare("UPDATE journal SET outcome = 'ok' WHERE id = ?").run(id)).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });
});
