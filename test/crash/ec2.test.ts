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
  type FailpointName,
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
const TEST_TIMEOUT = 60_000;

/** A call of the --parallel 1 run (task, "service:Action", which of that task's calls of that action). */
interface Call {
  taskId: string;
  action: string;
  nth?: number;
}

interface Point {
  name: FailpointName;
  /** A call of the serial run (aimed at through its index in the serial baseline), or an occurrence. */
  at: Call | "first" | "middle" | { fraction: number };
}

const POINTS: Point[] = [
  // AWS acted, its answer is lost: the creating calls (no ClientToken but CopyImage's), shares, cleanups.
  { name: "aws:after", at: { taskId: "vol.snapshot", action: "ec2:CreateSnapshot" } },
  { name: "aws:after", at: { taskId: "vol.reencrypt", action: "ec2:CopySnapshot" } },
  { name: "aws:after", at: { taskId: "vol.share", action: "ec2:ModifySnapshotAttribute" } },
  { name: "aws:after", at: { taskId: "vol.copy", action: "ec2:CopySnapshot" } },
  { name: "aws:after", at: { taskId: "vol.cleanup-reencrypt", action: "ec2:DeleteSnapshot" } },
  { name: "aws:after", at: { taskId: "ami.reencrypt", action: "ec2:CopyImage" } },
  { name: "aws:after", at: { taskId: "ami.share", action: "ec2:ModifyImageAttribute" } },
  { name: "aws:after", at: { taskId: "ami.copy", action: "ec2:CopyImage" } },
  { name: "aws:after", at: { taskId: "ami.cleanup-reencrypt", action: "ec2:DeregisterImage" } },
  { name: "aws:after", at: { taskId: "ami.cleanup-reencrypt", action: "ec2:DeleteSnapshot", nth: 1 } },
  // Intent journaled, call never sent: the target's copy (adopt-by-tags must find nothing and copy once).
  { name: "aws:before", at: { taskId: "vol.copy", action: "ec2:CopySnapshot" } },
  // Default parallelism: several tasks in flight, inside waits and between progress saves.
  { name: "progress:saved", at: "middle" },
  { name: "wait:poll", at: "first" },
  { name: "wait:poll", at: { fraction: 0.4 } },
];

const isCall = (at: Point["at"]): at is Call => typeof at === "object" && "taskId" in at;

function title(p: Point): string {
  if (isCall(p.at)) return `${p.name} ${p.at.taskId} ${p.at.action}${p.at.nth ? ` #${p.at.nth}` : ""} (--parallel 1)`;
  return `${p.name} ${typeof p.at === "string" ? p.at : `${Math.round(p.at.fraction * 100)}% in`}`;
}

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
let serialCalls: Call[] = [];
let baseline: {
  world: unknown;
  inventory: ReturnType<typeof inventory>;
  mutating: number;
  serialWorld: unknown;
  /** aws-call rows of the uninterrupted run per outcome. */
  outcomes: Record<string, number>;
};
const covered: Array<{ point: string; pending: string }> = [];

function statePath(): string {
  seq += 1;
  return join(tmp.dir, `state-${seq}.db`);
}

async function runOk(sim: Sim, state: string, extra: string[], env: Record<string, string> = {}) {
  const r = await cli(["run", EC2_MOVE, "--yes", ...extra, ...driveArgs(sim, state)], { env });
  if (r.code !== 0) throw new Error(`uninterrupted run failed: ${describeResult(r)}`);
  return (await statusJson(state)).run.id;
}

/** `run` (or `resume` of `resumeOf`) that must die by SIGKILL at `failpoint`; records what was in flight. */
async function crash(sim: Sim, state: string, failpoint: string, options: { serial?: boolean; resumeOf?: string }) {
  const head = options.resumeOf ? ["resume", options.resumeOf] : ["run", EC2_MOVE];
  const p1 = options.serial ? ["--parallel", "1"] : [];
  const r = await cli([...head, "--yes", ...p1, ...driveArgs(sim, state)], { env: { HIKKOSHI_FAILPOINT: failpoint } });
  expect(r.signal, `${head[0]} with HIKKOSHI_FAILPOINT=${failpoint} must die by SIGKILL: ${describeResult(r)}`).toBe(
    "SIGKILL",
  );
  const peek = peekState(state, options.resumeOf);
  covered.push({
    point: `${failpoint}${options.serial ? " -p1" : ""}${options.resumeOf ? " (resume)" : ""}`,
    pending: peek.pending.map((p) => `${p.taskId}: ${p.action}`).join("; "),
  });
  return peek;
}

/** `resume --yes` after the last crash, then everything an uninterrupted run would show. */
async function resumeAndCheck(sim: Sim, state: string, runId: string, failpoint: string) {
  const r = await cli(["resume", runId, "--yes", ...driveArgs(sim, state)]);
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
  const serialState = statePath();
  // The baseline (default parallelism, counting the failpoints) and the same run one task at a time (the
  // order of its AWS calls, to aim at one of them), side by side.
  const state = statePath();
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
  const seen = new Map<string, number>();
  serialCalls = (await logJson(serialState, serialRun))
    .filter((e) => e.kind === "aws-call")
    .sort((x, y) => x.id - y.id)
    .map((e) => {
      const key = `${e.taskId} ${e.action}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return { taskId: e.taskId ?? "", action: e.action, nth: seen.get(key)! };
    });
  for (const s of sims) pool.release(s);
}, TEST_TIMEOUT);

afterAll(async () => {
  if (covered.length > 0) {
    const lines = covered.map((c) => `  ${c.point.padEnd(34)} ${c.pending || "(no AWS call in flight)"}`);
    console.log(`EC2 crash points (${covered.length} crashes):\n${lines.join("\n")}`);
  }
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
    expect(serialCalls).toHaveLength(18);
    expect(counts["aws:after"]).toBe(18);
    expect(counts["task:succeeded"]).toBe(TASKS);
    for (const name of ["wait:entered", "wait:poll", "progress:saved"]) expect(counts[name], name).toBeGreaterThan(4);
    // One task at a time reaches the same world.
    expect(baseline.serialWorld).toEqual(baseline.world);
  });

  describe.concurrent("SIGKILL at a failpoint, then resume --yes: the world of an uninterrupted run", () => {
    for (const point of POINTS) {
      it(
        title(point),
        () =>
          pool.with(async (sim) => {
            const at = point.at;
            let n: number;
            if (isCall(at)) {
              n =
                serialCalls.findIndex(
                  (c) => c.taskId === at.taskId && c.action === at.action && c.nth === (at.nth ?? 1),
                ) + 1;
              expect(n, `${at.taskId} ${at.action} in the serial run`).toBeGreaterThan(0);
            } else {
              const count = counts[point.name] ?? 0;
              n =
                at === "first"
                  ? 1
                  : at === "middle"
                    ? Math.ceil(count / 2)
                    : Math.max(2, Math.floor(count * at.fraction));
            }
            const failpoint = `${point.name}:${n}`;
            const state = statePath();
            const peek = await crash(sim, state, failpoint, { serial: isCall(at) });
            if (isCall(at)) expect(peek.pending).toEqual([{ taskId: at.taskId, action: at.action }]);
            await resumeAndCheck(sim, state, peek.runId, failpoint);
          }),
        TEST_TIMEOUT,
      );
    }

    it(
      "a crash after CopyImage, a resume that crashes inside a wait, and a resume: still the same world",
      () =>
        pool.with(async (sim) => {
          const state = statePath();
          const n = serialCalls.findIndex((c) => c.taskId === "ami.reencrypt" && c.action === "ec2:CopyImage") + 1;
          const first = await crash(sim, state, `aws:after:${n}`, { serial: true });
          const second = await crash(sim, state, "wait:poll:2", { resumeOf: first.runId });
          expect(second.runId).toBe(first.runId);
          const status = await resumeAndCheck(sim, state, first.runId, "aws:after, then wait:poll");
          expect(status.tasks.find((t) => t.taskId === "ami.reencrypt")?.attempts).toBeGreaterThan(1);
        }),
      TEST_TIMEOUT,
    );
  });

  it("crashes interrupted every kind of EC2 call in flight", () => {
    const hit = new Set(covered.flatMap((c) => c.pending.split("; ").map((p) => p.split(": ")[1])));
    for (const action of [
      "CreateSnapshot",
      "CopySnapshot",
      "CopyImage",
      "ModifySnapshotAttribute",
      "ModifyImageAttribute",
      "DeregisterImage",
      "DeleteSnapshot",
    ]) {
      expect(hit.has(`ec2:${action}`), action).toBe(true);
    }
    expect(covered.length).toBe(POINTS.length + 2);
  });
});
