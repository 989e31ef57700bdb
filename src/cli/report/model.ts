/**
 * The morning report's content, built from what the run store recorded (pure: rows in, plain data out).
 * The HTML and markdown renderers only lay this out. Times are epoch ms.
 *
 * Sources: the tasks (status, outputs, errors), their attempts (retries, interruptions), the journal's
 * task transitions (when each task worked, waited, or waited for a person), approvals and confirmations
 * (who and when), AWS calls counted by action, and the plan the run started from (danger tiers, the
 * per-resource grouping). A run made before plans were kept still reports: tiers are then "unknown".
 */
import type { Json } from "../../core/json.js";
import type { AttemptRecord, JournalEntry, RunRecord, TaskCounts, TaskRecord } from "../../state/index.js";
import type { DangerTier } from "../../steps/define.js";
import { type Family, familyOf } from "../../steps/families.js";

export const REPORT_FORMAT = "hikkoshi-report/1";

export interface ReportPlanTask {
  id: string;
  resource: string;
  family: Family;
  summary: string;
  destructive: boolean;
  danger?: DangerTier;
}

export interface ReportInput {
  run: Omit<RunRecord, "runbookText">;
  counts: TaskCounts;
  tasks: TaskRecord[];
  attempts: AttemptRecord[];
  /** Journal rows of kinds task, approval, confirmation, run, lock, note (no AWS calls), oldest first. */
  journal: JournalEntry[];
  awsCalls: Array<{ action: string; outcome: string; n: number }>;
  /** The plan the run started from, when it was kept. */
  plan?: { tasks: ReportPlanTask[] } | undefined;
  now: number;
}

export type SegmentKind = "work" | "wait" | "person";

export interface Segment {
  from: number;
  to: number;
  kind: SegmentKind;
  what?: string;
}

export interface TimelineTask {
  id: string;
  type: string;
  status: string;
  attempts: number;
  segments: Segment[];
}

export interface TimelineRow {
  resource: string;
  family: Family;
  tasks: TimelineTask[];
}

export interface BucketRow {
  resource: string;
  bucket: string;
  versions: number | undefined;
  bytes: number | undefined;
  deleteMarkers: number | undefined;
  /** One entry per copy, in order (to the temporary bucket, back to the name). */
  copies: Array<{
    task: string;
    engine: string;
    destination: string;
    versions: number;
    bytes: number;
    markers: number;
  }>;
  verifies: Array<{ task: string; result: "passed" | "failed" | "not run"; depth?: string; detail?: string }>;
  status: string;
}

export interface ResourceRow {
  resource: string;
  family: Family;
  item: string;
  sourceSnapshot: string | undefined;
  result: string | undefined;
  sizeGb: number | undefined;
  tasks: number;
  succeeded: number;
  failed: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  status: string;
}

export type ReportTier = DangerTier | "unknown";

export interface DeletionRow {
  task: string;
  resource: string;
  tier: ReportTier;
  what: string;
  status: string;
  at: number | undefined;
}

export interface KeyScheduledRow {
  task: string;
  keyArn: string;
  deletionDate: string;
}

export interface PersonRow {
  task: string | undefined;
  kind: "approval" | "confirmation";
  action: string;
  who: string;
  at: number;
  detail: string;
}

export interface FailureRow {
  task: string;
  attempt: number;
  at: number;
  outcome: string;
  code: string;
  message: string;
  hint?: string;
}

export interface Report {
  format: typeof REPORT_FORMAT;
  generatedAt: number;
  run: {
    id: string;
    runbook: string;
    runbookPath: string;
    state: string;
    operator: string;
    startedAt: number;
    finishedAt: number | undefined;
    durationMs: number;
    accounts: Array<{ alias: string; accountId: string; arn: string }>;
    counts: TaskCounts;
  };
  timeline: { start: number; end: number; rows: TimelineRow[] };
  buckets: BucketRow[];
  resources: ResourceRow[];
  deletions: DeletionRow[];
  keysScheduled: KeyScheduledRow[];
  people: PersonRow[];
  failures: FailureRow[];
  awsCalls: { total: number; errors: number; byAction: Array<{ action: string; n: number; errors: number }> };
}

const TIER_ORDER: Record<ReportTier, number> = { source: 0, unknown: 1, intermediate: 2, reversible: 3 };
/** Types that delete or empty something, for runs made before plans (and their tiers) were kept. */
const DESTRUCTIVE_TYPES = /delete-(snapshot|bucket)$|empty-bucket$|deregister-image$|^cleanup$/;

export function buildReport(input: ReportInput): Report {
  const { run, tasks, now } = input;
  const planById = new Map((input.plan?.tasks ?? []).map((t) => [t.id, t]));
  const resourceOf = (t: TaskRecord) =>
    planById.get(t.taskId)?.resource ?? (t.itemKey === undefined ? t.topStepId : `${t.topStepId}[${t.itemKey}]`);
  const familyOfTask = (t: TaskRecord) => planById.get(t.taskId)?.family ?? familyOf(t.type);

  const segments = taskSegments(input.journal, tasks, now);
  const rows = new Map<string, TimelineRow>();
  for (const t of tasks) {
    const resource = resourceOf(t);
    let row = rows.get(resource);
    if (!row) {
      row = { resource, family: familyOfTask(t), tasks: [] };
      rows.set(resource, row);
    }
    row.tasks.push({
      id: t.taskId,
      type: t.type,
      status: t.status,
      attempts: t.attempts,
      segments: segments.get(t.taskId) ?? [],
    });
  }
  const allSegments = [...segments.values()].flat();
  const start = Math.min(run.createdAt, ...allSegments.map((s) => s.from));
  const end = Math.max(run.finishedAt ?? run.updatedAt, ...allSegments.map((s) => s.to));

  const byResource = groupBy(tasks, resourceOf);
  return {
    format: REPORT_FORMAT,
    generatedAt: now,
    run: {
      id: run.id,
      runbook: run.runbookName,
      runbookPath: run.runbookPath,
      state: run.state,
      operator: run.operator,
      startedAt: run.createdAt,
      finishedAt: run.finishedAt,
      durationMs: (run.finishedAt ?? run.updatedAt) - run.createdAt,
      accounts: Object.entries(run.identities).map(([alias, arn]) => ({
        alias,
        arn,
        accountId: /::(\d{12}):/.exec(arn)?.[1] ?? "",
      })),
      counts: input.counts,
    },
    timeline: { start, end: Math.max(end, start + 1), rows: [...rows.values()] },
    buckets: [...byResource]
      // A bucket moved (not the .rdb files a cache move carries through S3 steps).
      .filter(
        ([, ts]) => familyOfTask(ts[0]!) === "S3" && ts.some((t) => t.type === "s3.copy" || t.type === "s3.manifest"),
      )
      .map(([resource, ts]) => bucketRow(resource, ts)),
    resources: [...byResource]
      .filter(([, ts]) => ts.some((t) => /^(rds|ec2|dynamodb|elasticache)\./.test(t.type)))
      .map(([resource, ts]) => resourceRow(resource, familyOfTask(ts[0]!), ts)),
    deletions: deletions(tasks, planById, resourceOf),
    keysScheduled: tasks.flatMap((t) =>
      list(t.outputs?.keysScheduled).map((k) => ({
        task: t.taskId,
        keyArn: str(field(k, "keyArn")) ?? "",
        deletionDate: str(field(k, "deletionDate")) ?? "",
      })),
    ),
    people: people(input.journal, tasks),
    failures: failures(input.attempts),
    awsCalls: awsCalls(input.awsCalls),
  };
}

/**
 * Each task's intervals from its journaled transitions: working from a start (or the end of a wait) to the
 * next transition, waiting between enterWait and leaveWait, waiting for a person between requestApproval
 * and the approval. An interval still open is drawn to `now` for a task that is still active.
 */
function taskSegments(journal: JournalEntry[], tasks: TaskRecord[], now: number): Map<string, Segment[]> {
  const active = new Set(
    tasks.filter((t) => ["running", "waiting", "awaiting_approval"].includes(t.status)).map((t) => t.taskId),
  );
  const out = new Map<string, Segment[]>();
  const open = new Map<string, { from: number; kind: SegmentKind; what?: string }>();
  const close = (taskId: string, at: number) => {
    const o = open.get(taskId);
    if (!o) return;
    open.delete(taskId);
    const list = out.get(taskId) ?? [];
    list.push({ from: o.from, to: Math.max(at, o.from), kind: o.kind, ...(o.what ? { what: o.what } : {}) });
    out.set(taskId, list);
  };
  for (const e of journal) {
    if (!e.taskId) continue;
    const id = e.taskId;
    if (e.kind === "task") {
      switch (e.action) {
        case "start":
        case "leaveWait":
          close(id, e.at);
          open.set(id, { from: e.at, kind: "work" });
          break;
        case "enterWait":
          close(id, e.at);
          open.set(id, { from: e.at, kind: "wait", what: str(e.detail?.what) ?? "" });
          break;
        case "requestApproval":
          close(id, e.at);
          open.set(id, { from: e.at, kind: "person", what: "approval" });
          break;
        default:
          // succeed, fail, recover (the process died), approve, reject, retry, skip
          close(id, e.at);
      }
    }
  }
  for (const id of open.keys()) close(id, active.has(id) ? now : (open.get(id)?.from ?? now));
  return out;
}

function bucketRow(resource: string, ts: TaskRecord[]): BucketRow {
  const manifest = ts.find((t) => t.type === "s3.manifest" && t.outputs)?.outputs;
  const copies = ts
    .filter((t) => t.type === "s3.copy" && t.outputs)
    .map((t) => {
      const o = t.outputs!;
      const copied = o.copied as Record<string, Json> | undefined;
      return {
        task: t.taskId,
        engine: str(o.engine) ?? "?",
        destination: str(o.destinationBucket) ?? "",
        versions: num(copied?.versions) ?? 0,
        bytes: num(copied?.bytes) ?? 0,
        markers: num(o.markers) ?? 0,
      };
    });
  const verifies = ts
    .filter((t) => t.type === "s3.verify")
    .map((t) => {
      const o = t.outputs;
      const result: "passed" | "failed" | "not run" =
        t.status === "failed" ? "failed" : o?.passed === true ? "passed" : o?.passed === false ? "failed" : "not run";
      const detail =
        t.status === "failed"
          ? `${t.error?.code ?? ""}: ${t.error?.message ?? ""}`
          : o
            ? `${fmtInt(num(o.versions))} versions, ${fmtInt(num(o.etagsCompared))} ETags compared`
            : undefined;
      return {
        task: t.taskId,
        result,
        ...(str(o?.depth) ? { depth: str(o?.depth)! } : {}),
        ...(detail ? { detail } : {}),
      };
    });
  const first = ts[0]!;
  const source = str(manifest?.sourceBucket) ?? first.itemKey ?? resource;
  const firstVerify = ts.find((t) => t.type === "s3.verify" && t.outputs)?.outputs;
  return {
    resource,
    bucket: source,
    versions: num(firstVerify?.versions) ?? sumOf(manifest?.waves, "objects"),
    bytes: num(firstVerify?.bytes) ?? sumOf(manifest?.waves, "bytes"),
    deleteMarkers: num(firstVerify?.deleteMarkers) ?? copies[0]?.markers,
    copies,
    verifies,
    status: overallStatus(ts),
  };
}

function resourceRow(resource: string, family: Family, ts: TaskRecord[]): ResourceRow {
  const created = ts.find((t) => /create-snapshot$/.test(t.type) && t.outputs)?.outputs;
  // The result is what the last copy made (in the target account, under its key); a table's is its import,
  // a cache's the .rdb files its export put in the target's bucket.
  const copies = ts.filter((t) => /copy-(snapshot|image)$|^dynamodb\.import-table$/.test(t.type) && t.outputs);
  const last = copies[copies.length - 1]?.outputs;
  const exported = ts.find((t) => t.type === "elasticache.export-snapshot" && t.outputs)?.outputs;
  const files = Array.isArray(exported?.destinationArns) ? exported.destinationArns.length : undefined;
  const bytes = num(created?.sizeBytes);
  const started = ts.map((t) => t.startedAt).filter((x): x is number => x !== undefined);
  const finished = ts.map((t) => t.finishedAt).filter((x): x is number => x !== undefined);
  return {
    resource,
    family,
    item: ts[0]?.itemKey ?? resource,
    sourceSnapshot: str(created?.snapshotId) ?? str(created?.snapshotName),
    result:
      str(last?.snapshotId) ??
      str(last?.imageId) ??
      str(last?.tableArn) ??
      (files !== undefined ? `${files} .rdb file(s) in the target's bucket` : undefined),
    sizeGb: num(created?.sizeGb) ?? num(last?.sizeGb) ?? (bytes !== undefined ? bytes / 1e9 : undefined),
    tasks: ts.length,
    succeeded: ts.filter((t) => t.status === "succeeded" || t.status === "skipped").length,
    failed: ts.filter((t) => t.status === "failed").length,
    startedAt: started.length ? Math.min(...started) : undefined,
    finishedAt: finished.length === ts.length && finished.length ? Math.max(...finished) : undefined,
    status: overallStatus(ts),
  };
}

function deletions(
  tasks: TaskRecord[],
  planById: Map<string, ReportPlanTask>,
  resourceOf: (t: TaskRecord) => string,
): DeletionRow[] {
  const rows: DeletionRow[] = [];
  for (const t of tasks) {
    const p = planById.get(t.taskId);
    const destructive = p ? p.destructive : DESTRUCTIVE_TYPES.test(t.type);
    if (!destructive) continue;
    const o = t.outputs;
    const deleted = o
      ? (str(o.deleted) ??
        str(o.deregistered) ??
        (str(o.tableArn) && t.type === "dynamodb.delete-table" ? `table ${str(o.table)}` : undefined) ??
        (str(o.bucket)
          ? `bucket ${str(o.bucket)}${num(o.deletedVersions) !== undefined ? ` (${fmtInt(num(o.deletedVersions))} versions, ${fmtInt(num(o.deletedMarkers))} markers)` : ""}`
          : undefined))
      : undefined;
    rows.push({
      task: t.taskId,
      resource: resourceOf(t),
      tier: p ? (p.danger ?? "source") : "unknown",
      what: deleted ?? p?.summary ?? t.type,
      status: t.status,
      at: t.finishedAt,
    });
  }
  return rows.sort((a, b) => TIER_ORDER[a.tier] - TIER_ORDER[b.tier]);
}

function people(journal: JournalEntry[], tasks: TaskRecord[]): PersonRow[] {
  const rows: PersonRow[] = journal
    .filter((e) => e.kind === "approval" || e.kind === "confirmation")
    .map((e) => ({
      task: e.taskId,
      kind: e.kind as "approval" | "confirmation",
      action: e.action,
      who: e.actor ?? "",
      at: e.at,
      detail: e.detail ? describe(e.detail) : "",
    }));
  // Approvals recorded on the task but not journaled (none today; kept honest if that changes).
  for (const t of tasks) {
    if (t.approvedBy && !rows.some((r) => r.task === t.taskId && r.kind === "approval")) {
      rows.push({
        task: t.taskId,
        kind: "approval",
        action: "approve",
        who: t.approvedBy,
        at: t.approvedAt ?? 0,
        detail: "",
      });
    }
  }
  return rows.sort((a, b) => a.at - b.at);
}

function failures(attempts: AttemptRecord[]): FailureRow[] {
  return attempts
    .filter((a) => a.outcome === "failed" || a.outcome === "interrupted")
    .map((a) => ({
      task: a.taskId,
      attempt: a.attempt,
      at: a.finishedAt ?? a.startedAt,
      outcome: a.outcome!,
      code: a.error?.code ?? (a.outcome === "interrupted" ? "INTERRUPTED" : ""),
      message: a.error?.message ?? (a.outcome === "interrupted" ? "the process stopped during this attempt" : ""),
      ...(a.error?.hint ? { hint: a.error.hint } : {}),
    }))
    .sort((a, b) => a.at - b.at);
}

function awsCalls(rows: ReportInput["awsCalls"]): Report["awsCalls"] {
  const byAction = new Map<string, { action: string; n: number; errors: number }>();
  let total = 0;
  let errors = 0;
  for (const r of rows) {
    const entry = byAction.get(r.action) ?? { action: r.action, n: 0, errors: 0 };
    entry.n += r.n;
    total += r.n;
    if (r.outcome !== "ok") {
      entry.errors += r.n;
      errors += r.n;
    }
    byAction.set(r.action, entry);
  }
  return { total, errors, byAction: [...byAction.values()].sort((a, b) => b.n - a.n) };
}

function overallStatus(ts: TaskRecord[]): string {
  if (ts.some((t) => t.status === "failed")) return "failed";
  if (ts.every((t) => t.status === "succeeded" || t.status === "skipped")) return "done";
  if (ts.some((t) => t.status === "awaiting_approval")) return "needs a person";
  if (ts.some((t) => t.status === "running" || t.status === "waiting")) return "in progress";
  return ts.some((t) => t.attempts > 0) ? "stopped" : "not started";
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function describe(detail: Record<string, Json>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && typeof v !== "object")
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(", ");
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function field(v: unknown, key: string): unknown {
  return v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
}
function sumOf(v: unknown, key: string): number | undefined {
  const items = list(v);
  return items.length ? items.reduce<number>((s, i) => s + (num(field(i, key)) ?? 0), 0) : undefined;
}
export function fmtInt(n: number | undefined): string {
  return n === undefined ? "-" : n.toLocaleString("en-US");
}
