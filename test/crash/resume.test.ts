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
  freezeBuild,
  killAll,
  LanePool,
  MOVE,
  MOVE_EXPECTED,
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
/** Generous: a crash and a resume take seconds, but the machine may be busy; nothing here is timed. */
const TEST_TIMEOUT = 240_000;

/**
 * A crash point: a failpoint named by task and action (reached at the same place however the tasks
 * interleave), or a bare position among all of a kind (`aws:before:5`: the fifth intent journaled), used
 * only for kinds the run reaches a fixed number of times. The world's clock moves with the requests
 * (world.yaml), so every wait is entered on a fast machine or a busy one. See src/core/failpoint.ts.
 */
interface Point {
  at: string;
  /** The call the crash must interrupt (its intent journaled, its result not). */
  call?: { taskId: string; action: string };
}

/** The twelve mutating calls of move.yaml, task by task. */
const CALLS: Array<[string, string]> = [
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

/** How often move.yaml reaches each kind of failpoint, whatever the timing (checked against the baseline). */
const FIXED_COUNTS = {
  "aws:before": 12,
  "aws:after": 12,
  "aws:recorded": 12,
  "progress:saved": 12,
  "task:started": 10,
  "task:succeeded": 10,
  "wait:entered": 6,
} as const;

const positions = (name: keyof typeof FIXED_COUNTS, picks: number[]): Point[] =>
  picks.map((n) => ({ at: `${name}:${n}` }));

const POINTS: Point[] = [
  // AWS acted, its answer is lost: every one of the twelve mutating calls.
  ...CALLS.map(([taskId, action]): Point => ({ at: `aws:after@${taskId}/${action}:1`, call: { taskId, action } })),
  // Intent journaled, call never sent: a CreateKey (no idempotency token), a snapshot, a share, a copy.
  ...[0, 4, 6, 11].map((i): Point => {
    const [taskId, action] = CALLS[i]!;
    return { at: `aws:before@${taskId}/${action}:1`, call: { taskId, action } };
  }),
  // The key's id is saved (progress), its alias not yet made: resume reuses the saved key.
  { at: "progress:saved@share-key:2" },
  // Positions in the journal, whichever tasks are in flight there (four at a time, the default).
  ...positions("aws:before", [1, 2, 6, 12]),
  ...positions("aws:after", [6, 12]),
  ...positions("aws:recorded", [1, 6, 12]),
  ...positions("progress:saved", [1, 6, 12]),
  ...positions("task:started", [1, 5, 10]),
  ...positions("task:succeeded", [1, 5, 10]),
  ...positions("wait:entered", [1, 3, 6]),
  // Inside waits: the first poll of each snapshot, and later ones of the longest.
  { at: "wait:poll@db.snapshot:1" },
  { at: "wait:poll@aurora.reencrypt:1" },
  { at: "wait:poll@db.copy:3" },
  { at: "wait:poll@aurora.copy:2" },
];

const sims: Sim[] = [];
const pool = new LanePool();
const tmp = tempDir();
let baseline: Baseline;
let counts: Record<string, number> = {};
let seq = 0;

function statePath(): string {
  seq += 1;
  return join(tmp.dir, `state-${seq}.db`);
}

/** A `run` (or a `resume` of `resumeOf`) that must die by SIGKILL at `failpoint`. */
async function crashRun(sim: Sim, state: string, failpoint: string, options: { resumeOf?: string } = {}) {
  const args = options.resumeOf ? ["resume", options.resumeOf] : ["run", MOVE];
  const r = await cli([...args, ...driveArgs(sim, state)], {
    env: { HIKKOSHI_FAILPOINT: failpoint },
    timeoutMs: TEST_TIMEOUT,
  });
  expect(r.signal, `${args[0]} with HIKKOSHI_FAILPOINT=${failpoint} must die by SIGKILL: ${describeResult(r)}`).toBe(
    "SIGKILL",
  );
  return peekState(state, options.resumeOf);
}

async function resume(sim: Sim, state: string, runId: string) {
  const r = await cli(["resume", runId, ...driveArgs(sim, state)], { timeoutMs: TEST_TIMEOUT });
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
    for (const [name, n] of Object.entries(FIXED_COUNTS)) expect(counts[name], name).toBe(n);
    // Every crash point is one the uninterrupted run reaches.
    for (const { at } of POINTS) {
      const [, key, n] = /^(.+):(\d+)$/.exec(at)!;
      expect(counts[key!] ?? 0, at).toBeGreaterThanOrEqual(Number(n));
    }
  });

  describe.concurrent("SIGKILL at a failpoint, then resume: the world of an uninterrupted run", () => {
    for (const point of POINTS) {
      it(
        point.at,
        () =>
          pool.with(async (sim) => {
            const state = statePath();
            const crash = await crashRun(sim, state, point.at);
            if (point.call) expect(crash.pending).toContainEqual(point.call);
            const r = await resume(sim, state, crash.runId);
            if (crash.pending.length > 0) {
              expect(r.stdout).toContain(
                `${crash.pending.length} AWS call(s) were in flight when the last process stopped`,
              );
            }
            if (point.at.startsWith("aws:after@share-key/kms:CreateKey") || point.at === "progress:saved@share-key:2") {
              // CreateKey acted, CreateAlias did not: the key is found (by its tags or the saved id), not made twice.
              expect(r.stdout).toMatch(/share-key: adopting key [0-9a-f-]{36}, created by an earlier attempt/);
            }
            await checkFinal(sim, state, crash.runId, baseline, {
              expectUnknown: /^aws:(before|after)\b/.test(point.at),
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
          const first = await crashRun(sim, state, "aws:after@share-key/kms:CreateKey:1");
          const second = await crashRun(sim, state, "wait:poll@db.reencrypt:1", { resumeOf: first.runId });
          expect(second.runId).toBe(first.runId);
          await resume(sim, state, first.runId);
          const { status } = await checkFinal(sim, state, first.runId, baseline, { expectUnknown: true });
          const attempts = (id: string) => status.tasks.find((t) => t.taskId === id)?.attempts;
          expect([attempts("share-key"), attempts("db.reencrypt")]).toEqual([2, 2]);
        }),
      TEST_TIMEOUT,
    );

    it(
      "three crashes in a row (intent journaled, result recorded, a wait entered), then resume",
      () =>
        pool.with(async (sim) => {
          const state = statePath();
          const first = await crashRun(sim, state, "aws:before@db.snapshot/rds:CreateDBSnapshot:1");
          await crashRun(sim, state, "aws:recorded@db.reencrypt/rds:CopyDBSnapshot:1", { resumeOf: first.runId });
          await crashRun(sim, state, "wait:entered@db.copy:1", { resumeOf: first.runId });
          await resume(sim, state, first.runId);
          await checkFinal(sim, state, first.runId, baseline, { expectUnknown: true });
        }),
      TEST_TIMEOUT,
    );
  });

  it("between intent and result, every kind of mutating call is aimed at", () => {
    const aimed = new Set(POINTS.flatMap((p) => p.call?.action ?? []));
    expect([...aimed].sort()).toEqual(Object.keys(baseline.calls).sort());
  });
});
