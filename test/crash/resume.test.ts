/**
 * Crash and resume, black box: the CLI as a child process against the simulator as another process,
 * SIGKILLed by its own failpoints (HIKKOSHI_FAILPOINT=<name>:<n>) after each journal write, inside waits and
 * between an AWS call's intent and its recorded result; then `resume`, and the world must be exactly the
 * world of an uninterrupted run, with every mutating call having reached AWS exactly once.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Baseline,
  checkFinal,
  cli,
  describeResult,
  driveArgs,
  FAILPOINTS,
  type FailpointName,
  freezeBuild,
  killAll,
  LanePool,
  MOVE,
  MOVE_EXPECTED,
  MOVE_SERIAL,
  mutatingCalls,
  normaliseWorld,
  peekState,
  readCounts,
  type Sim,
  startSim,
  statusJson,
  tempDir,
  worldProblems,
} from "./harness.js";

/** Simulators the scenarios share; each scenario holds one for its whole course (reset → run → resume). */
const LANES = 3;
const TEST_TIMEOUT = 120_000;

/** Where in a failpoint's occurrences to crash, resolved against the counts of the baseline run. */
type Pick = "first" | "second" | "middle" | "last" | { fraction: number } | number;

interface Point {
  name: FailpointName;
  pick: Pick;
  /** move-serial.yaml with --parallel 1: the twelve mutating calls in one fixed order. */
  serial?: boolean;
  /** For serial points: the task and call the crash must interrupt. */
  expect?: { taskId: string; action: string };
}

/** The twelve mutating calls of move-serial.yaml, in the order --parallel 1 makes them. */
const SERIAL_CALLS: Array<[string, string]> = [
  ["share-key", "kms:CreateKey"],
  ["share-key", "kms:CreateAlias"],
  ["target-key", "kms:CreateKey"],
  ["target-key", "kms:CreateAlias"],
  ["db.snapshot", "rds:CreateDBSnapshot"],
  ["db.reencrypt", "rds:CopyDBSnapshot"],
  ["db.share", "rds:ModifyDBSnapshotAttribute"],
  ["db.copy", "rds:CopyDBSnapshot"],
  ["aurora.snapshot", "rds:CreateDBClusterSnapshot"],
  ["aurora.reencrypt", "rds:CopyDBClusterSnapshot"],
  ["aurora.share", "rds:ModifyDBClusterSnapshotAttribute"],
  ["aurora.copy", "rds:CopyDBClusterSnapshot"],
];

const POINTS: Point[] = [
  // AWS acted, its answer is lost: every one of the twelve mutating calls, one task at a time.
  ...SERIAL_CALLS.map(
    ([taskId, action], i): Point => ({ name: "aws:after", pick: i + 1, serial: true, expect: { taskId, action } }),
  ),
  // Intent journaled, call never sent: a CreateKey (no idempotency token), a snapshot, a share, a copy.
  ...[1, 5, 7, 12].map((n): Point => {
    const [taskId, action] = SERIAL_CALLS[n - 1]!;
    return { name: "aws:before", pick: n, serial: true, expect: { taskId, action } };
  }),
  // The key's id is saved (progress), its alias not yet made: resume reuses the saved key.
  { name: "progress:saved", pick: 2, serial: true },
  // Four tasks at a time (the default): several calls and waits in flight when the process dies.
  ...(["first", "second", "middle", "last"] as const).map((pick): Point => ({ name: "aws:before", pick })),
  ...(["middle", "last"] as const).map((pick): Point => ({ name: "aws:after", pick })),
  ...(["aws:recorded", "progress:saved", "task:started", "task:succeeded", "wait:entered"] as const).flatMap((name) =>
    (["first", "middle", "last"] as const).map((pick): Point => ({ name, pick })),
  ),
  // wait:poll fires a timing-dependent number of times: picked low enough that a slower run reaches it.
  { name: "wait:poll", pick: "first" },
  { name: "wait:poll", pick: { fraction: 0.2 } },
  { name: "wait:poll", pick: { fraction: 0.35 } },
];

function resolvePick(pick: Pick, count: number): number {
  if (typeof pick === "number") return pick;
  if (typeof pick === "object") return Math.max(2, Math.floor(count * pick.fraction));
  if (pick === "first") return 1;
  if (pick === "second") return Math.min(2, count);
  if (pick === "middle") return Math.max(1, Math.ceil(count / 2));
  return count;
}

function title(p: Point): string {
  const at =
    typeof p.pick === "number"
      ? `#${p.pick}`
      : typeof p.pick === "object"
        ? `${Math.round(p.pick.fraction * 100)}% in`
        : p.pick;
  const what = p.expect ? `: ${p.expect.taskId} ${p.expect.action}` : "";
  return `${p.name} ${at}${p.serial ? " (--parallel 1)" : ""}${what}`;
}

const sims: Sim[] = [];
const pool = new LanePool();
const tmp = tempDir();
let baseline: Baseline;
let counts: Record<string, number> = {};
let seq = 0;
/** What each crash interrupted: printed at the end, the list of distinct points this suite covers. */
const covered: Array<{ point: string; inFlight: string; pending: Array<{ taskId: string; action: string }> }> = [];

function statePath(): string {
  seq += 1;
  return join(tmp.dir, `state-${seq}.db`);
}

/** A `run` (or a `resume` of `resumeOf`) that must die by SIGKILL at `failpoint`. */
async function crashRun(sim: Sim, state: string, failpoint: string, options: { resumeOf?: string; serial?: boolean }) {
  const args = [
    ...(options.resumeOf ? ["resume", options.resumeOf] : ["run", options.serial ? MOVE_SERIAL : MOVE]),
    ...(options.serial ? ["--parallel", "1"] : []),
  ];
  const r = await cli([...args, ...driveArgs(sim, state)], { env: { HIKKOSHI_FAILPOINT: failpoint } });
  expect(r.signal, `${args[0]} with HIKKOSHI_FAILPOINT=${failpoint} must die by SIGKILL: ${describeResult(r)}`).toBe(
    "SIGKILL",
  );
  const peek = peekState(state, options.resumeOf);
  covered.push({
    point: `${failpoint}${options.serial ? " -p1" : ""}`,
    inFlight: peek.inFlight,
    pending: peek.pending,
  });
  return peek;
}

async function resume(sim: Sim, state: string, runId: string) {
  const r = await cli(["resume", runId, ...driveArgs(sim, state)]);
  expect(r.code, `resume after a crash must succeed: ${describeResult(r)}`).toBe(0);
  return r;
}

beforeAll(async () => {
  await freezeBuild(tmp.dir);
  for (let i = 0; i < LANES; i++) sims.push(await startSim());

  // The baseline: one uninterrupted run, which also counts how often each failpoint is reached.
  const sim = sims[0]!;
  const state = statePath();
  const countsFile = join(tmp.dir, "counts.json");
  const r = await cli(["run", MOVE, ...driveArgs(sim, state)], { env: { HIKKOSHI_FAILPOINT_COUNTS: countsFile } });
  if (r.code !== 0) throw new Error(`baseline run failed: ${describeResult(r)}`);
  const status = await statusJson(state);
  const world = await sim.world();
  const problems = worldProblems(world, status.run.id, MOVE_EXPECTED);
  if (problems.length > 0) throw new Error(`the baseline world is wrong:\n${problems.join("\n")}`);
  baseline = { world: normaliseWorld(world, [status.run.id]), calls: mutatingCalls(await sim.stats()) };
  counts = readCounts(countsFile);
  for (const s of sims) pool.release(s);
}, TEST_TIMEOUT);

afterAll(async () => {
  if (covered.length > 0) {
    const lines = covered.map((c) => `  ${c.point.padEnd(24)} ${c.inFlight || "(nothing in flight)"}`);
    console.log(`crash points (${covered.length} crashes):\n${lines.join("\n")}`);
  }
  await Promise.all(sims.map((s) => s.stop()));
  killAll();
  tmp.cleanup();
});

describe("crash and resume (CLI and simulator as processes)", () => {
  it("the uninterrupted run reaches every failpoint and makes twelve mutating calls", () => {
    for (const name of FAILPOINTS) expect(counts[name], name).toBeGreaterThan(0);
    // Two keys (CreateKey, CreateAlias), then per move: snapshot, re-encrypt, share, copy.
    expect(baseline.calls).toEqual({
      "kms:CreateAlias": 2,
      "kms:CreateKey": 2,
      "rds:CopyDBClusterSnapshot": 2,
      "rds:CopyDBSnapshot": 2,
      "rds:CreateDBClusterSnapshot": 1,
      "rds:CreateDBSnapshot": 1,
      "rds:ModifyDBClusterSnapshotAttribute": 1,
      "rds:ModifyDBSnapshotAttribute": 1,
    });
    for (const name of ["aws:before", "aws:after", "aws:recorded"]) expect(counts[name], name).toBe(12);
    expect(counts["task:started"]).toBe(10);
    expect(counts["task:succeeded"]).toBe(10);
    expect(counts["wait:entered"]).toBe(6);
    expect(counts["wait:poll"]).toBeGreaterThanOrEqual(10);
  });

  describe.concurrent("SIGKILL at a failpoint, then resume: the world of an uninterrupted run", () => {
    for (const point of POINTS) {
      it(
        title(point),
        () =>
          pool.with(async (sim) => {
            const n = resolvePick(point.pick, counts[point.name] ?? 0);
            const state = statePath();
            const crash = await crashRun(sim, state, `${point.name}:${n}`, { serial: point.serial });
            if (point.expect) expect(crash.pending).toEqual([point.expect]);
            const r = await resume(sim, state, crash.runId);
            if (crash.pending.length > 0) {
              expect(r.stdout).toContain(
                `${crash.pending.length} AWS call(s) were in flight when the last process stopped`,
              );
            }
            const keyInFlight =
              (point.name === "aws:after" && point.expect?.action === "kms:CreateKey") ||
              (point.name === "progress:saved" && point.serial);
            if (keyInFlight) {
              // CreateKey acted, CreateAlias did not: the key is found (by its tags or the saved id), not made twice.
              expect(r.stdout).toMatch(
                /(share-key|target-key): adopting key [0-9a-f-]{36}, created by an earlier attempt/,
              );
            }
            await checkFinal(sim, state, crash.runId, baseline, {
              expectUnknown: point.name === "aws:before" || point.name === "aws:after",
            });
          }),
        TEST_TIMEOUT,
      );
    }

    it(
      "crash, a resume that crashes again elsewhere, resume: still the same world",
      () =>
        pool.with(async (sim) => {
          const state = statePath();
          // First: a CreateKey acted but its answer is lost. Second: the resume dies inside a wait.
          const first = await crashRun(sim, state, "aws:after:3", {});
          const second = await crashRun(sim, state, "wait:poll:3", { resumeOf: first.runId });
          expect(second.runId).toBe(first.runId);
          await resume(sim, state, first.runId);
          const { status } = await checkFinal(sim, state, first.runId, baseline, { expectUnknown: true });
          // Re-attached tasks count their attempts: some task ran more than once.
          expect(status.tasks.some((t) => t.attempts > 1)).toBe(true);
        }),
      TEST_TIMEOUT,
    );

    it(
      "three crashes in a row (intent journaled, result recorded, a wait entered), then resume",
      () =>
        pool.with(async (sim) => {
          const state = statePath();
          const first = await crashRun(sim, state, "aws:before:5", {});
          await crashRun(sim, state, "aws:recorded:3", { resumeOf: first.runId });
          await crashRun(sim, state, "wait:entered:1", { resumeOf: first.runId });
          await resume(sim, state, first.runId);
          await checkFinal(sim, state, first.runId, baseline, { expectUnknown: true });
        }),
      TEST_TIMEOUT,
    );
  });

  it("between intent and result, every kind of mutating call was interrupted at least once", () => {
    const hit = new Set(
      covered.filter((c) => /^aws:(before|after):/.test(c.point)).flatMap((c) => c.pending.map((p) => p.action)),
    );
    expect([...hit].sort()).toEqual(Object.keys(baseline.calls).sort());
    expect(covered.length).toBeGreaterThanOrEqual(40);
  });
});
