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
  type FailpointName,
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
const TEST_TIMEOUT = 90_000;

type Pick = "first" | "middle" | "last" | { fraction: number };

interface Point {
  name: FailpointName;
  pick: Pick | { serialCall: "first-createjob" | "last-createjob" };
}

const POINTS: Point[] = [
  // The number of calls varies by a few between runs (timing): "late" is 90% in, not the last one.
  ...(["first", { fraction: 0.25 }, "middle", { fraction: 0.75 }, { fraction: 0.9 }] as const).map(
    (pick): Point => ({ name: "aws:after", pick }),
  ),
  ...(["first", "middle", { fraction: 0.9 }] as const).map((pick): Point => ({ name: "aws:before", pick })),
  ...(["first", "middle", { fraction: 0.9 }] as const).map((pick): Point => ({ name: "progress:saved", pick })),
  // wait:poll fires a timing-dependent number of times: picked low enough that a slower run reaches it.
  ...(["first", { fraction: 0.2 }, { fraction: 0.4 }] as const).map((pick): Point => ({ name: "wait:poll", pick })),
  // With --parallel 1 the calls up to the first CreateJob come in a fixed order: crash right around it.
  // Later calls shift by a few with timing, so the last CreateJob's occurrence is only aimed at.
  { name: "aws:after", pick: { serialCall: "first-createjob" } },
  { name: "aws:after", pick: { serialCall: "last-createjob" } },
  { name: "aws:before", pick: { serialCall: "first-createjob" } },
];

function resolvePick(pick: Pick, count: number): number {
  if (typeof pick === "object") return Math.max(2, Math.floor(count * pick.fraction));
  if (pick === "first") return 1;
  if (pick === "middle") return Math.max(1, Math.ceil(count / 2));
  return count;
}

function title(p: Point): string {
  const pick = p.pick;
  const at =
    typeof pick === "string"
      ? pick
      : "fraction" in pick
        ? `${Math.round(pick.fraction * 100)}% in`
        : `${pick.serialCall} (--parallel 1)`;
  return `${p.name} ${at}`;
}

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
/** Occurrence numbers (of aws:before/aws:after under --parallel 1) of the CreateJob calls. */
let serialCreateJobs: number[] = [];
const covered: Array<{ point: string; pending: string }> = [];

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

  // The same run one task at a time: where its CreateJob calls fall in the sequence of AWS calls.
  await sim.reset();
  const serialState = statePath();
  const serialCounts = join(tmp.dir, "counts-serial.json");
  const serialRun = await runOk(sim, serialState, ["--parallel", "1"], { HIKKOSHI_FAILPOINT_COUNTS: serialCounts });
  const calls = (await logJson(serialState, serialRun))
    .filter((e) => e.kind === "aws-call")
    .sort((a, b) => a.id - b.id);
  if (calls.length !== readCounts(serialCounts)["aws:after"]) {
    throw new Error(
      `${calls.length} aws-call journal rows, but aws:after fired ${readCounts(serialCounts)["aws:after"]} times`,
    );
  }
  serialCreateJobs = calls.flatMap((e, i) => (e.action === "s3control:CreateJob" ? [i + 1] : []));
  await sim.reset();
  for (const s of sims) pool.release(s);
}, TEST_TIMEOUT);

afterAll(async () => {
  if (covered.length > 0) {
    const lines = covered.map((c) => `  ${c.point.padEnd(36)} ${c.pending || "(no AWS call in flight)"}`);
    console.log(`S3 crash points (${covered.length} crashes):\n${lines.join("\n")}`);
  }
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
    for (const name of ["aws:before", "aws:after", "progress:saved", "wait:poll"]) {
      expect(counts[name], name).toBeGreaterThan(0);
    }
    expect(counts["task:succeeded"]).toBe(TASKS);
    expect(serialCreateJobs.length).toBe(baseline.jobs);
  });

  describe.concurrent("SIGKILL at a failpoint, then resume --yes: the world of an uninterrupted run", () => {
    for (const point of POINTS) {
      it(
        title(point),
        () =>
          pool.with(async (sim) => {
            const serial = typeof point.pick === "object" && "serialCall" in point.pick;
            let n: number;
            if (typeof point.pick === "object" && "serialCall" in point.pick) {
              n = point.pick.serialCall === "first-createjob" ? serialCreateJobs[0]! : serialCreateJobs.at(-1)!;
            } else {
              n = resolvePick(point.pick, counts[point.name] ?? 0);
            }
            const failpoint = `${point.name}:${n}`;
            const state = statePath();
            const p1 = serial ? ["--parallel", "1"] : [];
            const crash = await cli(["run", S3_MOVE, "--yes", ...p1, ...driveArgs(sim, state)], {
              env: { HIKKOSHI_FAILPOINT: failpoint },
            });
            expect(
              crash.signal,
              `run with HIKKOSHI_FAILPOINT=${failpoint} must die by SIGKILL: ${describeResult(crash)}`,
            ).toBe("SIGKILL");
            const peek = peekState(state);
            covered.push({
              point: `${failpoint}${serial ? " -p1" : ""}`,
              pending: peek.pending.map((p) => `${p.taskId}: ${p.action}`).join("; "),
            });
            if (
              typeof point.pick === "object" &&
              "serialCall" in point.pick &&
              point.pick.serialCall === "first-createjob"
            ) {
              expect(peek.pending.map((p) => p.action)).toEqual(["s3control:CreateJob"]);
            }

            const r = await cli(["resume", peek.runId, "--yes", ...driveArgs(sim, state)]);
            expect(r.code, `resume after a crash at ${failpoint} must succeed: ${describeResult(r)}`).toBe(0);

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

  it("crashes interrupted AWS calls in flight, a CreateJob among them", () => {
    const inFlight = covered.filter((c) => c.pending !== "");
    expect(inFlight.length).toBeGreaterThanOrEqual(5);
    expect(covered.some((c) => c.pending.includes("s3control:CreateJob"))).toBe(true);
    expect(covered.length).toBe(POINTS.length);
  });
});
