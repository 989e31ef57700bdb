/**
 * The whole RDS move through the real CLI: runbooks/demo-rds.yaml against the demo world. Four instances
 * and an Aurora cluster leave production for staging; the manual steps are approved with `approve` and
 * the run continued with `resume`, as an operator without a terminal would.
 */
import { describe, expect, it } from "vitest";
import type { SimulatorHandle, WorldDump } from "../../src/sim/index.js";
import type { JournalEntry } from "../../src/state/index.js";
import {
  DEMO_RUNBOOK,
  DEMO_WORLD,
  ndjson,
  PROD,
  REGION,
  runIdOf,
  STAGING,
  useSimulatorWorld,
  Workspace,
} from "./helpers.js";

const INSTANCES = ["staging-api-db", "staging-billing-db", "staging-metrics-db", "staging-worker-db"];
const CLUSTERS = ["staging-aurora"];
const SOURCE_ARN = `arn:aws:iam::${PROD}:user/sim-user`;
const TARGET_ROLE_SESSION = `arn:aws:sts::${STAGING}:assumed-role/hikkoshi-migrator/`;

let sim: SimulatorHandle;
useSimulatorWorld(DEMO_WORLD, (s) => {
  sim = s;
});

function region(dump: WorldDump, account: string) {
  const r = dump.accounts[account]?.regions[REGION];
  if (!r) throw new Error(`no ${REGION} in ${account}`);
  return r;
}

describe("run runbooks/demo-rds.yaml --yes (no TTY)", () => {
  it("stops for each manual step, and approve + resume carry it to success with the world as planned", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add(DEMO_RUNBOOK);
    sim.resetStats();

    // 1. Stops at the first manual step and says how to continue.
    const first = await ws.cli("run", runbook, "--yes");
    expect(first.code, first.all).toBe(5);
    const runId = runIdOf(first.out);
    expect(first.out).toContain(`hikkoshi approve ${runId} 'freeze'`);
    expect(first.out).toContain(`hikkoshi resume ${runId}`);

    // 2. Approve the freeze, resume: everything up to the last manual step.
    expect((await ws.cli("approve", runId, "freeze")).code).toBe(0);
    // --yes is per invocation: the demo's cleanup tasks (destructive) are confirmed on each drive.
    const second = await ws.cli("resume", runId, "--yes");
    expect(second.code, second.all).toBe(5);
    expect(second.out).toContain(`hikkoshi approve ${runId} 'restore-check'`);

    // 3. Approve the restore check, resume: done.
    expect((await ws.cli("approve", runId, "restore-check")).code).toBe(0);
    const third = await ws.cli("resume", runId, "--yes");
    expect(third.code, third.all).toBe(0);
    expect(third.out).toContain(`Run ${runId} succeeded.`);

    const stats = sim.stats();
    const dump = sim.dump();
    const source = region(dump, PROD);
    const target = region(dump, STAGING);

    // The target key: exactly one key per alias, and the target's only key is its own alias/staging/rds.
    for (const account of [PROD, STAGING]) {
      const aliases = region(dump, account).kmsKeys.flatMap((k) => k.aliases);
      expect(new Set(aliases).size, `duplicate aliases in ${account}: ${aliases}`).toBe(aliases.length);
      // No orphan key (created by an attempt that never got its alias).
      for (const key of region(dump, account).kmsKeys) expect(key.aliases.length, key.id).toBeGreaterThan(0);
    }
    const targetKeys = target.kmsKeys.filter((k) => k.aliases.includes("alias/staging/rds"));
    expect(targetKeys).toHaveLength(1);
    const targetKey = targetKeys[0]!;
    expect(targetKey.arn).toContain(`:${STAGING}:key/`);
    const shareKeys = source.kmsKeys.filter((k) => k.aliases.includes("alias/hikkoshi/demo-rds"));
    expect(shareKeys).toHaveLength(1);

    // One available snapshot per instance and per cluster in the target, under the target's own key.
    const targetInstanceSnaps = target.dbSnapshots.filter((s) => s.type === "manual");
    const targetClusterSnaps = target.dbClusterSnapshots.filter((s) => s.type === "manual");
    expect(targetInstanceSnaps.map((s) => s.source).sort()).toEqual(INSTANCES);
    expect(targetClusterSnaps.map((s) => s.source).sort()).toEqual(CLUSTERS);
    for (const s of [...targetInstanceSnaps, ...targetClusterSnaps]) {
      expect(s.status, s.id).toBe("available");
      expect(s.encrypted, s.id).toBe(true);
      expect(s.kmsKeyArn, s.id).toBe(targetKey.arn);
      expect(s.kmsKeyAlias, s.id).toBe("alias/staging/rds");
      expect(s.sharedWith, s.id).toEqual([]);
      expect(s.arn).toContain(`:${STAGING}:`);
    }

    // Nothing in the source is shared with anyone but the target, and never publicly.
    const sourceSnaps = [...source.dbSnapshots, ...source.dbClusterSnapshots];
    for (const s of sourceSnaps) {
      if (s.sharedWith.length > 0) expect(s.sharedWith, s.id).toEqual([STAGING]);
      expect(s.sharedWith, s.id).not.toContain("all");
    }
    // The share key admits the target account.
    expect(JSON.stringify(shareKeys[0]!.policy)).toContain(`arn:aws:iam::${STAGING}:root`);

    // status --json: every task succeeded.
    const status = await ws.cli("status", runId, "--json");
    expect(status.code).toBe(0);
    const report = JSON.parse(status.out) as {
      run: { id: string; state: string };
      counts: Record<string, number>;
      tasks: { taskId: string; status: string }[];
    };
    expect(report.run.state).toBe("succeeded");
    expect(report.counts.total).toBeGreaterThanOrEqual(24);
    expect(report.counts.succeeded).toBe(report.counts.total);
    expect(report.tasks.filter((t) => t.status !== "succeeded")).toEqual([]);

    // log --json: one aws-call row per mutating call the simulator answered, with who, where, what, ok.
    const log = await ws.cli("log", runId, "--json");
    expect(log.code).toBe(0);
    const calls = ndjson<JournalEntry>(log.out).filter((e) => e.kind === "aws-call");
    expect(calls.length).toBe(stats.mutating);
    const journaled: Record<string, number> = {};
    for (const c of calls) journaled[c.action] = (journaled[c.action] ?? 0) + 1;
    const answered = Object.fromEntries(
      Object.entries(stats.calls).filter(([k]) => !/:(Describe|List|Get|Head)|:AssumeRole$/.test(k)),
    );
    expect(journaled).toEqual(answered);
    for (const c of calls) {
      expect(c.outcome, JSON.stringify(c)).toBe("ok");
      expect(c.resource, JSON.stringify(c)).toBeTruthy();
      expect(c.taskId, JSON.stringify(c)).toBeTruthy();
      if (c.accountId === PROD) expect(c.actor).toBe(SOURCE_ARN);
      else {
        expect(c.accountId).toBe(STAGING);
        expect(c.actor).toContain(TARGET_ROLE_SESSION);
      }
    }
    // Every final copy was made by the target account, through the assumed role.
    const copies = calls.filter((c) => c.taskId?.startsWith("db.copy[") || c.taskId?.startsWith("aurora.copy["));
    expect(copies).toHaveLength(5);
    for (const c of copies) expect(c.accountId).toBe(STAGING);
    // One share per intermediate snapshot, no more.
    expect(stats.calls["rds:ModifyDBSnapshotAttribute"]).toBe(4);
    expect(stats.calls["rds:ModifyDBClusterSnapshotAttribute"]).toBe(1);

    // Each shared intermediate (shared with the target only, under the share key) is either still there
    // or was deleted by this run's cleanup; a cleanup deletes only this run's snapshots.
    const deleted = calls.filter((c) => /:DeleteDB(Cluster)?Snapshot$/.test(c.action)).map((c) => c.resource ?? "");
    for (const d of deleted) expect(d).toMatch(new RegExp(`:(cluster-)?snapshot:hk-${runId}-`));
    for (const [step, ids] of [
      ["db", INSTANCES],
      ["aurora", CLUSTERS],
    ] as const) {
      for (const id of ids) {
        const name = `hk-${runId}-${step}-reencrypt-${id}`;
        const intermediate = sourceSnaps.find((s) => s.id === name);
        if (intermediate) {
          expect(intermediate.sharedWith, name).toEqual([STAGING]);
          expect(intermediate.kmsKeyAlias, name).toBe("alias/hikkoshi/demo-rds");
        } else {
          expect(
            deleted.some((d) => d.endsWith(`:${name}`)),
            `${name} neither kept nor deleted`,
          ).toBe(true);
        }
      }
    }
    // The journal shows the share of every intermediate, with the target.
    const shares = calls.filter((c) => /:ModifyDB(Cluster)?SnapshotAttribute$/.test(c.action));
    expect(shares.map((c) => c.resource?.replace(/^.*:/, "")).sort()).toEqual(
      [
        ...INSTANCES.map((i) => `hk-${runId}-db-reencrypt-${i}`),
        ...CLUSTERS.map((c) => `hk-${runId}-aurora-reencrypt-${c}`),
      ].sort(),
    );
  });

  it("plan --out, then run --plan applies exactly that plan (no false drift) through to success", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add(DEMO_RUNBOOK);
    const planned = await ws.cli("plan", runbook, "--out", "p.json");
    expect(planned.code, planned.all).toBe(0);
    const run = await ws.cli("run", runbook, "--plan", "p.json", "--yes");
    expect(run.code, run.all).toBe(5);
    const runId = runIdOf(run.out);
    for (const task of ["freeze", "restore-check"]) expect((await ws.cli("approve", runId, task)).code).toBe(0);
    const done = await ws.cli("resume", runId, "--yes");
    expect(done.code, done.all).toBe(0);
    const target = region(sim.dump(), STAGING);
    expect(target.dbSnapshots.filter((s) => s.type === "manual")).toHaveLength(INSTANCES.length);
    expect(target.dbClusterSnapshots.filter((s) => s.type === "manual")).toHaveLength(CLUSTERS.length);
  });

  it("a second resume of a succeeded run does nothing", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add(DEMO_RUNBOOK);
    const runId = runIdOf((await ws.cli("run", runbook, "--yes")).out);
    // Pre-approving a manual step that has not been reached yet is allowed.
    expect((await ws.cli("approve", runId, "freeze")).code).toBe(0);
    expect((await ws.cli("approve", runId, "restore-check")).code).toBe(0);
    const done = await ws.cli("resume", runId, "--yes");
    expect(done.code, done.all).toBe(0);

    sim.resetStats();
    const again = await ws.cli("resume", runId);
    expect(again.code).toBe(0);
    expect(again.out).toContain("already succeeded");
    expect(sim.stats().total).toBe(0);
  });
});
