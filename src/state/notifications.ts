/**
 * Notifications to the operator (`run --notify`), exactly once per occurrence: the intent is recorded before
 * the send and the result after it, keyed by what the message is about and who receives it (migration 5).
 */
import type { Db } from "./db.js";
import { writeTx } from "./sql.js";

export type NotificationKind = "approval" | "confirmation" | "failed" | "wait" | "run-end";
export type NotificationState = "sending" | "sent" | "failed";

/** What a message is about, and to whom. `taskId` is "" for the run itself. */
export interface NotificationKey {
  runId: string;
  taskId: string;
  kind: NotificationKind;
  /** The task's attempt; a wait's deadline (epoch ms); the run end's number. */
  occurrence: number;
  /** A digest of the webhook URL or topic ARN: never the URL (it is a credential). */
  receiver: string;
}

export interface NotificationIntent extends NotificationKey {
  /** The receiver without its secret part (`https://hooks.example.com`, `sns:arn:…`). */
  label: string;
  /** One line (an SNS Subject). */
  subject: string;
  message: string;
}

export interface NotificationRecord extends NotificationIntent {
  state: NotificationState;
  /** Times a process started sending it: more than 1 after a process died mid-send. */
  sends: number;
  error: string | undefined;
  createdAt: number;
  updatedAt: number;
}

export interface NotificationOps {
  /**
   * Record the intents (one transaction); returns those that are new. An intent already recorded (sent,
   * failed, or in flight when its process died) is not sent again from here.
   */
  notificationIntents(intents: readonly NotificationIntent[]): NotificationIntent[];
  /** The send's result; false when the row is not in flight (already completed). */
  notificationDone(key: NotificationKey, result: { ok: true } | { ok: false; error: string }): boolean;
  /**
   * The run's notifications whose send was interrupted (still 'sending': their process died), claimed for one
   * more send (`sends` + 1). Call while holding the run's lock, before new sends start.
   */
  reclaimInterruptedNotifications(runId: string): NotificationRecord[];
  /** The number of the run's next run-end message (1 for the first end of a run). */
  nextRunEndOccurrence(runId: string): number;
  listNotifications(runId: string): NotificationRecord[];
}

interface NotificationRow {
  run_id: string;
  task_id: string;
  kind: NotificationKind;
  occurrence: number;
  receiver: string;
  label: string;
  subject: string;
  message: string;
  state: NotificationState;
  sends: number;
  error: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(r: NotificationRow): NotificationRecord {
  return {
    runId: r.run_id,
    taskId: r.task_id,
    kind: r.kind,
    occurrence: r.occurrence,
    receiver: r.receiver,
    label: r.label,
    subject: r.subject,
    message: r.message,
    state: r.state,
    sends: r.sends,
    error: r.error ?? undefined,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const KEY =
  "run_id = @runId AND task_id = @taskId AND kind = @kind AND occurrence = @occurrence AND receiver = @receiver";

export function notificationOps(db: Db, now: () => number): NotificationOps {
  const insert = db.prepare(
    `INSERT INTO notifications (run_id, task_id, kind, occurrence, receiver, label, subject, message, state,
       created_at, updated_at)
     VALUES (@runId, @taskId, @kind, @occurrence, @receiver, @label, @subject, @message, 'sending', @now, @now)
     ON CONFLICT DO NOTHING`,
  );
  const done = db.prepare(
    `UPDATE notifications SET state = @state, error = @error, updated_at = @now WHERE ${KEY} AND state = 'sending'`,
  );
  const reclaim = db.prepare<{ runId: string; now: number }, NotificationRow & { seq: number }>(
    `UPDATE notifications SET sends = sends + 1, updated_at = @now WHERE run_id = @runId AND state = 'sending'
     RETURNING rowid AS seq, *`,
  );
  const lastEnd = db
    .prepare<[string], number | null>(
      "SELECT max(occurrence) FROM notifications WHERE run_id = ? AND task_id = '' AND kind = 'run-end'",
    )
    .pluck();
  const list = db.prepare<[string], NotificationRow>("SELECT * FROM notifications WHERE run_id = ? ORDER BY rowid");
  return {
    notificationIntents: writeTx(db, (intents: readonly NotificationIntent[]) => {
      const at = now();
      return intents.filter(
        (i) =>
          insert.run({
            runId: i.runId,
            taskId: i.taskId,
            kind: i.kind,
            occurrence: i.occurrence,
            receiver: i.receiver,
            label: i.label,
            subject: i.subject,
            message: i.message,
            now: at,
          }).changes === 1,
      );
    }),
    notificationDone: writeTx(db, (key: NotificationKey, result: { ok: true } | { ok: false; error: string }) => {
      const row = { ...keyOf(key), state: result.ok ? "sent" : "failed", error: result.ok ? null : result.error };
      return done.run({ ...row, now: now() }).changes === 1;
    }),
    reclaimInterruptedNotifications: writeTx(db, (runId: string) =>
      reclaim
        .all({ runId, now: now() })
        .sort((a, b) => a.seq - b.seq)
        .map(fromRow),
    ),
    nextRunEndOccurrence: (runId) => (lastEnd.get(runId) ?? 0) + 1,
    listNotifications: (runId) => list.all(runId).map(fromRow),
  };
}

function keyOf(k: NotificationKey) {
  return { runId: k.runId, taskId: k.taskId, kind: k.kind, occurrence: k.occurrence, receiver: k.receiver };
}
