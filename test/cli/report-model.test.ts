/**
 * The report's content from constructed store rows: what a failed and resumed night looks like, and a run
 * made before plans were kept (tiers then say "unknown", never a guess).
 */
import { describe, expect, it } from "vitest";
import { renderHtml } from "../../src/cli/report/html.js";
import { renderMarkdown } from "../../src/cli/report/markdown.js";
import { buildReport, type ReportInput } from "../../src/cli/report/model.js";
import type { JournalEntry, TaskRecord } from "../../src/state/index.js";

const T0 = Date.parse("2026-12-06T01:00:00Z");

function task(taskId: string, type: string, extra: Partial<TaskRecord> = {}): TaskRecord {
  const [top, item] = taskId.includes("[") ? [taskId.split(".")[0]!, /\[(.*)\]/.exec(taskId)![1]] : [taskId, undefined];
  return {
    runId: "r1",
    taskId,
    seq: 0,
    stepId: taskId.replace(/\[.*$/, ""),
    topStepId: top,
    itemKey: item,
    type,
    accountAlias: "source",
    defHash: "h",
    defJson: {},
    status: "succeeded",
    attempts: 1,
    createdAt: T0,
    startedAt: T0,
    finishedAt: T0 + 1000,
    deadlineAt: undefined,
    waitWhat: undefined,
    progress: undefined,
    outputs: undefined,
    error: undefined,
    skipReason: undefined,
    approvedBy: undefined,
    approvedAt: undefined,
    updatedAt: T0,
    ...extra,
  };
}

let id = 0;
const j = (
  taskId: string,
  at: number,
  action: string,
  kind: JournalEntry["kind"] = "task",
  detail = {},
): JournalEntry => ({
  id: ++id,
  runId: "r1",
  taskId,
  at: T0 + at,
  kind,
  actor: "ops@laptop",
  accountId: undefined,
  action,
  resource: undefined,
  outcome: "ok",
  detail,
});

function input(extra: Partial<ReportInput> = {}): ReportInput {
  const tasks = [
    task("db.snapshot[api]", "rds.create-snapshot", { outputs: { snapshotId: "snap-1", sizeGb: 100 } }),
    task("db.copy[api]", "rds.copy-snapshot", {
      status: "failed",
      attempts: 2,
      error: { code: "KMSKeyNotAccessibleFault", message: "key not shared", hint: "grant the key" },
    }),
    task("bucket.empty-source[logs]", "s3.empty-bucket", { status: "pending", attempts: 0, startedAt: undefined }),
  ];
  return {
    run: {
      id: "r1",
      runbookName: "split",
      runbookPath: "/ops/split.yaml",
      runbookHash: "h",
      params: {},
      state: "failed",
      operator: "ops@laptop",
      identities: { source: "arn:aws:iam::111111111111:user/ops" },
      options: {},
      createdAt: T0,
      updatedAt: T0 + 60_000,
      finishedAt: T0 + 60_000,
      lock: undefined,
    },
    counts: { pending: 1, running: 0, waiting: 0, awaiting_approval: 0, succeeded: 1, failed: 1, skipped: 0, total: 3 },
    tasks,
    attempts: [
      {
        runId: "r1",
        taskId: "db.copy[api]",
        attempt: 1,
        startedAt: T0 + 2000,
        finishedAt: T0 + 9000,
        outcome: "interrupted",
        error: undefined,
      },
      {
        runId: "r1",
        taskId: "db.copy[api]",
        attempt: 2,
        startedAt: T0 + 20_000,
        finishedAt: T0 + 30_000,
        outcome: "failed",
        error: { code: "KMSKeyNotAccessibleFault", message: "key not shared", hint: "grant the key" },
      },
    ],
    journal: [
      j("db.snapshot[api]", 0, "start"),
      j("db.snapshot[api]", 100, "enterWait", "task", { what: "snapshot available" }),
      j("db.snapshot[api]", 900, "leaveWait"),
      j("db.snapshot[api]", 1000, "succeed"),
      j("db.copy[api]", 2000, "start"),
      j("db.copy[api]", 9000, "recover"),
      j("db.copy[api]", 20_000, "start"),
      j("db.copy[api]", 30_000, "fail"),
      j("bucket.empty-source[logs]", 40_000, "confirmed", "confirmation", { via: "answered at the terminal" }),
    ],
    awsCalls: [
      { action: "rds:CopyDBSnapshot", outcome: "ok", n: 1 },
      { action: "rds:CopyDBSnapshot", outcome: "error", n: 1 },
    ],
    now: T0 + 3_600_000,
    ...extra,
  };
}

describe("the report's content", () => {
  it("shows each attempt's work and waits on the timeline, and both the interruption and the failure", () => {
    const report = buildReport(input());
    const db = report.timeline.rows.find((r) => r.resource === "db[api]")!;
    expect(db.family).toBe("RDS");
    const snapshot = db.tasks.find((t) => t.id === "db.snapshot[api]")!;
    expect(snapshot.segments.map((s) => [s.kind, s.to - s.from])).toEqual([
      ["work", 100],
      ["wait", 800],
      ["work", 100],
    ]);
    expect(snapshot.segments[1]!.what).toBe("snapshot available");
    const copy = db.tasks.find((t) => t.id === "db.copy[api]")!;
    expect(copy.segments.map((s) => s.to - s.from)).toEqual([7000, 10_000]);
    expect(report.failures.map((f) => [f.attempt, f.outcome, f.code])).toEqual([
      [1, "interrupted", "INTERRUPTED"],
      [2, "failed", "KMSKeyNotAccessibleFault"],
    ]);
    expect(report.resources[0]).toMatchObject({ sourceSnapshot: "snap-1", sizeGb: 100, failed: 1, status: "failed" });
    expect(report.awsCalls).toMatchObject({ total: 2, errors: 1 });
    expect(report.people).toEqual([
      expect.objectContaining({ kind: "confirmation", who: "ops@laptop", detail: "via: answered at the terminal" }),
    ]);
  });

  it("without a kept plan, a deletion's tier is unknown (shown as destructive), never guessed lower", () => {
    const report = buildReport(input());
    expect(report.deletions).toEqual([expect.objectContaining({ task: "bucket.empty-source[logs]", tier: "unknown" })]);
    const md = renderMarkdown(report);
    expect(md).toContain("| destructive (tier not recorded) | bucket.empty-source[logs] |");
    // Confirmations given one way by one person are one line, naming the tasks.
    expect(md).toContain(
      "- 1 destructive task(s) confirmed by ops@laptop (via: answered at the terminal), 2026-12-06T01:00:40Z – 2026-12-06T01:00:40Z: `bucket.empty-source[logs]`",
    );
    expect(renderHtml(report)).toContain("1 destructive task(s) confirmed by ops@laptop");
  });

  it("with the plan, tiers are the step types' own, the worst first", () => {
    const plan = {
      tasks: [
        { id: "db.copy[api]", resource: "db[api]", family: "RDS" as const, summary: "copy", destructive: false },
        {
          id: "db.snapshot[api]",
          resource: "db[api]",
          family: "RDS" as const,
          summary: "delete the run's snapshot",
          destructive: true,
          danger: "intermediate" as const,
        },
        {
          id: "bucket.empty-source[logs]",
          resource: "bucket[logs]",
          family: "S3" as const,
          summary: "empty logs",
          destructive: true,
          danger: "source" as const,
        },
      ],
    };
    const report = buildReport(input({ plan }));
    expect(report.deletions.map((d) => [d.task, d.tier])).toEqual([
      ["bucket.empty-source[logs]", "source"],
      ["db.snapshot[api]", "intermediate"],
    ]);
  });

  it("escapes what came from AWS or the runbook in the HTML", () => {
    const report = buildReport(
      input({
        tasks: [
          task("x", "rds.copy-snapshot", {
            status: "failed",
            error: { code: "E", message: '<img src=x onerror="alert(1)">' },
          }),
        ],
        attempts: [
          {
            runId: "r1",
            taskId: "x",
            attempt: 1,
            startedAt: T0,
            finishedAt: T0 + 1,
            outcome: "failed",
            error: { code: "E", message: '<img src=x onerror="alert(1)">' },
          },
        ],
      }),
    );
    const html = renderHtml(report);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });
});
