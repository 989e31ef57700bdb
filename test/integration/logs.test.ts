/**
 * The logs for CI and for machines. Piped, a bucket move says one line per task state change and a copy's
 * counts, never one line per AWS call (those are in the journal); the plain renderer paces what happens
 * inside a task (checked on a constructed event stream with chosen times); NDJSON starts with the plan and
 * says every time as ISO 8601, as do `status --json`, `runs --json` and `log --json`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { plainRenderer } from "../../src/cli/render/plain.js";
import { formatBytes } from "../../src/core/bytes.js";
import type { EngineEvent, Plan } from "../../src/engine/index.js";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { assertPlanValid } from "../helpers/plan-schema.js";
import { ndjson, PROD, REGION, runIdOf, STAGING, useSimulatorWorld, Workspace } from "./helpers.js";

const WORLD = join(mkdtempSync(join(tmpdir(), "hikkoshi-logs-")), "world.yaml");
writeFileSync(
  WORLD,
  `speed: 1
accounts:
  "${PROD}":
    name: production
    regions:
      ${REGION}:
        buckets:
          - { name: it-logs-source, versioning: Enabled, tags: { team: it } }
  "${STAGING}":
    name: staging
    roles:
      - { name: hikkoshi-migrator, trust: ["${PROD}"], externalId: it-logs }
    regions:
      ${REGION}:
        buckets:
          - { name: hikkoshi-manifests-${STAGING}, versioning: Enabled }
`,
);

const ACCOUNTS = `accounts:
  source: { id: "${PROD}", region: ${REGION} }
  target:
    id: "${STAGING}"
    region: ${REGION}
    roleArn: arn:aws:iam::${STAGING}:role/hikkoshi-migrator
    externalId: it-logs
`;

const MOVE = `version: 1
name: it-logs-move
${ACCOUNTS}steps:
  - id: bucket
    type: s3.move-bucket
    with: { from: source, to: target, bucket: it-logs-source, keepName: false, newName: it-logs-copy,
            manifestBucket: hikkoshi-manifests-${STAGING}, mode: direct }
`;

const NAP = `version: 1
name: it-logs-nap
${ACCOUNTS}steps:
  - { id: nap, type: sleep, account: source, with: { seconds: 0.05 } }
  - { id: key, type: kms.create-key, account: source, needs: [nap], with: { alias: it/logs } }
`;

let sim: SimulatorHandle;
useSimulatorWorld(WORLD, (s) => {
  sim = s;
});

/** 40 keys with 1–3 versions each, 4 of them deleted (a delete marker on top): written through S3 itself. */
async function fillSource(): Promise<{ versions: number; bytes: number; markers: number }> {
  const s3 = new S3Client({
    endpoint: sim.url,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: `AKSIM${PROD}`, secretAccessKey: "simulator" },
  });
  let versions = 0;
  let bytes = 0;
  for (let i = 0; i < 40; i++) {
    for (let v = 0; v <= i % 3; v++) {
      const body = "x".repeat(100 + i * 7 + v);
      await s3.send(new PutObjectCommand({ Bucket: "it-logs-source", Key: `logs/${i}`, Body: body }));
      versions++;
      bytes += body.length;
    }
    if (i % 10 === 0) await s3.send(new DeleteObjectCommand({ Bucket: "it-logs-source", Key: `logs/${i}` }));
  }
  s3.destroy();
  return { versions, bytes, markers: 4 };
}

/** The plain renderer over events at chosen times, in time order ("tick": the display's timer); its lines with their time. */
function renderStream(stream: Array<[number, EngineEvent | "tick"]>): Array<{ at: number; text: string }> {
  const lines: Array<{ at: number; text: string }> = [];
  let now = 0;
  const view = plainRenderer((line) => lines.push({ at: now, text: line.replace(/^\S+Z /, "") }));
  for (const [at, e] of [...stream].sort((a, b) => a[0] - b[0])) {
    now = at;
    if (e === "tick") view.tick(at);
    else view.listener(e, at);
  }
  return lines;
}

interface Row {
  kind: string;
  taskId?: string;
  action: string;
  at: string;
  detail?: { deadlineAt?: string };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("plain lines, piped", () => {
  it("a bucket move: a line per task state change, the copy's counts, no line per AWS call", async () => {
    const ws = new Workspace(sim);
    const source = await fillSource();
    const runbook = ws.write("move.yaml", MOVE);
    const r = await ws.cli("run", runbook, "--yes");
    expect(r.code, r.all).toBe(0);
    const runId = runIdOf(r.out);
    const lines = r.out.split("\n");

    // Every AWS call is in the journal, none in the console.
    const journal = ndjson<Row>((await ws.cli("log", runId, "--json", "--all")).out);
    const calls = journal.filter((e) => e.kind === "aws-call");
    expect(calls.filter((e) => e.action === "s3:CopyObject")).toHaveLength(source.versions);
    for (const call of new Set(calls.map((e) => e.action))) expect(r.out).not.toContain(call);

    const tasks = JSON.parse((await ws.cli("status", runId, "--json")).out).tasks as { taskId: string }[];
    expect(tasks.length).toBeGreaterThanOrEqual(8);
    for (const { taskId } of tasks) {
      const own = lines.filter((l) => l.includes(` ${taskId}: `));
      const waits = journal.filter((e) => e.kind === "task" && e.taskId === taskId && e.action === "enterWait");
      const finals = own.filter((l) => /: (succeeded|skipped|FAILED)\b/.test(l));
      const waiting = own.filter((l) => l.includes(": waiting for "));
      expect(finals, taskId).toHaveLength(1);
      expect(waiting, taskId).toHaveLength(waits.length);
      // Besides its state changes, a task as quick as these says at most its first note (what it decided or found).
      expect(own.length - finals.length - waiting.length, `${taskId}:\n${own.join("\n")}`).toBeLessThanOrEqual(1);
    }

    const copy = lines.find((l) => l.includes(" bucket.copy: succeeded"));
    expect(copy).toContain(
      `copied ${source.versions} versions, ${formatBytes(source.bytes)}, ${source.markers} delete markers (engine direct)`,
    );
    expect(copy).toContain(`${source.versions + source.markers} AWS calls`);
    expect(lines.length).toBeLessThanOrEqual(2 * tasks.length + 10);
  });

  it("paces what happens inside a task: at most one line per task per 30 s, a percentage per 10 points", () => {
    const t0 = Date.UTC(2026, 11, 6, 3, 0, 0);
    const s = (seconds: number) => t0 + seconds * 1000;
    const stream: Array<[number, EngineEvent | "tick"]> = [
      [s(0), { type: "task-started", taskId: "copy", attempt: 1 }],
      [s(0), { type: "task-started", taskId: "snap", attempt: 1 }],
      [s(0), { type: "task-waiting", taskId: "snap", what: "DB snapshot s available", deadlineAt: s(7200) }],
      [s(0), { type: "task-started", taskId: "verify", attempt: 1 }],
      [s(1), { type: "task-started", taskId: "quick", attempt: 1 }],
      [
        s(1),
        { type: "aws-call", taskId: "quick", accountId: PROD, action: "kms:CreateKey", resource: "k", outcome: "ok" },
      ],
      [s(2), { type: "task-status", taskId: "quick", status: "succeeded", outputs: {} }],
      [s(2), { type: "notice", level: "warn", message: "a notice is always said" }],
      [s(3), { type: "task-log", taskId: "copy", level: "warn", message: "tags of a not copied" }],
      [s(4), { type: "task-log", taskId: "copy", level: "warn", message: "tags of b not copied" }],
      [s(5), { type: "task-status", taskId: "bad", status: "failed", error: { code: "E", message: "m", hint: "h" } }],
      [s(6), { type: "task-awaiting-approval", taskId: "gate", instructions: "look" }],
      [s(7), { type: "task-needs-confirmation", taskId: "drop", summary: "s3.delete-bucket in source" }],
    ];
    for (let ms = 0; ms <= 600_000; ms += 200) {
      const call = { accountId: STAGING, action: "s3:CopyObject", resource: `s3://b/${ms}`, outcome: "ok" };
      stream.push([t0 + ms, { type: "aws-call", taskId: "copy", ...call }]);
      if (ms % 60_000 === 0) {
        stream.push([
          t0 + ms,
          { type: "task-log", taskId: "copy", level: "info", message: `wave ${ms / 60_000} copied` },
        ]);
      }
      // 1 % per 6 s, stalled at 50 % from the 5th to the 11th minute.
      const percent = ms < 300_000 ? ms / 6_000 : 50;
      if (ms % 2_000 === 0)
        stream.push([t0 + ms, { type: "task-progress", taskId: "snap", percent, message: "creating" }]);
      if (ms % 5_000 === 0) stream.push([t0 + ms, "tick"]);
    }
    const outputs = { copied: { versions: 1234, bytes: 5_600_000_000 }, large: { versions: 0, bytes: 0 }, markers: 0 };
    stream.push([
      s(601),
      { type: "task-status", taskId: "copy", status: "succeeded", outputs: { ...outputs, engine: "direct" } },
    ]);
    const lines = renderStream(stream);

    const about = (taskId: string) => lines.filter((l) => l.text.startsWith(`${taskId}: `));
    // The first note of an attempt is said at once (what the task decided or found); later ones are paced.
    expect(about("copy")[0]).toEqual({ at: t0, text: "copy: wave 0 copied" });
    const pacedOf = (taskId: string) =>
      about(taskId).filter((l) => !/: (succeeded|waiting for|WARNING|wave 0 copied$)/.test(l.text));
    for (const taskId of ["copy", "snap", "verify"]) {
      const paced = pacedOf(taskId);
      expect(paced.length, taskId).toBeGreaterThan(0);
      expect(paced.length, taskId).toBeLessThanOrEqual(600 / 30 + 1);
      for (const [i, l] of paced.entries()) {
        const previous = i === 0 ? t0 : paced[i - 1]!.at;
        expect(l.at - previous, `${taskId} at ${l.text}`).toBeGreaterThanOrEqual(30_000);
      }
    }
    // A percentage is said again once it moved 10 points (not while it stands still at 50 %).
    expect(pacedOf("snap").map((l) => l.text.replace(/ \(.*/, ""))).toEqual(
      [5, 15, 25, 35, 45].map((p) => `snap: ${p}% creating`),
    );
    // A silent task is said to be running after 30 s (on a tick), once.
    expect(pacedOf("verify").map((l) => [(l.at - t0) / 1000, l.text])).toEqual([[30, "verify: running (30s so far)"]]);
    // A quick task is one line; what must be said is said at once, however close together.
    expect(about("quick").map((l) => l.text)).toEqual(["quick: succeeded in 1s — 1 AWS call"]);
    const texts = lines.map((l) => l.text);
    expect(texts).toContain("WARNING a notice is always said");
    expect(texts).toContain("copy: WARNING tags of a not copied");
    expect(texts).toContain("copy: WARNING tags of b not copied");
    expect(texts).toContain("bad: FAILED E: m (hint: h)");
    expect(texts).toContain("gate: WAITING FOR APPROVAL\n    | look");
    expect(texts).toContain("drop: destructive (s3.delete-bucket in source); needs confirmation before it acts");
    expect(about("copy").at(-1)?.text).toBe(
      "copy: succeeded in 10m01s — copied 1,234 versions, 5.6 GB (engine direct); 3,001 AWS calls",
    );
  });

  it("a long wait without a percentage: its polls and their AWS calls say nothing; the log a heartbeat per 5 min", () => {
    const t0 = Date.UTC(2026, 11, 6, 3, 0, 0);
    const what = "bucket name b released";
    const stream: Array<[number, EngineEvent | "tick"]> = [
      [t0, { type: "task-started", taskId: "name", attempt: 1 }],
      [t0, { type: "task-waiting", taskId: "name", what, deadlineAt: t0 + 72 * 3_600_000 }],
    ];
    for (let ms = 5_000; ms < 1_300_000; ms += 5_000) {
      const call = { accountId: STAGING, action: "s3:CreateBucket", resource: "b", outcome: "error OperationAborted" };
      stream.push([t0 + ms, { type: "aws-call", taskId: "name", ...call }]);
      stream.push([
        t0 + ms,
        { type: "task-progress", taskId: "name", message: `not released yet, attempt ${ms / 5_000}` },
      ]);
      stream.push([t0 + ms, "tick"]);
    }
    stream.push([t0 + 1_300_000, { type: "task-log", taskId: "name", level: "info", message: "took the name b" }]);
    stream.push([t0 + 1_300_000, { type: "task-status", taskId: "name", status: "succeeded", outputs: {} }]);
    expect(renderStream(stream).map((l) => [(l.at - t0) / 1000, l.text])).toEqual([
      [0, `name: waiting for ${what} (deadline 2026-12-09T03:00:00Z)`],
      [300, "in progress: name for 5m00s (not released yet, attempt 59)"],
      [600, "in progress: name for 10m00s (not released yet, attempt 119)"],
      [900, "in progress: name for 15m00s (not released yet, attempt 179)"],
      [1200, "in progress: name for 20m00s (not released yet, attempt 239)"],
      [1300, "name: took the name b"],
      [1300, "name: succeeded in 21m40s — 259 AWS calls (259 failed)"],
    ]);
  });
});

describe("NDJSON and JSON outputs", () => {
  it("each line is JSON, the plan comes first, every time is ISO 8601 (status, runs and log --json too)", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.write("nap.yaml", NAP);
    const r = await ws.cli("run", runbook, "--json");
    expect(r.code, r.all).toBe(0);
    const events = ndjson<{ type: string; at: string; deadlineAt?: unknown; plan?: Plan; runId?: string }>(r.out);
    for (const e of events) expect(e.at, JSON.stringify(e)).toMatch(ISO);
    expect(events[0]?.type).toBe("plan");
    expect(events[0]?.plan?.format).toBe("hikkoshi-plan/1");
    expect(events[0]?.plan?.tasks.map((t) => t.id)).toEqual(["nap", "key"]);
    assertPlanValid(events[0]?.plan, "the NDJSON plan event");
    expect(events.filter((e) => e.type === "plan")).toHaveLength(1);
    const waiting = events.filter((e) => e.type === "task-waiting");
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.deadlineAt).toMatch(ISO);
    expect(Date.parse(waiting[0]!.deadlineAt as string)).toBeGreaterThan(Date.parse(waiting[0]!.at));
    expect(events.at(-1)).toMatchObject({ type: "run-finished", state: "succeeded" });
    // The run's own preflight says how far it got, complete before the run starts; the run carries the plan's
    // estimates (the sleep's seconds) for the time remaining.
    const started = events.findIndex((e) => e.type === "run-started");
    const preflight = events.filter((e) => e.type === "preflight") as unknown as Array<{
      planned: number;
      total: number;
    }>;
    expect(preflight.at(-1)).toMatchObject({ planned: 2, total: 2 });
    expect(events.findLastIndex((e) => e.type === "preflight")).toBeLessThan(started);
    expect(events[started]).toMatchObject({ estimates: { nap: 0.05 } });

    const runId = events.find((e) => e.type === "run-started")?.runId as string;
    // The journal says the same deadline, as ISO too.
    const journal = ndjson<Row>((await ws.cli("log", runId, "--json", "--all")).out);
    for (const e of journal) expect(e.at).toMatch(ISO);
    expect(journal.find((e) => e.action === "enterWait")?.detail?.deadlineAt).toBe(waiting[0]?.deadlineAt);

    const status = JSON.parse((await ws.cli("status", runId, "--json")).out);
    const runs = JSON.parse((await ws.cli("runs", "--json")).out);
    for (const record of [status.run, ...status.tasks, ...runs]) {
      for (const [k, v] of Object.entries(record as Record<string, unknown>)) {
        if (k.endsWith("At")) expect(v, `${k} of ${JSON.stringify(record).slice(0, 80)}`).toMatch(ISO);
      }
    }
  });
});
