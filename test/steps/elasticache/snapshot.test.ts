/**
 * elasticache.create-snapshot and elasticache.delete-snapshot on the simulator. Create: a 2-shard group's
 * snapshot becomes available with its engine, version and shards; a resume (checkpoint kept or lost) makes
 * no second CreateSnapshot; a snapshot of the task's name without our tags is refused; fromAutomated copies
 * the newest automated snapshot; a serverless cache takes the serverless path; the plan blocks Memcached, a
 * missing cache, fromAutomated without automated snapshots and an engine that cannot load the snapshot, and
 * changes nothing. Delete: only this run's snapshot, and a snapshot already gone is done without a call.
 */

import {
  CreateSnapshotCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DescribeSnapshotsCommand,
  ListTagsForResourceCommand,
} from "@aws-sdk/client-elasticache";
import { afterEach, describe, expect, it } from "vitest";
import { taskTags } from "../../../src/engine/names.js";
import { elasticacheCreateSnapshot } from "../../../src/steps/elasticache/create-snapshot.js";
import { elasticacheDeleteSnapshot } from "../../../src/steps/elasticache/delete-snapshot.js";
import { cacheName } from "../../../src/steps/elasticache/read.js";
import { blocking, countOf, PROD, REGION, startCacheWorld, stopCacheWorld } from "./world.js";

afterEach(stopCacheWorld);

const TASK = "cache.snapshot[sessions]";

describe("elasticache.create-snapshot", () => {
  it("snapshots a 2-shard group once; a resume, checkpoint kept or lost, adopts it without a second call", async () => {
    const { sim, h, cache } = await startCacheWorld();
    const name = cacheName(h.runContext("source", TASK), "snapshot");
    const out = await h.run(elasticacheCreateSnapshot, "source", { replicationGroup: "sessions" }, TASK);
    expect(out).toMatchObject({
      snapshotName: name,
      snapshotArn: `arn:aws:elasticache:${REGION}:${PROD}:snapshot:${name}`,
      kind: "node-based",
      engine: "valkey",
      engineVersion: "8.0",
      shards: 2,
    });
    expect(Number(out.sizeBytes)).toBeGreaterThan(0);
    const described = (await cache.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots?.[0];
    expect(described?.SnapshotStatus).toBe("available");
    expect(described?.NodeSnapshots).toHaveLength(2);
    // The tags came with the creating request: what a resume recognises.
    const tags = await cache.send(new ListTagsForResourceCommand({ ResourceName: String(out.snapshotArn) }));
    const tagMap = Object.fromEntries((tags.TagList ?? []).map((t) => [t.Key, t.Value]));
    expect(tagMap).toMatchObject(taskTags("testrun", TASK, "step-tests"));
    expect(h.progress.get(TASK)).toMatchObject({ snapshotName: name });
    expect(countOf(sim, "elasticache:CreateSnapshot")).toBe(1);

    const again = await h.run(elasticacheCreateSnapshot, "source", { replicationGroup: "sessions" }, TASK);
    expect(again).toEqual(out);
    expect(countOf(sim, "elasticache:CreateSnapshot")).toBe(1);

    h.progress.delete(TASK);
    const lost = await h.run(elasticacheCreateSnapshot, "source", { replicationGroup: "sessions" }, TASK);
    expect(lost).toEqual(out);
    expect(countOf(sim, "elasticache:CreateSnapshot")).toBe(1);
  });

  it("a resume adopts a snapshot still being created and waits for it", async () => {
    const { sim, h } = await startCacheWorld();
    const ctx = h.runContext("source", TASK);
    // The first attempt crashes while waiting: the snapshot was asked for and is still `creating`.
    await expect(
      elasticacheCreateSnapshot.run(
        {
          ...ctx,
          wait: async () => {
            throw new Error("crash while waiting");
          },
        },
        elasticacheCreateSnapshot.params.parse({ replicationGroup: "sessions" }),
      ),
    ).rejects.toThrow("crash while waiting");
    h.progress.delete(TASK);
    const out = await h.run(elasticacheCreateSnapshot, "source", { replicationGroup: "sessions" }, TASK);
    expect(out).toMatchObject({ snapshotName: cacheName(ctx, "snapshot"), shards: 2 });
    expect(countOf(sim, "elasticache:CreateSnapshot")).toBe(1);
  });

  it("refuses a snapshot of the task's name that is not ours, and creates nothing", async () => {
    const { sim, h, cache } = await startCacheWorld();
    const name = cacheName(h.runContext("source", TASK), "snapshot");
    await cache.send(new CreateSnapshotCommand({ ReplicationGroupId: "sessions", SnapshotName: name }));
    await expect(
      h.run(elasticacheCreateSnapshot, "source", { replicationGroup: "sessions" }, TASK),
    ).rejects.toMatchObject({ code: "RESOURCE_NOT_OURS" });
    expect(countOf(sim, "elasticache:CreateSnapshot")).toBe(1); // ours by hand only
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(0);
    expect(h.progress.get(TASK)).toBeUndefined();

    // Tags of the same task in another run are not ours either.
    const other = cacheName(h.runContext("source", "cache.snapshot[legacy]"), "snapshot");
    const foreign = Object.entries(taskTags("otherrun", "cache.snapshot[legacy]", "step-tests")).map(
      ([Key, Value]) => ({ Key, Value }),
    );
    await cache.send(new CreateSnapshotCommand({ ReplicationGroupId: "legacy", SnapshotName: other, Tags: foreign }));
    await expect(
      h.run(elasticacheCreateSnapshot, "source", { replicationGroup: "legacy" }, "cache.snapshot[legacy]"),
    ).rejects.toMatchObject({ code: "RESOURCE_NOT_OURS" });
    expect(countOf(sim, "elasticache:CreateSnapshot")).toBe(2);
  });

  it("fromAutomated copies the newest automated snapshot with CopySnapshot", async () => {
    const { sim, h, cache } = await startCacheWorld();
    const automated = (
      await cache.send(new DescribeSnapshotsCommand({ ReplicationGroupId: "sessions", SnapshotSource: "system" }))
    ).Snapshots!;
    expect(automated.length).toBeGreaterThanOrEqual(2);
    const newest = [...automated].sort(
      (a, b) =>
        new Date(b.NodeSnapshots![0]!.SnapshotCreateTime!).getTime() -
        new Date(a.NodeSnapshots![0]!.SnapshotCreateTime!).getTime(),
    )[0]!;
    const task = "cache.auto[sessions]";
    const out = await h.run(
      elasticacheCreateSnapshot,
      "source",
      { replicationGroup: "sessions", fromAutomated: true },
      task,
    );
    expect(out).toMatchObject({
      snapshotName: cacheName(h.runContext("source", task), "snapshot"),
      shards: 2,
      engine: "valkey",
    });
    expect(h.progress.get(task)).toMatchObject({ automatedSource: newest.SnapshotName });
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(1);
    expect(countOf(sim, "elasticache:CreateSnapshot")).toBe(0);
    const copy = (await cache.send(new DescribeSnapshotsCommand({ SnapshotName: String(out.snapshotName) })))
      .Snapshots![0]!;
    expect(copy.SnapshotSource).toBe("manual");
    const tags = await cache.send(new ListTagsForResourceCommand({ ResourceName: String(out.snapshotArn) }));
    expect(tags.TagList?.find((t) => t.Key === "hikkoshi:run")?.Value).toBe("testrun");

    h.progress.delete(task);
    await h.run(elasticacheCreateSnapshot, "source", { replicationGroup: "sessions", fromAutomated: true }, task);
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(1);
  });

  it("snapshots a serverless cache and a standalone cluster", async () => {
    const { sim, h, cache } = await startCacheWorld();
    const out = await h.run(elasticacheCreateSnapshot, "source", { serverlessCache: "carts" }, "cache.snapshot[carts]");
    const name = cacheName(h.runContext("source", "cache.snapshot[carts]"), "snapshot");
    expect(out).toMatchObject({
      snapshotName: name,
      snapshotArn: `arn:aws:elasticache:${REGION}:${PROD}:serverlesscachesnapshot:${name}`,
      kind: "serverless",
      engine: "valkey",
      shards: 1,
    });
    const s = (await cache.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: name })))
      .ServerlessCacheSnapshots![0]!;
    expect(s.Status).toBe("available");
    h.progress.delete("cache.snapshot[carts]");
    await h.run(elasticacheCreateSnapshot, "source", { serverlessCache: "carts" }, "cache.snapshot[carts]");
    expect(countOf(sim, "elasticache:CreateServerlessCacheSnapshot")).toBe(1);
    expect(countOf(sim, "elasticache:CreateSnapshot")).toBe(0);

    const single = await h.run(
      elasticacheCreateSnapshot,
      "source",
      { cacheCluster: "single" },
      "cache.snapshot[single]",
    );
    expect(single).toMatchObject({ kind: "node-based", engine: "redis", shards: 1 });
    expect(countOf(sim, "elasticache:CreateSnapshot")).toBe(1);
  });

  it("plan blocks Memcached, a missing cache, no automated snapshot and an incompatible engine, changing nothing", async () => {
    const { sim, h } = await startCacheWorld();
    sim.resetStats();
    const plan = (p: Record<string, unknown>) => h.plan(elasticacheCreateSnapshot, "source", p, TASK);
    expect(blocking(await plan({ cacheCluster: "memo" }))).toEqual(["ELASTICACHE_MEMCACHED_NO_SNAPSHOTS"]);
    expect(blocking(await plan({ replicationGroup: "nowhere" }))).toEqual(["CACHE_NOT_FOUND"]);
    expect(blocking(await plan({ serverlessCache: "nowhere" }))).toEqual(["CACHE_NOT_FOUND"]);
    expect(blocking(await plan({ replicationGroup: "legacy", fromAutomated: true }))).toEqual([
      "ELASTICACHE_NO_AUTOMATED_SNAPSHOT",
    ]);
    expect(blocking(await plan({ replicationGroup: "sessions", targetEngineVersion: "7.2" }))).toEqual([
      "ELASTICACHE_ENGINE_INCOMPATIBLE",
    ]);
    expect(blocking(await plan({ replicationGroup: "sessions", targetEngine: "redis" }))).toEqual([
      "ELASTICACHE_ENGINE_INCOMPATIBLE",
    ]);
    expect(
      blocking(await plan({ replicationGroup: "legacy", targetEngine: "valkey", targetEngineVersion: "7.0" })),
    ).toEqual(["ELASTICACHE_ENGINE_INCOMPATIBLE"]);
    // What can load it does not block, and the plan shows what it saw.
    const ok = await plan({ replicationGroup: "sessions", fromAutomated: true, targetEngineVersion: "8.1" });
    expect(blocking(ok)).toEqual([]);
    expect(ok.observations).toEqual({ engine: "valkey", engineVersion: "8.0", shards: 2 });
    expect(ok.preconditions.map((c) => c.code)).toContain("ELASTICACHE_TARGET_ENGINE");
    expect(
      blocking(await plan({ replicationGroup: "legacy", targetEngine: "valkey", targetEngineVersion: "8.0" })),
    ).toEqual([]);
    expect(sim.stats().mutating).toBe(0);
    expect(sim.stats().total).toBeGreaterThan(0);
  });
});

describe("elasticache.delete-snapshot", () => {
  it("deletes this run's snapshot; one already gone is done without a call", async () => {
    const { sim, h, cache } = await startCacheWorld();
    const created = await h.run(elasticacheCreateSnapshot, "source", { replicationGroup: "sessions" }, TASK);
    const snapshot = String(created.snapshotName);
    const plan = await h.plan(elasticacheDeleteSnapshot, "source", { snapshot }, "cache.delete[sessions]");
    expect(blocking(plan)).toEqual([]);
    expect(plan).toMatchObject({ action: "delete", destructive: true, danger: "intermediate" });
    const out = await h.run(elasticacheDeleteSnapshot, "source", { snapshot }, "cache.delete[sessions]");
    expect(out).toEqual({ deleted: snapshot });
    expect(countOf(sim, "elasticache:DeleteSnapshot")).toBe(1);
    // A resume while it is still `deleting`: no second call (AWS would refuse it).
    await h.run(elasticacheDeleteSnapshot, "source", { snapshot }, "cache.delete[sessions]");
    expect(countOf(sim, "elasticache:DeleteSnapshot")).toBe(1);
    sim.advance(60_000);
    await expect(cache.send(new DescribeSnapshotsCommand({ SnapshotName: snapshot }))).rejects.toMatchObject({
      name: "SnapshotNotFoundFault",
    });
    // A resume after the call (the snapshot is gone): done, no second call.
    const again = await h.run(elasticacheDeleteSnapshot, "source", { snapshot }, "cache.delete[sessions]");
    expect(again).toEqual({ deleted: snapshot });
    expect(countOf(sim, "elasticache:DeleteSnapshot")).toBe(1);
  });

  it("deletes this run's serverless snapshot", async () => {
    const { sim, h, cache } = await startCacheWorld();
    const created = await h.run(
      elasticacheCreateSnapshot,
      "source",
      { serverlessCache: "carts" },
      "cache.snapshot[carts]",
    );
    const params = { snapshot: String(created.snapshotName), kind: "serverless" };
    await h.run(elasticacheDeleteSnapshot, "source", params, "cache.delete[carts]");
    expect(countOf(sim, "elasticache:DeleteServerlessCacheSnapshot")).toBe(1);
    sim.advance(60_000);
    await expect(
      cache.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: params.snapshot })),
    ).rejects.toMatchObject({ name: "ServerlessCacheSnapshotNotFoundFault" });
  });

  it("refuses a snapshot without this run's tag, and deletes nothing", async () => {
    const { sim, h, cache } = await startCacheWorld();
    // The seeded manual snapshot carries no hikkoshi tags: plan and run refuse it.
    const plan = await h.plan(elasticacheDeleteSnapshot, "source", { snapshot: "before-move" }, "cache.delete[x]");
    expect(blocking(plan)).toEqual(["RESOURCE_NOT_OURS"]);
    await expect(
      h.run(elasticacheDeleteSnapshot, "source", { snapshot: "before-move" }, "cache.delete[x]"),
    ).rejects.toMatchObject({ code: "RESOURCE_NOT_OURS" });
    // Another run's snapshot: hikkoshi's, but not this run's.
    const foreign = Object.entries(taskTags("otherrun", TASK, "step-tests")).map(([Key, Value]) => ({ Key, Value }));
    await cache.send(
      new CreateSnapshotCommand({ ReplicationGroupId: "legacy", SnapshotName: "earlier", Tags: foreign }),
    );
    sim.advance(120_000);
    await expect(
      h.run(elasticacheDeleteSnapshot, "source", { snapshot: "earlier" }, "cache.delete[x]"),
    ).rejects.toMatchObject({ code: "RESOURCE_NOT_OURS" });
    expect(countOf(sim, "elasticache:DeleteSnapshot")).toBe(0);
    expect((await cache.send(new DescribeSnapshotsCommand({ SnapshotName: "before-move" }))).Snapshots).toHaveLength(1);
  });
});
