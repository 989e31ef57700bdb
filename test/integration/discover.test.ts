/**
 * `hikkoshi discover` on the full demo's world: read-only (no mutating call), it finds exactly what the
 * hand-written demo-split runbook moves under `--filter tag:env=staging` (its DynamoDB tables and its cache
 * too), leaves out what plan would block (with the reason in the draft), and writes a draft that validates
 * only once its placeholders are filled, then plans like the demo and runs. A small world of its own has the
 * tables and caches that cannot move (local secondary indexes, a global table, Memcached).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { REPO, runIdOf, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(REPO, "runbooks/sim/demo-split-world.yaml"), (s) => {
  sim = s;
});

const DISCOVER = ["discover", "--account", "source", "--region", "ap-northeast-1"];

/** The placeholders a person fills in, as the draft's comments ask. */
function fillIn(ws: Workspace, name: string) {
  ws.edit(name, /id: "<fill in: the target account's 12-digit id>"/, 'id: "222222222222"');
  ws.edit(
    name,
    /roleArn: "<fill in: a role in the target account[^"]*"/,
    "roleArn: arn:aws:iam::222222222222:role/hikkoshi-migrator\n    externalId: split-staging",
  );
  if (ws.read(name).includes("manifestBucket: ")) {
    ws.edit(name, /manifestBucket: "<fill in[^"]*"/, "manifestBucket: hikkoshi-manifests-222222222222");
  }
  if (ws.read(name).includes("dynamodb.move-table")) {
    ws.edit(
      name,
      /bucket: "<fill in: a bucket of the target account for the tables' exports>"/,
      "bucket: staging-ddb-exports",
    );
  }
  if (ws.read(name).includes("cacheExportBucket: ")) {
    ws.edit(name, /cacheExportBucket: "<fill in[^"]*"/, "cacheExportBucket: example-prod-cache-exports");
    ws.edit(name, /cacheTargetBucket: "<fill in[^"]*"/, "cacheTargetBucket: staging-cache-seed");
  }
  if (ws.read(name).includes("batchRoleArn: ")) {
    ws.edit(
      name,
      /batchRoleArn: "<fill in[^"]*"/,
      "batchRoleArn: arn:aws:iam::222222222222:role/hikkoshi-batch-operations",
    );
  }
}

describe("hikkoshi discover", () => {
  it("finds what the demo moves, read-only, and writes a draft that validates once filled in and plans like the demo", async () => {
    const ws = new Workspace(sim);
    sim.resetStats();
    const r = await ws.cli(...DISCOVER, "--filter", "tag:env=staging", "--out", "runbooks/split-staging.yaml");
    expect(r.code, r.all).toBe(0);
    expect(sim.stats().mutating).toBe(0);
    expect(sim.stats().calls["sts:GetCallerIdentity"]).toBeGreaterThan(0);
    expect(r.out).toMatch(/S3\s+example-staging-secrets-archive .*LEFT OUT\s+S3_SSE_KMS_AWS_MANAGED_KEY/);
    expect(r.out).not.toContain("prod-api-db");
    expect(r.out).toMatch(/DynamoDB\s+staging-carts .*2,000 items, PITR off.*move/);
    expect(r.out).toMatch(/ElastiCache\s+staging-valkey .*valkey 8\.0; 2 shards, 4 nodes cache\.r7g\.large.*move/);
    expect(r.out).toMatch(/DynamoDB\s+2 \/ 2\s+\S+ \S+\s+22,000 items/);
    expect(r.out).toMatch(/ElastiCache\s+1 \/ 1\s+—\s+2 shards/);

    const draft = ws.read("runbooks/split-staging.yaml");
    const demo = parse(readFileSync(join(REPO, "runbooks/demo-split.yaml"), "utf8")) as {
      params: Record<string, string[]>;
      steps: Array<{ type: string; with: Record<string, unknown> }>;
    };
    const params = (parse(draft) as { params: Record<string, string[]> }).params;
    for (const list of ["instances", "clusters", "volumes", "images", "buckets", "tables"]) {
      expect([...params[list]!].sort(), list).toEqual([...demo.params[list]!].sort());
    }
    // The demo moves its cache by name in one step; the draft lists the replication groups it moves.
    const demoCaches = demo.steps
      .filter((s) => s.type === "elasticache.move-snapshot")
      .map((s) => s.with.replicationGroup)
      .sort();
    expect([...params.replicationGroups!].sort()).toEqual(demoCaches);
    expect(params.cacheClusters).toBeUndefined();
    expect(params.serverlessCaches).toBeUndefined();
    expect(draft).toMatch(/type: dynamodb\.move-table\n {4}forEach: \$\{\{ params\.tables \}\}/);
    expect(draft).toMatch(/point-in-time recovery is off for staging-carts[\s\S]*?\n {6}enablePitr: true\n/);
    expect(draft).toMatch(/\n {6}deleteSource: false\n/);
    expect(draft).toMatch(/type: elasticache\.move-snapshot\n {4}forEach: \$\{\{ params\.replicationGroups \}\}/);
    // The bucket production's caches already export through is named where the placeholder asks for one.
    expect(draft).toMatch(/already allow it: example-prod-cache-exports\n {2}cacheExportBucket: "<fill in/);
    // Left out, with the reason, where the operator reads the list.
    expect(draft).toMatch(/# LEFT OUT \(S3_SSE_KMS_AWS_MANAGED_KEY\)[\s\S]*# - example-staging-secrets-archive/);
    expect(draft).toMatch(/# LEFT OUT \(BACKS_AMI\)[\s\S]*# - vol-05a9e0000000000b1/);
    expect(draft).toMatch(
      /staging-api-db +# postgres .*AWS managed key alias\/aws\/rds \(re-encrypted under the share key first\)/,
    );

    const unfilled = await ws.cli("validate", "runbooks/split-staging.yaml");
    expect(unfilled.code).toBe(2);
    // The target's id and role, manifest bucket, Batch Operations role, the tables' export bucket, the
    // cache's export and target buckets.
    expect(unfilled.all.match(/RB_PLACEHOLDER/g)).toHaveLength(7);
    expect(unfilled.all).toContain("not filled in yet: the target account's 12-digit id");

    fillIn(ws, "runbooks/split-staging.yaml");
    const valid = await ws.cli("validate", "runbooks/split-staging.yaml");
    expect(valid.code, valid.all).toBe(0);
    const plan = await ws.cli("plan", "runbooks/split-staging.yaml", "--json");
    expect(plan.code, plan.all).toBe(0);
    const planned = JSON.parse(plan.out);
    // 517 for RDS, EBS, AMI and S3; 4 per table (export, import, verify, and restore-pitr: the draft keeps the
    // source tables and sets enablePitr, since one has PITR off); 9 for the cache (snapshot, export,
    // grant-read, manifest, copy, verify, revoke-read, cleanup-snapshot, cleanup-files).
    expect(planned.summary).toMatchObject({ tasks: 517 + 2 * 4 + 9, blocking: 0 });
    const restores = (planned.tasks as Array<{ id: string }>).filter((t) => /\.restore-pitr\[/.test(t.id));
    expect(restores).toHaveLength(2);
    const planText = JSON.stringify(planned);
    for (const name of ["staging-sessions", "staging-carts", "staging-valkey"]) expect(planText).toContain(name);
    expect(sim.stats().mutating).toBe(0);
  });

  it("--json: the inventory with totals; --name-like narrows it", async () => {
    const ws = new Workspace(sim);
    const r = await ws.cli(...DISCOVER, "--name-like", "staging-*-db", "--json");
    expect(r.code, r.all).toBe(0);
    const inv = JSON.parse(r.out);
    expect(inv.format).toBe("hikkoshi-inventory/1");
    expect(inv.account).toMatchObject({ id: "111111111111", region: "ap-northeast-1" });
    expect(inv.databases.map((d: { id: string }) => d.id).sort()).toEqual([
      "staging-api-db",
      "staging-billing-db",
      "staging-metrics-db",
      "staging-worker-db",
    ]);
    expect(inv.buckets).toEqual([]);
    expect(inv.dynamodbTables).toEqual([]);
    expect(inv.caches).toEqual([]);

    const staging = JSON.parse((await ws.cli(...DISCOVER, "--filter", "tag:env=staging", "--json")).out);
    expect(staging.dynamodbTables.map((t: { id: string }) => t.id).sort()).toEqual([
      "staging-carts",
      "staging-sessions",
    ]);
    expect(staging.dynamodbTables.find((t: { id: string }) => t.id === "staging-sessions")).toMatchObject({
      itemCount: 20000,
      pitr: true,
      stream: "NEW_AND_OLD_IMAGES",
      ttlAttribute: "expiresAt",
      gsis: ["by-user"],
      lsis: [],
      replicas: [],
      encryption: "AWS owned",
      included: true,
    });
    expect(staging.caches).toEqual([
      expect.objectContaining({
        id: "staging-valkey",
        kind: "replication-group",
        engine: "valkey",
        engineVersion: "8.0",
        shards: 2,
        nodes: 4,
        nodeType: "cache.r7g.large",
        atRestEncryption: true,
        transitEncryption: true,
        included: true,
      }),
    ]);
    expect(staging.cacheExportBuckets).toEqual(["example-prod-cache-exports"]);
    expect(staging.totals).toContainEqual(
      expect.objectContaining({ family: "DynamoDB", included: 2, found: 2, items: 22000 }),
    );
    expect(staging.totals).toContainEqual(expect.objectContaining({ family: "ElastiCache", included: 1, shards: 2 }));
    expect(inv.totals).toContainEqual(expect.objectContaining({ family: "RDS", included: 4, found: 4, sizeGb: 360 }));
  });

  it("a draft of one database runs to the end on the simulator", async () => {
    const ws = new Workspace(sim);
    const made = await ws.cli(...DISCOVER, "--name-like", "staging-metrics-db", "--out", "one.yaml");
    expect(made.code, made.all).toBe(0);
    fillIn(ws, "one.yaml");
    const first = await ws.cli("run", "one.yaml", "--yes");
    expect(first.code, first.all).toBe(5);
    const runId = runIdOf(first.all);
    for (const gate of ["freeze", "restore-check"]) {
      expect((await ws.cli("approve", runId, gate)).code).toBe(0);
      const next = await ws.cli("resume", runId, "--yes");
      expect([0, 5], next.all).toContain(next.code);
    }
    const status = await ws.cli("status", runId, "--json");
    expect(JSON.parse(status.out).run.state, status.out).toBe("succeeded");
  });

  it("a draft of a table and a cache runs to the end on the simulator, the source table kept", async () => {
    const ws = new Workspace(sim);
    const made = await ws.cli(
      ...DISCOVER,
      "--name-like",
      "staging-carts",
      "--name-like",
      "staging-valkey",
      "--out",
      "two.yaml",
    );
    expect(made.code, made.all).toBe(0);
    fillIn(ws, "two.yaml");
    const first = await ws.cli("run", "two.yaml", "--yes");
    expect(first.code, first.all).toBe(5);
    const runId = runIdOf(first.all);
    for (const gate of ["freeze", "restore-check"]) {
      expect((await ws.cli("approve", runId, gate)).code).toBe(0);
      const next = await ws.cli("resume", runId, "--yes");
      expect([0, 5], next.all).toContain(next.code);
    }
    const status = await ws.cli("status", runId, "--json");
    expect(JSON.parse(status.out).run.state, status.out).toBe("succeeded");
    // The copy holds the source's 2,000 items (its verify compared every one); the source is kept
    // (deleteSource: false).
    const tables = sim.dump().dynamodb?.tables ?? [];
    const carts = (account: string) => tables.find((t) => t.arn.endsWith(`:${account}:table/staging-carts`));
    expect(carts("111111111111")).toMatchObject({ status: "ACTIVE", itemCount: 2000 });
    expect(carts("222222222222")).toMatchObject({ status: "ACTIVE", itemCount: 2000 });
  });

  it("says what is wrong with its input, and never overwrites a file", async () => {
    const ws = new Workspace(sim);
    for (const [args, text] of [
      [["discover", "--region", "ap-northeast-1"], "discover needs the account to inventory"],
      [["discover", "--account", "prod=x", "--region", "ap-northeast-1"], "the alias must be source or target"],
      [[...DISCOVER, "--filter", "env=staging"], "expected tag:Key=Value"],
      [["discover", "--account", "source", "--region", "ap-nowhere-1"], "not a region the AWS SDK knows"],
    ] as const) {
      const r = await ws.cli(...args);
      expect(r.code, r.all).toBe(2);
      expect(r.all).toContain(text);
      expect(r.all).not.toMatch(/\n\s+at /);
    }
    ws.write("taken.yaml", "keep me\n");
    const r = await ws.cli(...DISCOVER, "--out", "taken.yaml");
    expect(r.code).toBe(2);
    expect(ws.read("taken.yaml")).toBe("keep me\n");
  });
});

describe("hikkoshi discover: tables and caches that cannot move", () => {
  let small: SimulatorHandle;
  useSimulatorWorld(join(REPO, "test/fixtures/integration/discover-world.yaml"), (s) => {
    small = s;
  });

  it("lists every kind of cache and table, and leaves out LSIs, global tables and Memcached with their codes", async () => {
    const ws = new Workspace(small);
    small.resetStats();
    const r = await ws.cli(...DISCOVER, "--filter", "tag:env=staging", "--out", "small.yaml");
    expect(r.code, r.all).toBe(0);
    expect(small.stats().mutating).toBe(0);
    expect(small.stats().calls["dynamodb:ListTables"]).toBeGreaterThan(0);
    expect(r.out).toMatch(/DynamoDB\s+orders-by-day .*LEFT OUT\s+DYNAMODB_LSI_NOT_IMPORTABLE/);
    expect(r.out).toMatch(/DynamoDB\s+profiles-global .*LEFT OUT\s+DYNAMODB_GLOBAL_TABLE/);
    expect(r.out).toMatch(/ElastiCache\s+staging-memcached .*LEFT OUT\s+ELASTICACHE_MEMCACHED_NO_SNAPSHOTS/);
    expect(r.out).not.toContain("prod-ledger");
    // A replication group's member clusters are the group's, not standalone clusters.
    expect(r.out).not.toMatch(/staging-valkey-0/);

    const draft = ws.read("small.yaml");
    const params = (parse(draft) as { params: Record<string, string[]> }).params;
    expect(params.tables).toEqual(["orders"]);
    expect(params.replicationGroups).toEqual(["staging-valkey"]);
    expect(params.cacheClusters).toEqual(["staging-redis"]);
    expect(params.serverlessCaches).toEqual(["staging-serverless"]);
    expect(draft).toMatch(
      /# LEFT OUT \(DYNAMODB_LSI_NOT_IMPORTABLE\)[^\n]*\n(?: {4}# [^\n]*\n)* {4}# - orders-by-day /,
    );
    expect(draft).toMatch(/# LEFT OUT \(DYNAMODB_GLOBAL_TABLE\)[^\n]*\n(?: {4}# [^\n]*\n)* {4}# - profiles-global /);
    expect(draft).toMatch(
      /# LEFT OUT \(ELASTICACHE_MEMCACHED_NO_SNAPSHOTS\)[^\n]*\n(?: {4}# [^\n]*\n)* {4}# - staging-memcached /,
    );
    // One move-snapshot step per kind of cache, each over its own list; PITR is on, so no enablePitr.
    for (const [id, list, field] of [
      ["cache", "replicationGroups", "replicationGroup"],
      ["cache-cluster", "cacheClusters", "cacheCluster"],
      ["serverless-cache", "serverlessCaches", "serverlessCache"],
    ]) {
      expect(draft).toContain(
        `  - id: ${id}\n    type: elasticache.move-snapshot\n    forEach: \${{ params.${list} }}\n`,
      );
      expect(draft).toContain(`      ${field}: \${{ item }}\n`);
    }
    expect(draft).not.toContain("enablePitr");
    expect(draft).toMatch(/needs: \[cache, cache-cluster, serverless-cache\]/);
    // No bucket here lets ElastiCache export yet: the placeholder stays, and says so.
    expect(draft).toContain("No bucket of this account allows it yet");

    const unfilled = await ws.cli("validate", "small.yaml");
    expect(unfilled.code).toBe(2);
    // The target's id and role, the tables' export bucket, the caches' two buckets and the manifest bucket.
    expect(unfilled.all.match(/RB_PLACEHOLDER/g)).toHaveLength(6);
    fillIn(ws, "small.yaml");
    const valid = await ws.cli("validate", "small.yaml");
    expect(valid.code, valid.all).toBe(0);
  });
});
