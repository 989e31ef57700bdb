/**
 * Faults the SDK's standard retry absorbs: throttling on reads, a 500 on a mutating call. The run
 * succeeds, the simulator's stats show the retried calls, and nothing is created twice.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import type { JournalEntry } from "../../src/state/index.js";
import { FIXTURES, ndjson, PROD, REGION, runIdOf, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(FIXTURES, "world.yaml"), (s) => {
  sim = s;
});

/** Errors answered by the simulator, without the NotFound answers a step's observation expects. */
function injected(errors: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(errors).filter(([k]) => !/NotFound/.test(k)));
}

async function runFaults(ws: Workspace) {
  const runbook = ws.add("faults.yaml");
  const r = await ws.cli("run", runbook, "--yes");
  const runId = runIdOf(r.out);
  const journal = ndjson<JournalEntry>((await ws.cli("log", runId, "--json")).out).filter((e) => e.kind === "aws-call");
  const source = sim.dump().accounts[PROD]!.regions[REGION]!;
  return { r, journal, source, stats: sim.stats() };
}

describe("SDK retries absorb transient faults", () => {
  it("throttling on DescribeDBSnapshots: the run succeeds and the stats show the throttled calls", async () => {
    const ws = new Workspace(sim);
    // Throttle the first two DescribeDBSnapshots after the preflight plan's (as many as `plan` makes),
    // so the faults hit the tasks themselves.
    sim.resetStats();
    expect((await ws.cli("plan", ws.add("faults.yaml"))).code).toBe(0);
    const planCalls = sim.stats().calls["rds:DescribeDBSnapshots"] ?? 0;
    sim.addFaults({ service: "rds", action: "DescribeDBSnapshots", throttle: true, nth: planCalls + 1, times: 2 });
    sim.resetStats();
    const { r, journal, source, stats } = await runFaults(ws);
    expect(r.code, r.all).toBe(0);
    expect(injected(stats.errors)).toEqual({ "rds:DescribeDBSnapshots:Throttling": 2 });
    // The preflight's calls, the two throttled ones, and at least the retry that got through.
    expect(stats.calls["rds:DescribeDBSnapshots"]).toBeGreaterThanOrEqual(planCalls + 3);
    expect(r.out).not.toContain("FAILED");
    expect(journal.map((e) => `${e.action} ${e.outcome}`).sort()).toEqual([
      "kms:CreateAlias ok",
      "kms:CreateKey ok",
      "rds:CreateDBSnapshot ok",
    ]);
    expect(source.dbSnapshots.find((s) => s.id === "it-fault-orders")?.status).toBe("available");
  });

  it("a 500 on CreateKey and on CreateDBSnapshot: retried by the SDK, one key and one snapshot, one journal row each", async () => {
    const ws = new Workspace(sim);
    sim.addFaults([
      { service: "kms", action: "CreateKey", code: "KMSInternalException", status: 500 },
      { service: "rds", action: "CreateDBSnapshot", code: "InternalFailure", status: 500 },
    ]);
    sim.resetStats();
    const { r, journal, source, stats } = await runFaults(ws);
    expect(r.code, r.all).toBe(0);

    expect(injected(stats.errors)).toEqual({
      "kms:CreateKey:KMSInternalException": 1,
      "rds:CreateDBSnapshot:InternalFailure": 1,
    });
    expect(stats.calls["kms:CreateKey"]).toBe(2);
    expect(stats.calls["rds:CreateDBSnapshot"]).toBe(2);

    // The journal records the operation once, with its final outcome.
    const rows = (action: string) => journal.filter((e) => e.action === action);
    expect(rows("kms:CreateKey")).toEqual([expect.objectContaining({ outcome: "ok", taskId: "share-key" })]);
    expect(rows("rds:CreateDBSnapshot")).toEqual([expect.objectContaining({ outcome: "ok", taskId: "snap" })]);

    // Nothing twice: one key for the alias (and no orphan key), one snapshot.
    const ours = source.kmsKeys.filter((k) => k.tags["hikkoshi:alias"] === "alias/it/faulty");
    expect(ours).toHaveLength(1);
    expect(ours[0]!.aliases).toEqual(["alias/it/faulty"]);
    for (const k of source.kmsKeys) expect(k.aliases.length, k.id).toBeGreaterThan(0);
    expect(source.dbSnapshots.filter((s) => s.source === "orders-db" && s.type === "manual").map((s) => s.id)).toEqual(
      ["it-fault-orders", "orders-db-shared"].sort(),
    );
  });

  it("a fault that outlasts the retries fails the task (exit 4); resume then finishes without duplicates", async () => {
    const ws = new Workspace(sim);
    sim.addFaults({ service: "rds", action: "CreateDBSnapshot", code: "InternalFailure", status: 500, times: 10 });
    const runbook = ws.add("faults.yaml");
    // Only the SDK's own attempts here (task-level retries would absorb ten 500s: test/integration/transient.test.ts).
    process.env.HIKKOSHI_RETRY_MAX = "0";
    const failed = await ws.cli("run", runbook, "--yes").finally(() => {
      delete process.env.HIKKOSHI_RETRY_MAX;
    });
    expect(failed.code, failed.all).toBe(4);
    const runId = runIdOf(failed.out);
    expect(failed.out).toContain("Failed: snap");
    expect(failed.out).toContain(`hikkoshi resume ${runId}`);

    sim.clearFaults();
    sim.resetStats();
    const resumed = await ws.cli("resume", runId);
    expect(resumed.code, resumed.all).toBe(0);
    // The key made before the failure is not made again.
    expect(sim.stats().calls["kms:CreateKey"]).toBeUndefined();
    expect(sim.stats().calls["rds:CreateDBSnapshot"]).toBe(1);
    const journal = ndjson<JournalEntry>((await ws.cli("log", runId, "--json")).out).filter(
      (e) => e.kind === "aws-call",
    );
    expect(journal.filter((e) => e.action === "rds:CreateDBSnapshot").map((e) => e.outcome)).toEqual(["error", "ok"]);
    expect(journal.filter((e) => e.action === "kms:CreateKey").map((e) => e.outcome)).toEqual(["ok"]);
  });
});
