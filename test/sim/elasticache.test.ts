import {
  AddTagsToResourceCommand,
  CopySnapshotCommand,
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  DescribeSnapshotsCommand,
  ListTagsForResourceCommand,
  RemoveTagsFromResourceCommand,
} from "@aws-sdk/client-elasticache";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { CACHE_WORLD, cacheClient } from "./elasticache-helpers.js";
import { errorOf, MINUTE, PROD, REGION, startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
beforeEach(async () => {
  sim = await startTestSim(CACHE_WORLD);
});
afterEach(() => sim.close());

const arn = (type: string, name: string) => `arn:aws:elasticache:${REGION}:${PROD}:${type}:${name}`;

async function describeSnapshot(name: string) {
  const out = await cacheClient(sim).send(new DescribeSnapshotsCommand({ SnapshotName: name }));
  return out.Snapshots![0]!;
}

describe("ElastiCache resources", () => {
  it("describes the seeded replication group, clusters and serverless cache", async () => {
    const ec = cacheClient(sim);
    const groups = await ec.send(new DescribeReplicationGroupsCommand({}));
    expect(groups.ReplicationGroups?.map((g) => g.ReplicationGroupId)).toEqual(["sessions"]);
    const g = groups.ReplicationGroups![0]!;
    expect(g.Engine).toBe("valkey");
    expect(g.ClusterEnabled).toBe(true);
    expect(g.NodeGroups?.map((n) => n.NodeGroupId)).toEqual(["0001", "0002"]);
    expect(g.NodeGroups![0]!.NodeGroupMembers?.map((m) => m.CacheClusterId)).toEqual([
      "sessions-0001-001",
      "sessions-0001-002",
    ]);
    expect(g.MemberClusters).toHaveLength(4);
    expect(g.AtRestEncryptionEnabled).toBe(true);
    expect(g.KmsKeyId).toMatch(/^arn:aws:kms:ap-northeast-1:111111111111:key\//);
    expect(g.SnapshotRetentionLimit).toBe(2);
    expect(g.ARN).toBe(arn("replicationgroup", "sessions"));

    const missing = await errorOf(ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: "nope" })));
    expect(missing.name).toBe("ReplicationGroupNotFoundFault");
    expect(missing.$metadata?.httpStatusCode).toBe(404);

    const standalone = await ec.send(
      new DescribeCacheClustersCommand({ ShowCacheClustersNotInReplicationGroups: true }),
    );
    expect(standalone.CacheClusters?.map((c) => [c.CacheClusterId, c.Engine])).toEqual([
      ["memo", "memcached"],
      ["single", "redis"],
    ]);
    const all = await ec.send(new DescribeCacheClustersCommand({}));
    expect(all.CacheClusters).toHaveLength(6);
    const memo = await ec.send(new DescribeCacheClustersCommand({ CacheClusterId: "memo", ShowCacheNodeInfo: true }));
    expect(memo.CacheClusters![0]!.CacheNodes?.map((n) => n.CacheNodeId)).toEqual(["0001", "0002"]);
    const noCluster = await errorOf(ec.send(new DescribeCacheClustersCommand({ CacheClusterId: "nope" })));
    expect(noCluster.name).toBe("CacheClusterNotFoundFault");

    const serverless = await ec.send(new DescribeServerlessCachesCommand({}));
    expect(serverless.ServerlessCaches?.map((c) => [c.ServerlessCacheName, c.Engine, c.Status])).toEqual([
      ["carts", "valkey", "available"],
    ]);
  });

  it("seeds automated snapshots for a retention limit", async () => {
    const out = await cacheClient(sim).send(new DescribeSnapshotsCommand({ SnapshotSource: "system" }));
    expect(out.Snapshots?.map((s) => s.SnapshotName)).toEqual([
      "automatic.sessions-2026-02-27-03-15",
      "automatic.sessions-2026-02-28-03-15",
    ]);
    expect(out.Snapshots![0]!.SnapshotSource).toBe("automated");
    expect(out.Snapshots![0]!.SnapshotStatus).toBe("available");
    const user = await cacheClient(sim).send(new DescribeSnapshotsCommand({ SnapshotSource: "user" }));
    expect(user.Snapshots).toEqual([]);
  });
});

describe("ElastiCache snapshots", () => {
  it("creates a snapshot of a 2-shard group: creating, then available on the virtual clock", async () => {
    const ec = cacheClient(sim);
    const created = await ec.send(
      new CreateSnapshotCommand({
        ReplicationGroupId: "sessions",
        SnapshotName: "manual-1",
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    const s = created.Snapshot!;
    expect(s.SnapshotStatus).toBe("creating");
    expect(s.SnapshotSource).toBe("manual");
    expect(s.NumNodeGroups).toBe(2);
    expect(s.Engine).toBe("valkey");
    expect(s.EngineVersion).toBe("8.0");
    expect(s.ARN).toBe(arn("snapshot", "manual-1"));
    expect(s.NodeSnapshots?.map((n) => [n.NodeGroupId, n.CacheSize])).toEqual([
      ["0001", "2048 MB"],
      ["0002", "1024 MB"],
    ]);
    // 3 GB × 60 s/GB = 3 minutes
    sim.advance(2 * MINUTE);
    expect((await describeSnapshot("manual-1")).SnapshotStatus).toBe("creating");
    sim.advance(MINUTE);
    const done = await describeSnapshot("manual-1");
    expect(done.SnapshotStatus).toBe("available");
    expect(done.KmsKeyId).toBe(s.KmsKeyId);

    const again = await errorOf(
      ec.send(new CreateSnapshotCommand({ ReplicationGroupId: "sessions", SnapshotName: "manual-1" })),
    );
    expect(again.name).toBe("SnapshotAlreadyExistsFault");
    const noGroup = await errorOf(ec.send(new CreateSnapshotCommand({ ReplicationGroupId: "x", SnapshotName: "y" })));
    expect(noGroup.name).toBe("ReplicationGroupNotFoundFault");
    const noCluster = await errorOf(ec.send(new CreateSnapshotCommand({ CacheClusterId: "x", SnapshotName: "y" })));
    expect(noCluster.name).toBe("CacheClusterNotFoundFault");
    const byGroup = await ec.send(new DescribeSnapshotsCommand({ ReplicationGroupId: "sessions" }));
    expect(byGroup.Snapshots?.map((x) => x.SnapshotName)).toContain("manual-1");
  });

  it("refuses snapshots of Memcached and takes them of a standalone Redis OSS cluster", async () => {
    const ec = cacheClient(sim);
    const memo = await errorOf(ec.send(new CreateSnapshotCommand({ CacheClusterId: "memo", SnapshotName: "m" })));
    expect(memo.name).toBe("SnapshotFeatureNotSupportedFault");
    expect(memo.$metadata?.httpStatusCode).toBe(400);
    const single = await ec.send(new CreateSnapshotCommand({ CacheClusterId: "single", SnapshotName: "one" }));
    expect(single.Snapshot?.CacheClusterId).toBe("single");
    expect(single.Snapshot?.NodeSnapshots?.map((n) => [n.CacheNodeId, n.CacheSize])).toEqual([["0001", "10 MB"]]);
    sim.advance(MINUTE);
    expect((await describeSnapshot("one")).SnapshotStatus).toBe("available");
  });

  it("copies a snapshot, refuses to copy one still creating, deletes through deleting", async () => {
    const ec = cacheClient(sim);
    await ec.send(new CreateSnapshotCommand({ ReplicationGroupId: "sessions", SnapshotName: "base" }));
    const early = await errorOf(
      ec.send(new CopySnapshotCommand({ SourceSnapshotName: "base", TargetSnapshotName: "copy" })),
    );
    expect(early.name).toBe("InvalidSnapshotStateFault");
    const deleting = await errorOf(ec.send(new DeleteSnapshotCommand({ SnapshotName: "base" })));
    expect(deleting.name).toBe("InvalidSnapshotStateFault");
    sim.advance(3 * MINUTE);
    const copy = await ec.send(new CopySnapshotCommand({ SourceSnapshotName: "base", TargetSnapshotName: "copy" }));
    expect(copy.Snapshot?.SnapshotName).toBe("copy");
    expect(copy.Snapshot?.SnapshotStatus).toBe("creating");
    expect(copy.Snapshot?.NodeSnapshots).toHaveLength(2);
    const taken = await errorOf(
      ec.send(new CopySnapshotCommand({ SourceSnapshotName: "base", TargetSnapshotName: "copy" })),
    );
    expect(taken.name).toBe("SnapshotAlreadyExistsFault");
    const missing = await errorOf(
      ec.send(new CopySnapshotCommand({ SourceSnapshotName: "nope", TargetSnapshotName: "x" })),
    );
    expect(missing.name).toBe("SnapshotNotFoundFault");
    expect(missing.$metadata?.httpStatusCode).toBe(404);

    const deleted = await ec.send(new DeleteSnapshotCommand({ SnapshotName: "base" }));
    expect(deleted.Snapshot?.SnapshotStatus).toBe("deleting");
    expect((await describeSnapshot("base")).SnapshotStatus).toBe("deleting");
    sim.advance(MINUTE);
    const gone = await errorOf(ec.send(new DescribeSnapshotsCommand({ SnapshotName: "base" })));
    expect(gone.name).toBe("SnapshotNotFoundFault");
    expect(sim.dump().elasticache?.regions[`${PROD}:${REGION}`]?.snapshots.map((s) => [s.name, s.status])).toEqual([
      ["automatic.sessions-2026-02-27-03-15", "available"],
      ["automatic.sessions-2026-02-28-03-15", "available"],
      ["copy", "creating"],
    ]);
  });

  it("round-trips tags on snapshots, groups and clusters", async () => {
    const ec = cacheClient(sim);
    await ec.send(
      new CreateSnapshotCommand({
        ReplicationGroupId: "sessions",
        SnapshotName: "t",
        Tags: [{ Key: "a", Value: "1" }],
      }),
    );
    const added = await ec.send(
      new AddTagsToResourceCommand({ ResourceName: arn("snapshot", "t"), Tags: [{ Key: "b", Value: "2" }] }),
    );
    expect(added.TagList).toEqual([
      { Key: "a", Value: "1" },
      { Key: "b", Value: "2" },
    ]);
    const removed = await ec.send(
      new RemoveTagsFromResourceCommand({ ResourceName: arn("snapshot", "t"), TagKeys: ["a"] }),
    );
    expect(removed.TagList).toEqual([{ Key: "b", Value: "2" }]);
    const listed = await ec.send(new ListTagsForResourceCommand({ ResourceName: arn("snapshot", "t") }));
    expect(listed.TagList).toEqual([{ Key: "b", Value: "2" }]);
    const group = await ec.send(new ListTagsForResourceCommand({ ResourceName: arn("replicationgroup", "sessions") }));
    expect(group.TagList).toEqual([{ Key: "team", Value: "web" }]);
    const cluster = await ec.send(new ListTagsForResourceCommand({ ResourceName: arn("cluster", "single") }));
    expect(cluster.TagList).toEqual([]);
    const bad = await errorOf(ec.send(new ListTagsForResourceCommand({ ResourceName: "nope" })));
    expect(bad.name).toBe("InvalidARNFault");
    const none = await errorOf(ec.send(new ListTagsForResourceCommand({ ResourceName: arn("snapshot", "zz") })));
    expect(none.name).toBe("SnapshotNotFoundFault");
    expect(sim.dump().elasticache?.regions[`${PROD}:${REGION}`]?.snapshots.find((s) => s.name === "t")?.tags).toEqual({
      b: "2",
    });
  });

  it("pages DescribeSnapshots with MaxRecords and Marker", async () => {
    const ec = cacheClient(sim);
    for (let i = 0; i < 25; i++) {
      await ec.send(
        new CreateSnapshotCommand({ CacheClusterId: "single", SnapshotName: `p-${String(i).padStart(2, "0")}` }),
      );
    }
    const first = await ec.send(new DescribeSnapshotsCommand({ CacheClusterId: "single", MaxRecords: 20 }));
    expect(first.Snapshots).toHaveLength(20);
    expect(first.Marker).toBeDefined();
    const second = await ec.send(
      new DescribeSnapshotsCommand({ CacheClusterId: "single", MaxRecords: 20, Marker: first.Marker }),
    );
    expect(second.Snapshots?.map((s) => s.SnapshotName)).toEqual(["p-20", "p-21", "p-22", "p-23", "p-24"]);
    expect(second.Marker).toBeUndefined();
    const bad = await errorOf(ec.send(new DescribeSnapshotsCommand({ MaxRecords: 5 })));
    expect(bad.name).toBe("InvalidParameterValueException");
  });
});
