/** Records and inputs of the run store. JSON columns come back parsed; timestamps are epoch ms. */
import type { Json, JsonObject } from "../core/json.js";

export const TASK_STATUSES = [
  "pending",
  "running",
  "waiting",
  "awaiting_approval",
  "succeeded",
  "failed",
  "skipped",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const RUN_STATES = [
  "running",
  "succeeded",
  "failed",
  "waiting_approval",
  "interrupted",
  "needs_confirmation",
] as const;
export type RunState = (typeof RUN_STATES)[number];

/**
 * The task state machine as data. The SQL guards are generated from this table (see `transitions.ts`),
 * so the table and the database cannot disagree.
 */
export const TASK_TRANSITIONS = {
  start: { from: ["pending"], to: "running" },
  enterWait: { from: ["running"], to: "waiting" },
  leaveWait: { from: ["waiting"], to: "running" },
  requestApproval: { from: ["running"], to: "awaiting_approval" },
  approve: { from: ["awaiting_approval"], to: "pending" },
  reject: { from: ["awaiting_approval"], to: "failed" },
  succeed: { from: ["running"], to: "succeeded" },
  fail: { from: ["running"], to: "failed" },
  skip: { from: ["pending"], to: "skipped" },
  retry: { from: ["failed"], to: "pending" },
  /** The process that drove the task died: back to pending, keeping progress and deadline. */
  recover: { from: ["running", "waiting"], to: "pending" },
} as const satisfies Record<string, { from: readonly TaskStatus[]; to: TaskStatus }>;
export type TaskTransition = keyof typeof TASK_TRANSITIONS;

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return Object.values(TASK_TRANSITIONS).some((t) => t.to === to && (t.from as readonly TaskStatus[]).includes(from));
}

export interface TaskError {
  code: string;
  message: string;
  hint?: string;
  resource?: string;
}

export interface NewTask {
  taskId: string;
  /** Index in the topological order. */
  seq: number;
  stepId: string;
  topStepId: string;
  itemKey?: string | undefined;
  type: string;
  accountAlias: string;
  defHash: string;
  /** The task definition (stored as JSON). */
  defJson: unknown;
}

export interface TaskRecord {
  runId: string;
  taskId: string;
  seq: number;
  stepId: string;
  topStepId: string;
  itemKey: string | undefined;
  type: string;
  accountAlias: string;
  defHash: string;
  defJson: Json;
  status: TaskStatus;
  attempts: number;
  createdAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  deadlineAt: number | undefined;
  waitWhat: string | undefined;
  progress: JsonObject | undefined;
  outputs: Record<string, Json> | undefined;
  error: TaskError | undefined;
  skipReason: string | undefined;
  approvedBy: string | undefined;
  approvedAt: number | undefined;
  updatedAt: number;
}

/**
 * What starting a task tells the engine: the attempt it is on and what an earlier attempt left (its
 * checkpoint and a wait's deadline). Not the whole row: the engine already has the definition.
 */
export type StartedTask = Pick<TaskRecord, "taskId" | "status" | "attempts" | "startedAt" | "deadlineAt" | "progress">;

/** A task as shown to a person (`status`): everything but its definition. */
export type TaskView = Omit<TaskRecord, "defJson">;

/** The tasks of one top-level step in one status, counted by SQL (`status` sums up finished steps). */
export interface StepTally {
  topStepId: string;
  status: TaskStatus;
  tasks: number;
  /** The step's place in the run: its first task's `seq`. */
  firstSeq: number;
  /** The one primitive type of these tasks; undefined when they are of several. */
  type: string | undefined;
  /** Earliest start and latest finish among these tasks. */
  startedAt: number | undefined;
  finishedAt: number | undefined;
}

export type TaskCounts = Record<TaskStatus, number> & { total: number };

export type AttemptOutcome = "succeeded" | "failed" | "interrupted" | "awaiting_approval";

export interface AttemptRecord {
  runId: string;
  taskId: string;
  attempt: number;
  startedAt: number;
  finishedAt: number | undefined;
  outcome: AttemptOutcome | undefined;
  error: TaskError | undefined;
}

export interface LockHolder {
  pid: number;
  host: string;
  heartbeatAt: number;
}

export interface NewRun {
  id: string;
  runbookName: string;
  runbookPath: string;
  runbookHash: string;
  /** The runbook file's exact text, to diff against on resume. */
  runbookText: string;
  params: Record<string, Json>;
  /** OS user@host that started the run. */
  operator: string;
  /** Caller ARN per account alias. Never keys or tokens. */
  identities: Record<string, string>;
  /** e.g. parallelism, plan hash. */
  options: JsonObject;
  tasks: NewTask[];
  /** The read-only plan the run starts from, kept for the live view's estimates and the report. */
  plan?: Json;
  /**
   * One live run per migration: the account ids this run acts on. With them, creation is refused
   * (RUN_UNFINISHED) while another run of the same runbook name and the same account ids is unfinished.
   */
  exclusive?: { accountIds: string[] };
  /** Start over: mark this unfinished run of the same migration abandoned, by `operator`, in the same transaction. */
  abandons?: string;
  /** Defaults to "running". */
  state?: RunState;
}

export interface RunRecord {
  id: string;
  runbookName: string;
  runbookPath: string;
  runbookHash: string;
  runbookText: string;
  params: Record<string, Json>;
  state: RunState;
  operator: string;
  identities: Record<string, string>;
  options: JsonObject;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | undefined;
  lock: LockHolder | undefined;
  /** Set when an operator started the migration over (`run --abandon`): who and when. */
  abandoned?: { by: string; at: number };
}

/** `listRuns` leaves the runbook text out (it can be large) and adds task counts. */
export interface RunSummary extends Omit<RunRecord, "runbookText"> {
  counts: TaskCounts;
}

export const JOURNAL_KINDS = ["aws-call", "task", "run", "approval", "confirmation", "lock", "note"] as const;
export type JournalKind = (typeof JOURNAL_KINDS)[number];
export type JournalOutcome = "pending" | "ok" | "error" | "unknown" | (string & {});

export interface NewJournalEntry {
  runId: string;
  taskId?: string | undefined;
  /** Defaults to the store's clock. */
  at?: number;
  kind: JournalKind;
  /** Operator (user@host) or caller ARN. */
  actor?: string | undefined;
  accountId?: string | undefined;
  action: string;
  resource?: string | undefined;
  outcome: JournalOutcome;
  detail?: JsonObject | undefined;
}

export interface JournalEntry {
  id: number;
  runId: string;
  taskId: string | undefined;
  at: number;
  kind: JournalKind;
  actor: string | undefined;
  accountId: string | undefined;
  action: string;
  resource: string | undefined;
  outcome: JournalOutcome;
  detail: JsonObject | undefined;
}

export interface AcquireLockOptions {
  pid: number;
  host: string;
  /** Random per process; proves ownership on heartbeat and release. */
  token: string;
  now: number;
  /** A holder whose heartbeat is older than this is presumed dead. */
  staleAfterMs: number;
}

export type AcquireLockResult =
  | {
      ok: true;
      /** The lock's generation, one more than the last holder's; every write of this holder is fenced by it. */
      generation: number;
      tookOverFrom?: LockHolder & { reason: "stale" | "dead-pid" };
    }
  | { ok: false; holder: LockHolder };
