/**
 * Crash and resume of EC2 moves, black box: the CLI as a child process against the simulator (EC2 + KMS)
 * as another process, SIGKILLed by its own failpoints, then `resume --yes`. ec2-move.yaml moves one EBS
 * volume (ec2.move-snapshot) and one AMI (ec2.move-image) of ec2-world.yaml, both with cleanup; after any
 * crash and a resume the world must be the world of an uninterrupted run: the target owns one completed
 * snapshot and one available AMI (two snapshots) under its own key, the source keeps nothing of the run but
 * the share key, no copy was made twice (snapshot and image counts, and the simulator's count of mutating
 * calls, dry runs excluded), and no AWS call is left pending in the journal.
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

const EC2_WORLD = join(FIXTURES, "ec2-world.yaml");
const EC2_MOVE = join(FIXTURES, "ec2-move.yaml");
/** Two keys, five tasks of the volume's move (snapshot … two cleanups), four of the AMI's. */
const TASKS = 12;
const LANES = 3;
/** Generous: a crash and a resume take seconds, but the machine may be busy; nothing here is timed. */
const TEST_TIMEOUT = 240_000;

/**
 * Crash points, each a failpoint named by task (and action): reached at the same place however the tasks
 * interleave (src/core/failpoint.ts), and the world's clock moves with the requests (ec2-world.yaml), so
 * every wait aimed at is entered on a fast machine or a busy one.
 */
interface Point {
  at: string;
  /** The call the crash must interrupt (its intent journaled, its result not). */
  call?: { taskId: string; action: string };
}

const afterCall = (taskId: string, action: string, nth = 1): Point => ({
  at: `aws:after@${taskId}/${action}:${nth}`,
  call: { taskId, action },
});

const POINTS: Point[] = [
  // AWS acted, its answer is lost: the creating calls (no ClientToken but CopyImage's), shares, cleanups.
  afterCall("vol.snapshot", "ec2:CreateSnapshot"),
  afterCall("vol.reencrypt", "ec2:CopySnapshot"),
  afterCall("vol.share", "ec2:ModifySnapshotAttribute"),
  afterCall("vol.copy", "ec2:CopySnapshot"),
  afterCall("vol.cleanup-reencrypt", "ec2:DeleteSnapshot"),
  afterCall("ami.reencrypt", "ec2:CopyImage"),
  afterCall("ami.share", "ec2:ModifyImageAttribute"),
  afterCall("ami.share", "ec2:ModifySnapshotAttribute", 2),
  afterCall("ami.copy", "ec2:CopyImage"),
  afterCall("ami.cleanup-reencrypt", "ec2:DeregisterImage"),
  afterCall("ami.cleanup-reencrypt", "ec2:DeleteSnapshot"),
  // Intent journaled, call never sent: the target's copy (adopt-by-tags must find nothing and copy once).
  { at: "aws:before@vol.copy/ec2:CopySnapshot:1", call: { taskId: "vol.copy", action: "ec2:CopySnapshot" } },
  // The intent saved as progress before CreateSnapshot; the AMI copy's id saved, its wait not entered.
  { at: "progress:saved@vol.snapshot:1" },
  { at: "progress:saved@ami.reencrypt:2" },
  // Inside waits: the first poll of a snapshot, of an AMI copy in the source, right as the target's begins.
  { at: "wait:poll@vol.snapshot:1" },
  { at: "wait:poll@ami.reencrypt:1" },
  { at: "wait:entered@ami.copy:1" },
];

/**
 * EC2 ids made by a run depend on the order of the calls: each snapshot and AMI becomes a label of what
 * it is (account, the task that made it, its volume and size, or its name); an id no longer in the world
 * (a deleted intermediate, e.g. in `copiedFrom`) becomes `<gone …>`. Then keys and run ids as usual.
 */
function normaliseEc2World(world: WorldDump, runId: string) {
  const labels = new Map<string, string>();
  for (const [account, a] of Object.entries(world.accounts)) {
    const ec2 = a.regions[REGION]?.ec2;
    for (const s of ec2?.snapshots ?? []) {
      const by = s.tags["hikkoshi:task"] ?? "seed";
      labels.set(s.id, `<snap ${account} ${by} ${s.volumeId} ${s.sizeGb}GB>`);
    }
    for (const i of ec2?.images ?? []) labels.set(i.id, `<ami ${account} ${i.tags["hikkoshi:task"] ?? i.name}>`);
  }
  const relabel = (v: unknown): unknown => {
    if (typeof v === "string") {
      return v.replace(/\b(snap|ami)-[0-9a-f]{8,17}\b/g, (id, kind: string) => labels.get(id) ?? `<gone ${kind}>`);
    }
    if (Array.isArray(v)) return v.map(relabel);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, relabel(x)]));
    }
    return v;
  };
  return normaliseWorld(relabel(world) as WorldDump, [runId]);
}

type NormalisedKeys = { accounts: Record<string, { regions: Record<string, { kmsKeys: unknown[] }> }> };

/** What a crash must not change, countable: EC2 snapshots and images per account, and who made them. */
function inventory(world: WorldDump) {
  const out: Record<string, { snapshots: string[]; images: string[] }> = {};
  for (const [account, a] of Object.entries(world.accounts)) {
    const ec2 = a.regions[REGION]?.ec2;
    out[account] = {
      snapshots: (ec2?.snapshots ?? [])
        .map((s) => `${s.tags["hikkoshi:task"] ?? "seed"} ${s.state} ${s.kmsKeyAlias} ${s.sizeGb}GB`)
        .sort(),
      images: (ec2?.images ?? []).map((i) => `${i.tags["hikkoshi:task"] ?? "seed"} ${i.state} ${i.name}`).sort(),
    };
  }
  return out;
}

const sims: Sim[] = [];
const pool = new LanePool();
const tmp = tempDir("hikkoshi-crash-ec2-");
let seq = 0;
let counts: Record<string, number> = {};
let baseline: {
  world: unknown;
  inventory: ReturnType<typeof inventory>;
  mutating: number;
  serialWorld: unknown;
  /** aws-call rows of the uninterrupted run per outcome. */
  outcomes: Record<string, number>;
};

function statePath(): string {
  seq += 1;
  return join(tmp.dir, `state-${seq}.db`);
}

async function runOk(sim: Sim, state: string, extra: string[], env: Record<string, string> = {}) {
  const r = await cli(["run", EC2_MOVE, "--yes", ...extra, ...driveArgs(sim, state)], { env });
  if (r.code !== 0) throw new Error(`uninterrupted run failed: ${describeResult(r)}`);
  return (await statusJson(state)).run.id;
}

/** `run` (or `resume` of `resumeOf`) that must die by SIGKILL at `failpoint`; what was in flight. */
async function crash(sim: Sim, state: string, failpoint: string, options: { resumeOf?: string } = {}) {
  const head = options.resumeOf ? ["resume", options.resumeOf] : ["run", EC2_MOVE];
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
  expect(inventory(world), "as many snapshots and AMIs as the uninterrupted run (no copy made twice)").toEqual(
    baseline.inventory,
  );
  expect(normaliseEc2World(world, runId)).toEqual(baseline.world);
  expect(stats.mutating, "each mutating call reached AWS once, as in the uninterrupted run").toBe(baseline.mutating);
  return status;
}

beforeAll(async () => {
  await freezeBuild(tmp.dir);
  for (let i = 0; i < LANES; i++) sims.push(await startSim({ seed: EC2_WORLD }));
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
  baseline = {
    outcomes,
    world: normaliseEc2World(world, runId),
    inventory: inventory(world),
    mutating: (await a.stats()).mutating,
    serialWorld: normaliseEc2World(await b.world(), serialRun),
  };
  counts = readCounts(countsFile);
  for (const s of sims) pool.release(s);
}, TEST_TIMEOUT);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  killAll();
  tmp.cleanup();
});

describe("EC2 moves: crash and resume (CLI and simulator as processes)", () => {
  it("the uninterrupted run moves the volume and the AMI under the target's key and cleans up the source", () => {
    const inv = baseline.inventory;
    expect(inv[TARGET]).toEqual({
      snapshots: [
        "ami.copy completed alias/crash/ebs 2GB",
        "ami.copy completed alias/crash/ebs 4GB",
        "vol.copy completed alias/crash/ebs 4GB",
      ],
      images: ["ami.copy available crash-web-moved"],
    });
    // The source keeps its own resources only: no snapshot, re-encrypted copy or AMI of the run.
    expect(inv[SOURCE]).toEqual({
      snapshots: [
        "seed completed alias/aws/ebs 2GB",
        "seed completed alias/aws/ebs 4GB",
        "seed completed alias/aws/ebs 4GB",
      ],
      images: ["seed available crash-web-2026-11"],
    });
    const world = baseline.world as NormalisedKeys;
    expect(world.accounts[SOURCE]?.regions[REGION]?.kmsKeys).toEqual([
      expect.objectContaining({ aliases: ["alias/hikkoshi/crash-ebs-share"] }),
    ]);
    // Four key calls, five creating calls, four shares, five deletes (two snapshots, the AMI and its two
    // snapshots): each journaled as one aws-call, none left pending.
    expect(baseline.outcomes).toEqual({ ok: 18 });
    expect(baseline.mutating).toBe(18);
    expect(counts["aws:after"]).toBe(18);
    expect(counts["task:succeeded"]).toBe(TASKS);
    // The clock moves with the requests: every snapshot, copy and AMI copy is waited for, once.
    for (const task of ["vol.snapshot", "vol.reencrypt", "vol.copy", "ami.reencrypt", "ami.copy"]) {
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
      "a crash after CopyImage, a resume that crashes inside a later wait, and a resume: still the same world",
      () =>
        pool.with(async (sim) => {
          const state = statePath();
          const first = await crash(sim, state, "aws:after@ami.reencrypt/ec2:CopyImage:1");
          // The resume adopts the copy (same ClientToken), then dies while the target's copy is waited for.
          const second = await crash(sim, state, "wait:poll@ami.copy:1", { resumeOf: first.runId });
          expect(second.runId).toBe(first.runId);
          const status = await resumeAndCheck(sim, state, first.runId, "aws:after, then wait:poll");
          const attempts = (id: string) => status.tasks.find((t) => t.taskId === id)?.attempts;
          expect([attempts("ami.reencrypt"), attempts("ami.copy")]).toEqual([2, 2]);
        }),
      TEST_TIMEOUT,
    );
  });

  it("the crash points interrupt every kind of mutating EC2 call the run makes", async () => {
    const made = new Set(Object.keys(counts).flatMap((k) => /^aws:after@.+\/(ec2:\w+)$/.exec(k)?.[1] ?? []));
    const aimed = new Set(POINTS.flatMap((p) => p.call?.action ?? []));
    expect([...aimed].sort()).toEqual([...made].sort());
  });
});
