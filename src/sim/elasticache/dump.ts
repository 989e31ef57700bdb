/**
 * ElastiCache in the world dump: per `<account>:<region>`, the replication groups, clusters and serverless
 * caches (ids, engine, shards, tags) and the snapshots with their status and tags and the exports made of
 * them (bucket, keys, whether written). The exported objects themselves are in the S3 dump.
 */
import type { World } from "../world.js";
import { snapshotStatus } from "./status.js";

export interface ElastiCacheDump {
  regions: Record<
    string,
    {
      replicationGroups: {
        id: string;
        engine: string;
        shards: number;
        kmsKeyArn: string | null;
        tags: Record<string, string>;
      }[];
      cacheClusters: { id: string; engine: string; tags: Record<string, string> }[];
      serverlessCaches: { name: string; engine: string; tags: Record<string, string> }[];
      snapshots: SnapshotDump[];
      serverlessSnapshots: SnapshotDump[];
    }
  >;
}

interface SnapshotDump {
  name: string;
  arn: string;
  of: string;
  source: string;
  status: string;
  bytes: number[];
  kmsKeyArn: string | null;
  exports: { bucket: string; keys: string[]; written: boolean }[];
  tags: Record<string, string>;
}

const tagObject = (tags: Map<string, string>) =>
  Object.fromEntries([...tags.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
const byName =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** Undefined when no region holds anything (older dumps stay as they were). */
export function elasticacheDump(world: World, now: number): ElastiCacheDump | undefined {
  const regions: ElastiCacheDump["regions"] = {};
  for (const key of [...world.elasticache.regions.keys()].sort()) {
    const r = world.elasticache.regions.get(key)!;
    const size =
      r.replicationGroups.size +
      r.cacheClusters.size +
      r.serverlessCaches.size +
      r.snapshots.size +
      r.serverlessSnapshots.size;
    if (size === 0) continue;
    const exportsOf = (s: { exports: { bucket: string; objects: { key: string }[]; written: boolean }[] }) =>
      s.exports.map((e) => ({ bucket: e.bucket, keys: e.objects.map((o) => o.key), written: e.written }));
    regions[key] = {
      replicationGroups: [...r.replicationGroups.values()].sort(byName((g) => g.id)).map((g) => ({
        id: g.id,
        engine: g.engine,
        shards: g.numNodeGroups,
        kmsKeyArn: g.kmsKeyArn ?? null,
        tags: tagObject(g.tags),
      })),
      cacheClusters: [...r.cacheClusters.values()]
        .sort(byName((c) => c.id))
        .map((c) => ({ id: c.id, engine: c.engine, tags: tagObject(c.tags) })),
      serverlessCaches: [...r.serverlessCaches.values()]
        .sort(byName((c) => c.name))
        .map((c) => ({ name: c.name, engine: c.engine, tags: tagObject(c.tags) })),
      snapshots: [...r.snapshots.values()].sort(byName((s) => s.name)).map((s) => ({
        name: s.name,
        arn: s.arn,
        of: s.replicationGroupId ?? s.cacheClusterId ?? "",
        source: s.source,
        status: snapshotStatus(s, now),
        bytes: s.shardBytes,
        kmsKeyArn: s.kmsKeyArn ?? null,
        exports: exportsOf(s),
        tags: tagObject(s.tags),
      })),
      serverlessSnapshots: [...r.serverlessSnapshots.values()].sort(byName((s) => s.name)).map((s) => ({
        name: s.name,
        arn: s.arn,
        of: s.cacheName,
        source: s.type,
        status: snapshotStatus(s, now),
        bytes: [s.bytes],
        kmsKeyArn: s.kmsKeyArn ?? null,
        exports: exportsOf(s),
        tags: tagObject(s.tags),
      })),
    };
  }
  return Object.keys(regions).length > 0 ? { regions } : undefined;
}
