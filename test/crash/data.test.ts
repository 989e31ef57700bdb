/**
 * Crash and resume of DynamoDB and ElastiCache moves, black box: the CLI as a child process against the
 * simulator (DynamoDB, ElastiCache, S3) as another process, SIGKILLed by its own failpoints, then
 * `resume --yes`. data-move.yaml moves two tables of data-world.yaml (export, import, verify, delete the
 * source; one of them has PITR off and gets it enabled) and a Valkey cache's data (snapshot, export to S3,
 * copy of the .rdb files into the target's bucket, verify, cleanup). After any crash and a resume the
 * world must be the world of an uninterrupted run: one export and one import per table, the copies with
 * the source's items and settings, the sources deleted, two .rdb files in the target's bucket, the cache's
 * snapshot and exported files gone, no AWS call left pending in the journal, and every mutating call
 * reached AWS as often as in the uninterrupted run.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimStats, WorldDump } from "../../src/sim/index.js";
import {
  cli,
  describeResult,
  driveArgs,
  FIXTURES,
  freezeBuild,
  killAll,
  LanePool,
  logJson,
  mutatingCalls,
  normaliseWorld,
  peekState,
  REGION,
  readCounts,
  type Sim,
  SOURCE,
  startSim,
  statusJson,
  TARGET,
  tempDir,
} from "./harness.js";

const DATA_WORLD = join(FIXTURES, "data-world.yaml");
const DATA_MOVE = join(FIXTURES, "data-move.yaml");
const TABLES = ["staging-sessions", "staging-carts"] as const;
const SEED_BUCKET = "staging-cache-seed";
/** Two move-table recipes of 4 tasks each, the cache's move of 9 (grant and revoke, both cleanups). */
const TASKS = 17;
const LANES = 3;
/** Generous: a crash and a resume take seconds, but the machine may be busy; nothing here is timed. */
const TEST_TIMEOUT = 240_000;

/**
 * Crash points, each a failpoint named by task (and action): reached at the same place however the tasks
 * interleave (src/core/failpoint.ts), and the world's clock moves with the requests (data-world.yaml), so
 * every wait aimed at is entered on a fast machine or a busy one.
 */
interface Point {
  at: string;
  /** The call the crash must interrupt (its intent journaled, its result not). */
  call?: { taskId: string; action: string };
}

const call = (when: "before" | "after", taskId: string, action: string, nth = 1): Point => ({
  at: `aws:${when}@${taskId}/${action}:${nth}`,
  call: { taskId, action },
});
const T = (task: string, table: string) => `table.${task}[${table}]`;

const POINTS: Point[] = [
  ...TABLES.flatMap((t) => [
    // The export: its intent checkpointed; asked, its answer (the ARN) lost; the ARN checkpointed; inside
    // its wait.
    { at: `progress:saved@${T("export", t)}:1` },
    call("after", T("export", t), "dynamodb:ExportTableToPointInTime"),
    { at: `progress:saved@${T("export", t)}:2` },
    { at: `wait:poll@${T("export", t)}:1` },
    // The import: intent journaled but never sent; asked, its answer lost; the source's settings and the
    // import's ARN checkpointed; inside its wait.
    call("before", T("import", t), "dynamodb:ImportTable"),
    call("after", T("import", t), "dynamodb:ImportTable"),
    { at: `progress:saved@${T("import", t)}:1` },
    { at: `progress:saved@${T("import", t)}:2` },
    { at: `wait:poll@${T("import", t)}:1` },
    // The settings an import does not carry, re-applied to the copy.
    call("after", T("import", t), "dynamodb:TagResource"),
    // The one-way door: the source deleted, its answer lost; the deletion checkpointed.
    call("after", T("delete-source", t), "dynamodb:DeleteTable"),
    { at: `progress:saved@${T("delete-source", t)}:1` },
  ]),
  // PITR enabled on the source that had it off, before its export.
  call("after", T("export", "staging-carts"), "dynamodb:UpdateContinuousBackups"),
  // The settings of the copy of the table that had PITR on (the other's copy keeps it off, as its source
  // had it before its export turned it on), TTL and stream.
  call("after", T("import", "staging-sessions"), "dynamodb:UpdateContinuousBackups"),
  call("after", T("import", "staging-sessions"), "dynamodb:UpdateTimeToLive"),
  call("after", T("import", "staging-sessions"), "dynamodb:UpdateTable"),
  // The cache: the snapshot asked (name checkpointed first), inside its wait.
  { at: "progress:saved@cache.snapshot:1" },
  call("after", "cache.snapshot", "elasticache:CreateSnapshot"),
  { at: "wait:poll@cache.snapshot:1" },
  // Its export to S3: the intent checkpointed, never sent, sent and its answer lost, inside its wait.
  { at: "progress:saved@cache.export:1" },
  call("before", "cache.export", "elasticache:CopySnapshot"),
  call("after", "cache.export", "elasticache:CopySnapshot"),
  { at: "wait:poll@cache.export:1" },
  // The S3 legs: a copy of an .rdb file, the read grant, the cleanup of the exported files.
  call("after", "cache.copy", "s3:CopyObject"),
  call("after", "cache.grant-read", "s3:PutBucketPolicy"),
  call("after", "cache.cleanup-files", "s3:DeleteObjects"),
  // The snapshot's cleanup, its answer lost.
  call("after", "cache.cleanup-snapshot", "elasticache:DeleteSnapshot"),
];

/** The buckets whose content names the run (export prefixes, .rdb names, manifests): compared by size. */
const RUN_NAMED_BUCKETS = new Set(["staging-ddb-exports", SEED_BUCKET, "hikkoshi-manifests-222222222222"]);

/**
 * DynamoDB export and import ids follow the order of the calls: each becomes `<id>`, in ARNs and in the
 * key prefixes of the export files (an import's `prefix` names them too); the digest of a
 * bucket whose keys carry the run id becomes `<run-specific>` (its key count and bytes stay). Then run ids.
 */
function normaliseDataWorld(world: WorldDump, runId: string) {
  const relabel = (v: unknown): unknown => {
    if (typeof v === "string") {
      // In ARNs (`…/export/<id>`) and in key prefixes (`…/AWSDynamoDB/<id>/…`): an export's files sit under its id.
      return v
        .replace(/\/(export|import)\/\d+-[0-9a-f]+\b/g, "/$1/<id>")
        .replace(/\/AWSDynamoDB\/\d{14}-[0-9a-f]{8}\b/g, "/AWSDynamoDB/<id>");
    }
    if (Array.isArray(v)) return v.map(relabel);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, relabel(x)]));
    }
    return v;
  };
  const w = relabel(world) as WorldDump;
  w.s3.buckets = w.s3.buckets.map((b) => (RUN_NAMED_BUCKETS.has(b.name) ? { ...b, digest: "<run-specific>" } : b));
  return normaliseWorld(w, [runId]);
}

/** What the issue asks of every run, countable: one export and one import per table, the cache's files. */
function inventory(world: WorldDump) {
  const ddb = world.dynamodb!;
  const perTable = (rows: Array<{ table: string; status: string }>) =>
    rows.map((r) => `${r.table.slice(r.table.lastIndexOf("/") + 1)} ${r.status}`).sort();
  const cache = world.elasticache!.regions[`${SOURCE}:${REGION}`]!;
  const seed = world.s3.buckets.find((b) => b.name === SEED_BUCKET);
  return {
    exports: perTable(ddb.exports),
    imports: perTable(ddb.imports),
    tables: ddb.tables
      .map((t) => `${t.arn.split(":")[4]} ${t.arn.slice(t.arn.lastIndexOf("/") + 1)} ${t.status}`)
      .sort(),
    deletedTables: ddb.deletedTables.map((t) => t.arn.slice(t.arn.lastIndexOf("/") + 1)).sort(),
    cacheSnapshots: cache.snapshots.map((s) => `${s.name} ${s.status}`),
    seedFiles: seed ? { keys: seed.keys, versions: seed.versions } : undefined,
  };
}

/**
 * The mutating calls that must reach AWS exactly as often as in the uninterrupted run. Left out: Scan (a
 * read: dynamodb.verify scans again when a crash interrupted it) and s3:PutObject (the S3 legs' manifest
 * and verify report, written again by a task the crash interrupted — which of the other tasks a crash
 * interrupts depends on how they interleave).
 */
function onceCalls(stats: SimStats): Record<string, number> {
  const calls = mutatingCalls(stats);
  delete calls["dynamodb:Scan"];
  delete calls["s3:PutObject"];
  return calls;
}

const sims: Sim[] = [];
const pool = new LanePool();
const tmp = tempDir("hikkoshi-crash-data-");
let seq = 0;
let counts: Record<string, number> = {};
let baseline: {
  world: unknown;
  inventory: ReturnType<typeof inventory>;
  calls: Record<string, number>;
  stats: SimStats;
  serialWorld: unknown;
  outcomes: Record<string, number>;
  destinationArns: unknown;
};

function statePath(): string {
  seq += 1;
  return join(tmp.dir, `state-${seq}.db`);
}

async function runOk(sim: Sim, state: string, extra: string[], env: Record<string, string> = {}) {
  const r = await cli(["run", DATA_MOVE, "--yes", ...extra, ...driveArgs(sim, state)], { env });
  if (r.code !== 0) throw new Error(`uninterrupted run failed: ${describeResult(r)}`);
  return (await statusJson(state)).run.id;
}

/** `run` (or `resume` of `resumeOf`) that must die by SIGKILL at `failpoint`; what was in flight. */
async function crash(sim: Sim, state: string, failpoint: string, options: { resumeOf?: string } = {}) {
  const head = options.resumeOf ? ["resume", options.resumeOf] : ["run", DATA_MOVE];
  const r = await cli([...head, "--yes", ...driveArgs(sim, state)], {
    env: { HIKKOSHI_FAILPOINT: failpoint },
    timeoutMs: TEST_TIMEOUT,
  });
  expect(r.signal, `${head[0]} with HIKKOSHI_FAILPOINT=${failpoint} must die by SIGKILL: ${describeResult(r)}`).toBe(
    "SIGKILL",
  );
  return peekState(state, options.resumeOf);
}

/** `resume --yes` after the last crash, then everything an uninterrupted run would show. */
async function resumeAndCheck(sim: Sim, state: string, runId: string, failpoint: string) {
  const r = await cli(["resume", runId, "--yes", ...driveArgs(sim, state)], { timeoutMs: TEST_TIMEOUT });
  expect(r.code, `resume after a crash at ${failpoint} must succeed: ${describeResult(r)}`).toBe(0);
  const [status, journal, world, stats] = await Promise.all([
    statusJson(state, runId),
    logJson(state, runId),
    sim.world(),
    sim.stats(),
  ]);
  expect(status.run.state).toBe("succeeded");
  expect(status.tasks.filter((t) => t.status !== "succeeded").map((t) => `${t.taskId}=${t.status}`)).toEqual([]);
  expect(status.tasks).toHaveLength(TASKS);
  expect(
    journal.filter((e) => e.kind === "aws-call" && e.outcome === "pending").map((e) => `${e.action} ${e.resource}`),
    "no aws-call stays pending",
  ).toEqual([]);
  const inv = inventory(world);
  expect(inv.exports, "exactly one export per table, completed").toEqual([
    "staging-carts COMPLETED",
    "staging-sessions COMPLETED",
  ]);
  expect(inv.imports, "exactly one import per table, completed").toEqual([
    "staging-carts COMPLETED",
    "staging-sessions COMPLETED",
  ]);
  expect(inv.cacheSnapshots, "the cache's snapshot is gone").toEqual([]);
  expect(inv.seedFiles, "two .rdb files in the target's bucket").toEqual({ keys: 2, versions: 2 });
  expect(status.tasks.find((t) => t.taskId === "cache.export")?.outputs?.destinationArns).toEqual([
    expect.stringMatching(new RegExp(`^arn:aws:s3:::${SEED_BUCKET}/hk-${runId}-.*-0001\\.rdb$`)),
    expect.stringMatching(new RegExp(`^arn:aws:s3:::${SEED_BUCKET}/hk-${runId}-.*-0002\\.rdb$`)),
  ]);
  expect(inv).toEqual(baseline.inventory);
  expect(normaliseDataWorld(world, runId)).toEqual(baseline.world);
  expect(onceCalls(stats), "each mutating call reached AWS once, as in the uninterrupted run").toEqual(
    onceCalls(baseline.stats),
  );
  return status;
}

beforeAll(async () => {
  await freezeBuild(tmp.dir);
  for (let i = 0; i < LANES; i++) sims.push(await startSim({ seed: DATA_WORLD }));
  const [a, b] = [sims[0]!, sims[1]!];
  const countsFile = join(tmp.dir, "counts.json");
  // The baseline (default parallelism, counting the failpoints) and the same run one task at a time.
  const [state, serialState] = [statePath(), statePath()];
  const [runId, serialRun] = await Promise.all([
    runOk(a, state, [], { HIKKOSHI_FAILPOINT_COUNTS: countsFile }),
    runOk(b, serialState, ["--parallel", "1"]),
  ]);
  const world = await a.world();
  const outcomes: Record<string, number> = {};
  for (const e of await logJson(state, runId)) {
    if (e.kind === "aws-call") outcomes[e.outcome ?? "none"] = (outcomes[e.outcome ?? "none"] ?? 0) + 1;
  }
  const status = await statusJson(state, runId);
  const stats = await a.stats();
  baseline = {
    outcomes,
    world: normaliseDataWorld(world, runId),
    inventory: inventory(world),
    calls: mutatingCalls(stats),
    stats,
    serialWorld: normaliseDataWorld(await b.world(), serialRun),
    destinationArns: status.tasks.find((t) => t.taskId === "cache.export")?.outputs?.destinationArns,
  };
  counts = readCounts(countsFile);
  for (const s of sims) pool.release(s);
}, TEST_TIMEOUT);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  killAll();
  tmp.cleanup();
});

describe("DynamoDB and ElastiCache moves: crash and resume (CLI and simulator as processes)", () => {
  it("the uninterrupted run moves both tables and the cache's files, and deletes what it should", () => {
    expect(baseline.inventory).toEqual({
      exports: ["staging-carts COMPLETED", "staging-sessions COMPLETED"],
      imports: ["staging-carts COMPLETED", "staging-sessions COMPLETED"],
      tables: [`${TARGET} staging-carts ACTIVE`, `${TARGET} staging-sessions ACTIVE`],
      deletedTables: ["staging-carts", "staging-sessions"],
      cacheSnapshots: [],
      seedFiles: { keys: 2, versions: 2 },
    });
    expect(baseline.destinationArns).toEqual([
      expect.stringMatching(/^arn:aws:s3:::staging-cache-seed\/hk-.*-0001\.rdb$/),
      expect.stringMatching(/^arn:aws:s3:::staging-cache-seed\/hk-.*-0002\.rdb$/),
    ]);
    // One call of each creating kind per table (PITR enabled on the source that had it off, and on the copy
    // of the one that had it on), the copy's settings, the deletes; the cache's snapshot, export, two file copies, grant and revoke, cleanups.
    expect(baseline.calls).toMatchObject({
      "dynamodb:ExportTableToPointInTime": 2,
      "dynamodb:ImportTable": 2,
      "dynamodb:DeleteTable": 2,
      "dynamodb:UpdateContinuousBackups": 2,
      "elasticache:CreateSnapshot": 1,
      "elasticache:CopySnapshot": 1,
      "elasticache:DeleteSnapshot": 1,
      "s3:CopyObject": 2,
    });
    expect(Object.keys(baseline.outcomes)).toEqual(["ok"]);
    expect(counts["task:succeeded"]).toBe(TASKS);
    // The clock moves with the requests: every export, import, snapshot and file export is waited for.
    for (const task of [...TABLES.flatMap((t) => [T("export", t), T("import", t)]), "cache.snapshot", "cache.export"]) {
      expect(counts[`wait:entered@${task}`], task).toBe(1);
    }
    // Every crash point is one the uninterrupted run reaches.
    for (const { at } of POINTS) {
      const [, key, n] = /^(.+):(\d+)$/.exec(at)!;
      expect(counts[key!] ?? 0, at).toBeGreaterThanOrEqual(Number(n));
    }
    // One task at a time reaches the same world.
    expect(baseline.serialWorld).toEqual(baseline.world);
  });

  describe.concurrent("SIGKILL at a failpoint, then resume --yes: the world of an uninterrupted run", () => {
    for (const point of POINTS) {
      it(
        point.at,
        () =>
          pool.with(async (sim) => {
            const state = statePath();
            const peek = await crash(sim, state, point.at);
            if (point.call) expect(peek.pending).toContainEqual(point.call);
            await resumeAndCheck(sim, state, peek.runId, point.at);
          }),
        TEST_TIMEOUT,
      );
    }

    it(
      "a crash after the export call, a resume that crashes after the import call, and a resume: still the same world",
      () =>
        pool.with(async (sim) => {
          const state = statePath();
          const table = "staging-sessions";
          const first = await crash(sim, state, `aws:after@${T("export", table)}/dynamodb:ExportTableToPointInTime:1`);
          const second = await crash(sim, state, `aws:after@${T("import", table)}/dynamodb:ImportTable:1`, {
            resumeOf: first.runId,
          });
          expect(second.runId).toBe(first.runId);
          const status = await resumeAndCheck(sim, state, first.runId, "aws:after, then aws:after");
          const attempts = (id: string) => status.tasks.find((t) => t.taskId === id)?.attempts;
          expect([attempts(T("export", table)), attempts(T("import", table))]).toEqual([2, 2]);
        }),
      TEST_TIMEOUT,
    );
  });

  it("the crash points interrupt every kind of mutating DynamoDB and ElastiCache call the run makes", () => {
    const made = new Set(
      Object.keys(counts).flatMap((k) => /^aws:after@.+\/((?:dynamodb|elasticache):\w+)$/.exec(k)?.[1] ?? []),
    );
    const aimed = new Set(
      POINTS.flatMap((p) => p.call?.action ?? []).filter((a) => /^(dynamodb|elasticache):/.test(a)),
    );
    expect([...aimed].sort()).toEqual([...made].sort());
  });
});
