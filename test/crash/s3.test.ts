/**
 * Crash and resume of S3 bucket moves, black box: the CLI as a child process against the simulator (S3 +
 * S3 Control) as another process, SIGKILLed by its own failpoints, then `resume --yes`. s3-move.yaml moves
 * two buckets of s3-world.yaml with their names kept (one with Batch Operations, one with direct copies);
 * after any crash and a resume the world must be the world of an uninterrupted run: each bucket owned by
 * the target with the source's content digest, no temporary bucket left, as many S3 Control jobs as in
 * the uninterrupted run (no CreateJob made twice), and no AWS call left pending in the journal.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorldDump } from "../../src/sim/index.js";
import {
  cli,
  describeResult,
  driveArgs,
  FIXTURES,
  freezeBuild,
  killAll,
  LanePool,
  logJson,
  peekState,
  readCounts,
  type Sim,
  SOURCE,
  startSim,
  statusJson,
  TARGET,
  tempDir,
} from "./harness.js";

const S3_WORLD = join(FIXTURES, "s3-world.yaml");
const S3_MOVE = join(FIXTURES, "s3-move.yaml");
const MOVED = ["crash-s3-plain", "crash-s3-versioned"];
const MANIFESTS = "hikkoshi-manifests-222222222222";
/** Two move-bucket recipes of 16 tasks each (grant-read included). */
const TASKS = 32;
const LANES = 3;
/** Generous: a crash and a resume take seconds, but the machine may be busy; nothing here is timed. */
const TEST_TIMEOUT = 240_000;

/**
 * Crash points, each a failpoint named by task (and action): reached at the same place however the tasks
 * interleave (src/core/failpoint.ts). The world's clock moves with the requests (s3-world.yaml), so the
 * name waits aimed at are entered on a fast machine or a busy one. A bare count would not do here: how
 * often CreateBucket answers OperationAborted during a name wait depends on the other tasks' requests.
 */
interface Point {
  at: string;
  /** The call the crash must interrupt (its intent journaled, its result not). */
  call?: { taskId: string; action: string };
}

const BATCH = (task: string) => `batch.${task}[crash-s3-versioned]`;
const DIRECT = (task: string) => `direct.${task}[crash-s3-plain]`;
const call = (when: "before" | "after", taskId: string, action: string, nth = 1): Point => ({
  at: `aws:${when}@${taskId}/${action}:${nth}`,
  call: { taskId, action },
});

const POINTS: Point[] = [
  // Batch Operations: the first and the last job of the first copy, a job of the copy back; a CreateJob
  // whose intent is journaled but never sent.
  call("after", BATCH("copy"), "s3control:CreateJob"),
  call("after", BATCH("copy"), "s3control:CreateJob", 3),
  call("after", BATCH("copy-back"), "s3control:CreateJob", 2),
  call("before", BATCH("copy"), "s3control:CreateJob"),
  // Direct copies, a manifest wave, delete markers, a verify report.
  call("after", DIRECT("copy"), "s3:CopyObject", 2),
  call("before", DIRECT("copy-back"), "s3:CopyObject"),
  call("after", BATCH("manifest"), "s3:PutObject", 2),
  // Delete markers re-created between the waves: one whose answer is lost, one never sent.
  call("after", BATCH("copy"), "s3:DeleteObject"),
  call("before", BATCH("copy-back"), "s3:DeleteObject", 2),
  call("after", BATCH("verify"), "s3:PutObject"),
  // Settings: the read grant on the source, the temporary bucket, the re-created bucket's policy.
  call("after", DIRECT("grant-read"), "s3:PutBucketPolicy"),
  call("after", DIRECT("temp"), "s3:CreateBucket"),
  call("after", BATCH("final"), "s3:PutBucketPolicy"),
  // The one-way doors: emptying and deleting the source, waiting for its name, re-creating it.
  call("after", BATCH("empty-source"), "s3:DeleteObjects"),
  call("after", DIRECT("delete-source"), "s3:DeleteBucket"),
  call("after", BATCH("final"), "s3:CreateBucket"),
  { at: `wait:poll@${BATCH("final")}:1` },
  { at: `wait:poll@${DIRECT("final")}:1` },
  // Between checkpoints of multi-call steps.
  { at: `progress:saved@${BATCH("copy")}:5` },
  { at: `progress:saved@${BATCH("final")}:10` },
  { at: `progress:saved@${DIRECT("empty-source")}:2` },
];

interface S3Summary {
  buckets: Record<
    string,
    {
      owner: string;
      region: string;
      keys: number;
      versions: number;
      deleteMarkers: number;
      bytes: number;
      digest: string;
    }
  >;
  jobs: number;
  jobShapes: string[];
}

/** The part of a world dump a crash must not change: buckets by name (the manifest bucket's content names the run), jobs. */
function summarise(world: WorldDump): S3Summary {
  const buckets: S3Summary["buckets"] = {};
  for (const b of world.s3.buckets) {
    const { owner, region, keys, versions, deleteMarkers, bytes, digest } = b;
    buckets[b.name] =
      b.name === MANIFESTS
        ? { owner, region, keys: 0, versions: 0, deleteMarkers: 0, bytes: 0, digest: "<run-specific>" }
        : { owner, region, keys, versions, deleteMarkers, bytes, digest };
  }
  const jobs = world.s3control.jobs;
  return {
    buckets,
    jobs: jobs.length,
    jobShapes: jobs
      .map((j) => `${j.account} ${j.targetBucket} ${j.status} total=${j.total} ok=${j.succeeded} failed=${j.failed}`)
      .sort(),
  };
}

const sims: Sim[] = [];
const pool = new LanePool();
const tmp = tempDir("hikkoshi-crash-s3-");
let seq = 0;
let counts: Record<string, number> = {};
let baseline: S3Summary;
let sourceDigests: Record<string, string> = {};

function statePath(): string {
  seq += 1;
  return join(tmp.dir, `state-${seq}.db`);
}

async function runOk(sim: Sim, state: string, extra: string[], env: Record<string, string> = {}) {
  const r = await cli(["run", S3_MOVE, "--yes", ...extra, ...driveArgs(sim, state)], { env });
  if (r.code !== 0) throw new Error(`uninterrupted run failed: ${describeResult(r)}`);
  return (await statusJson(state)).run.id;
}

beforeAll(async () => {
  await freezeBuild(tmp.dir);
  for (let i = 0; i < LANES; i++) sims.push(await startSim({ seed: S3_WORLD }));
  const sim = sims[0]!;

  const before = await sim.world();
  sourceDigests = Object.fromEntries(
    before.s3.buckets.filter((b) => b.owner === SOURCE).map((b) => [b.name, b.digest] as const),
  );

  // The baseline: one uninterrupted run, which also counts how often each failpoint is reached.
  const countsFile = join(tmp.dir, "counts.json");
  await runOk(sim, statePath(), [], { HIKKOSHI_FAILPOINT_COUNTS: countsFile });
  baseline = summarise(await sim.world());
  counts = readCounts(countsFile);
  await sim.reset();
  for (const s of sims) pool.release(s);
}, TEST_TIMEOUT);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  killAll();
  tmp.cleanup();
});

describe("S3 bucket moves: crash and resume (CLI and simulator as processes)", () => {
  it("the uninterrupted run moves both buckets with their content and leaves no temporary bucket", () => {
    expect(Object.keys(sourceDigests).sort()).toEqual(MOVED);
    for (const name of MOVED) {
      expect(baseline.buckets[name]?.owner, name).toBe(TARGET);
      expect(baseline.buckets[name]?.digest, name).toBe(sourceDigests[name]);
    }
    expect(Object.keys(baseline.buckets).sort()).toEqual([...MOVED, MANIFESTS].sort());
    expect(baseline.jobs).toBeGreaterThan(0);
    expect(counts["task:succeeded"]).toBe(TASKS);
    expect(counts[`aws:after@${BATCH("copy")}/s3control:CreateJob`]).toBe(3);
    // Every crash point is one the uninterrupted run reaches.
    for (const { at } of POINTS) {
      const [, key, n] = /^(.+):(\d+)$/.exec(at)!;
      expect(counts[key!] ?? 0, at).toBeGreaterThanOrEqual(Number(n));
    }
  });

  describe.concurrent("SIGKILL at a failpoint, then resume --yes: the world of an uninterrupted run", () => {
    for (const point of POINTS) {
      it(
        point.at,
        () =>
          pool.with(async (sim) => {
            const state = statePath();
            const crash = await cli(["run", S3_MOVE, "--yes", ...driveArgs(sim, state)], {
              env: { HIKKOSHI_FAILPOINT: point.at },
              timeoutMs: TEST_TIMEOUT,
            });
            expect(
              crash.signal,
              `run with HIKKOSHI_FAILPOINT=${point.at} must die by SIGKILL: ${describeResult(crash)}`,
            ).toBe("SIGKILL");
            const peek = peekState(state);
            if (point.call) expect(peek.pending).toContainEqual(point.call);

            const r = await cli(["resume", peek.runId, "--yes", ...driveArgs(sim, state)], { timeoutMs: TEST_TIMEOUT });
            expect(r.code, `resume after a crash at ${point.at} must succeed: ${describeResult(r)}`).toBe(0);

            const [status, journal, world] = await Promise.all([
              statusJson(state, peek.runId),
              logJson(state, peek.runId),
              sim.world(),
            ]);
            expect(status.run.state).toBe("succeeded");
            expect(status.tasks.filter((t) => t.status !== "succeeded").map((t) => `${t.taskId}=${t.status}`)).toEqual(
              [],
            );
            expect(status.tasks).toHaveLength(TASKS);
            expect(
              journal
                .filter((e) => e.kind === "aws-call" && e.outcome === "pending")
                .map((e) => `${e.action} ${e.resource}`),
              "no aws-call stays pending",
            ).toEqual([]);

            const now = summarise(world);
            for (const name of MOVED) {
              expect(now.buckets[name]?.owner, `${name} owner`).toBe(TARGET);
              expect(now.buckets[name]?.digest, `${name} content`).toBe(sourceDigests[name]);
            }
            expect(
              Object.keys(now.buckets).filter((b) => b.endsWith("-hk-tmp")),
              "no temporary bucket left",
            ).toEqual([]);
            expect(now.jobs, "as many S3 Control jobs as the uninterrupted run (no CreateJob twice)").toBe(
              baseline.jobs,
            );
            expect(now).toEqual(baseline);
          }),
        TEST_TIMEOUT,
      );
    }
  });

  it("the crash points interrupt every kind of mutating call the run makes", () => {
    const made = new Set(Object.keys(counts).flatMap((k) => /^aws:after@.+\/(\w+:\w+)$/.exec(k)?.[1] ?? []));
    // The bucket settings are re-applied by one code path: PutBucketPolicy stands for the others.
    for (const a of [...made]) if (/^s3:PutBucket(?!Policy)|^s3:PutPublicAccessBlock$/.test(a)) made.delete(a);
    const aimed = new Set(POINTS.flatMap((p) => p.call?.action ?? []));
    expect([...aimed].sort()).toEqual([...made].sort());
  });
});
