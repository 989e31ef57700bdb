/**
 * DynamoDB tables and a Valkey cache move through the whole CLI (in-process) against the simulator:
 * the plan is read-only and says what each family needs; the run exports, imports and verifies both
 * tables and deletes their sources only after, snapshots the cache, exports its .rdb files (one per shard)
 * into production's bucket, copies and verifies them into staging's bucket, takes the read grant back and
 * cleans up; a resume changes nothing; a Memcached cluster and a bucket ElastiCache may not write are
 * refused by the plan with what to do.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/engine/index.js";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { FIXTURES, mutatingCalls, PROD, runIdOf, STAGING, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(FIXTURES, "data-world.yaml"), (s) => {
  sim = s;
});

const tableArn = (account: string, name: string) => `arn:aws:dynamodb:ap-northeast-1:${account}:table/${name}`;

async function planOf(ws: Workspace, runbook: string) {
  const r = await ws.cli("plan", runbook, "--json");
  const plan = JSON.parse(r.out) as Plan;
  const codes = (severity: string) =>
    plan.tasks.flatMap((t) => t.preconditions.filter((p) => p.severity === severity && !p.ok).map((p) => p.code));
  return { code: r.code, plan, blocking: codes("error"), warnings: codes("warning"), err: r.err };
}

describe("DynamoDB and ElastiCache moves through the CLI", () => {
  it("plan is read-only and names what each family needs", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add(join(FIXTURES, "data-move.yaml"));
    const before = sim.dump();
    sim.resetStats();
    const { code, plan, blocking, warnings, err } = await planOf(ws, runbook);
    expect(code, err).toBe(0);
    expect(blocking).toEqual([]);
    expect(sim.stats().mutating, JSON.stringify(mutatingCalls(sim.stats()))).toBe(0);
    expect(sim.dump()).toEqual(before);
    expect(plan.tasks.map((t) => t.id)).toContain("cache.cleanup-files");
    expect(new Set(warnings)).toEqual(
      new Set([
        "DYNAMODB_STREAM_CONSUMERS",
        "DYNAMODB_AWS_OWNED_KEY",
        "ELASTICACHE_TARGET_ENGINE",
        "ELASTICACHE_TARGET_SETTINGS",
      ]),
    );
    const deletes = plan.tasks.filter((t) => t.action === "delete");
    expect(deletes.filter((t) => t.danger === "source").map((t) => t.id)).toEqual([
      "table.delete-source[staging-sessions]",
      "table.delete-source[staging-carts]",
    ]);
  });

  it("runs to the end; the world is as planned; a resume changes nothing", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add(join(FIXTURES, "data-move.yaml"));
    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(0);
    const runId = runIdOf(run.out);

    const dump = sim.dump();
    const ddb = dump.dynamodb!;
    const tables = new Map(ddb.tables.map((t) => [t.arn, t]));
    expect(tables.get(tableArn(STAGING, "staging-sessions"))).toMatchObject({ itemCount: 2000, pitr: true });
    expect(tables.get(tableArn(STAGING, "staging-carts"))).toMatchObject({ itemCount: 3, billingMode: "PROVISIONED" });
    expect(tables.has(tableArn(PROD, "staging-sessions"))).toBe(false);
    expect(ddb.deletedTables.map((t) => t.arn).sort()).toEqual([
      tableArn(PROD, "staging-carts"),
      tableArn(PROD, "staging-sessions"),
    ]);
    expect(ddb.exports.map((e) => e.status)).toEqual(["COMPLETED", "COMPLETED"]);
    expect(ddb.imports.map((i) => [i.status, i.errorCount])).toEqual([
      ["COMPLETED", 0],
      ["COMPLETED", 0],
    ]);

    const buckets = new Map(dump.s3.buckets.map((b) => [b.name, b]));
    expect(buckets.get("staging-cache-seed")).toMatchObject({ keys: 2, versions: 2 });
    expect(buckets.get("prod-cache-exports")).toMatchObject({ versions: 0 });
    const cache = dump.elasticache!.regions[`${PROD}:ap-northeast-1`]!;
    expect(cache.snapshots.filter((s) => s.status !== "deleting")).toEqual([]);

    const status = await ws.cli("status", runId, "--json");
    const tasks = (JSON.parse(status.out) as { tasks: Array<{ taskId: string; outputs?: Record<string, unknown> }> })
      .tasks;
    const exported = tasks.find((t) => t.taskId === "cache.export");
    expect(exported?.outputs?.destinationArns).toEqual([
      expect.stringMatching(/^arn:aws:s3:::staging-cache-seed\/hk-.*-0001\.rdb$/),
      expect.stringMatching(/^arn:aws:s3:::staging-cache-seed\/hk-.*-0002\.rdb$/),
    ]);

    sim.resetStats();
    const again = await ws.cli("resume", runId, "--yes");
    expect(again.code, again.all).toBe(0);
    expect(mutatingCalls(sim.stats())).toEqual({});
  });

  it("plan refuses Memcached and a bucket ElastiCache may not write, saying what to add", async () => {
    const ws = new Workspace(sim);
    const text = `name: it-cache-refused
version: 1
accounts:
  source: { id: "${PROD}", region: ap-northeast-1 }
  target: { id: "${STAGING}", region: ap-northeast-1, roleArn: "arn:aws:iam::${STAGING}:role/hikkoshi-migrator", externalId: split-staging }
steps:
  - id: memo
    type: elasticache.create-snapshot
    account: source
    with: { cacheCluster: staging-memo }
  - id: closed
    type: elasticache.move-snapshot
    with:
      from: source
      to: target
      replicationGroup: staging-valkey
      targetEngineVersion: "7.2"
      exportBucket: prod-cache-exports-closed
      targetBucket: staging-cache-seed
      manifestBucket: hikkoshi-manifests-${STAGING}
`;
    const runbook = ws.write("refused.yaml", text);
    const { code, plan, blocking } = await planOf(ws, runbook);
    expect(code).not.toBe(0);
    expect(new Set(blocking)).toEqual(
      new Set([
        "ELASTICACHE_MEMCACHED_NO_SNAPSHOTS",
        "ELASTICACHE_BUCKET_NOT_GRANTED",
        "ELASTICACHE_ENGINE_INCOMPATIBLE",
      ]),
    );
    const grant = plan.tasks.flatMap((t) => t.preconditions).find((p) => p.code === "ELASTICACHE_BUCKET_NOT_GRANTED");
    expect(grant?.hint).toContain("ap-northeast-1.elasticache-snapshot.amazonaws.com");
    expect(grant?.hint).toContain("arn:aws:s3:::prod-cache-exports-closed/*");
  });
});
