/**
 * Seeds a region's ElastiCache resources (seed.ts). Resources were created 30 days before the start;
 * snapshotRetentionLimit > 0 gives up to three automated snapshots (`automatic.<id>-YYYY-MM-DD-03-15`, one a
 * day at 03:15 UTC, as ElastiCache names them), available; seeded manual snapshots finished an hour ago.
 */
import type { World } from "../world.js";
import { snapshotOfCluster, snapshotOfGroup, snapshotOfServerless } from "./build.js";
import { cacheArn, cacheRegion } from "./model.js";
import type { ElastiCacheSeedData } from "./seed.js";

const DAY = 86_400_000;
const ENGINE_VERSION: Record<string, string> = { valkey: "8.0", redis: "7.1", memcached: "1.6.22" };

interface At {
  world: World;
  account: string;
  region: string;
  now: number;
}

/** Up to three daily automated snapshot instants before `now` (oldest first) with their date stamp. */
function automatedDays(now: number, retention: number): { at: number; stamp: string }[] {
  const out: { at: number; stamp: string }[] = [];
  for (let k = Math.min(retention, 3); k >= 1; k--) {
    const day = Math.floor((now - k * DAY) / DAY) * DAY;
    const at = day + 3 * 3_600_000 + 15 * 60_000;
    out.push({ at, stamp: new Date(at).toISOString().slice(0, 16).replace(/[T:]/g, "-") });
  }
  return out;
}

export function populateElastiCache(
  at: At,
  seed: ElastiCacheSeedData,
  keyArn: (alias: string, where: string) => string | undefined,
  problem: (p: string) => void,
): void {
  const state = cacheRegion(at.world, at.account, at.region);
  const created = at.now - 30 * DAY;
  for (const [i, g] of seed.replicationGroups.entries()) {
    const id = g.id.toLowerCase();
    if (state.replicationGroups.has(id) || state.cacheClusters.has(id)) {
      problem(`elasticache.replicationGroups.${i}: ${id} is declared twice`);
      continue;
    }
    const shardBytes = Array.isArray(g.dataBytes)
      ? g.dataBytes
      : Array.from({ length: g.numNodeGroups }, () => g.dataBytes as number);
    if (shardBytes.length !== g.numNodeGroups) {
      problem(
        `elasticache.replicationGroups.${i}.dataBytes: ${shardBytes.length} values for ${g.numNodeGroups} shards`,
      );
      continue;
    }
    const kmsKeyArn = g.kmsKey ? keyArn(g.kmsKey, `elasticache.replicationGroups.${i}`) : undefined;
    const rg = {
      id,
      arn: cacheArn(at.region, at.account, "replicationgroup", id),
      engine: g.engine,
      engineVersion: g.engineVersion ?? ENGINE_VERSION[g.engine]!,
      cacheNodeType: g.cacheNodeType,
      numNodeGroups: g.numNodeGroups,
      clusterMode: g.clusterMode ?? g.numNodeGroups > 1,
      replicasPerNodeGroup: g.replicasPerNodeGroup,
      atRestEncryption: g.atRestEncryption || kmsKeyArn !== undefined,
      ...(kmsKeyArn ? { kmsKeyArn } : {}),
      transitEncryption: g.transitEncryption,
      authToken: g.authToken,
      snapshotRetentionLimit: g.snapshotRetentionLimit,
      shardBytes,
      createdAt: created,
      tags: new Map(Object.entries(g.tags)),
    };
    state.replicationGroups.set(id, rg);
    for (const d of automatedDays(at.now, rg.snapshotRetentionLimit)) {
      snapshotOfGroup(at, rg, {
        name: `automatic.${id}-${d.stamp}`,
        source: "automated",
        createdAt: d.at,
        tags: new Map(),
      });
    }
  }
  for (const [i, c] of seed.cacheClusters.entries()) {
    const id = c.id.toLowerCase();
    if (state.replicationGroups.has(id) || state.cacheClusters.has(id)) {
      problem(`elasticache.cacheClusters.${i}: ${id} is declared twice`);
      continue;
    }
    if (c.engine !== "memcached" && c.numCacheNodes !== 1) {
      problem(`elasticache.cacheClusters.${i}.numCacheNodes: a ${c.engine} cluster has one node`);
      continue;
    }
    const cluster = {
      id,
      arn: cacheArn(at.region, at.account, "cluster", id),
      engine: c.engine,
      engineVersion: c.engineVersion ?? ENGINE_VERSION[c.engine]!,
      cacheNodeType: c.cacheNodeType,
      numCacheNodes: c.numCacheNodes,
      atRestEncryption: c.atRestEncryption,
      transitEncryption: c.transitEncryption,
      authToken: c.authToken,
      snapshotRetentionLimit: c.engine === "memcached" ? 0 : c.snapshotRetentionLimit,
      dataBytes: c.dataBytes,
      createdAt: created,
      tags: new Map(Object.entries(c.tags)),
    };
    state.cacheClusters.set(id, cluster);
    for (const d of automatedDays(at.now, cluster.snapshotRetentionLimit)) {
      snapshotOfCluster(at, cluster, {
        name: `automatic.${id}-${d.stamp}`,
        source: "automated",
        createdAt: d.at,
        tags: new Map(),
      });
    }
  }
  for (const [i, s] of seed.serverlessCaches.entries()) {
    if (state.serverlessCaches.has(s.name)) {
      problem(`elasticache.serverlessCaches.${i}: ${s.name} is declared twice`);
      continue;
    }
    const major = s.majorEngineVersion ?? (s.engine === "valkey" ? "8" : "7");
    const kmsKeyArn = s.kmsKey ? keyArn(s.kmsKey, `elasticache.serverlessCaches.${i}`) : undefined;
    const cache = {
      name: s.name,
      arn: cacheArn(at.region, at.account, "serverlesscache", s.name),
      engine: s.engine,
      majorEngineVersion: major,
      fullEngineVersion: ENGINE_VERSION[s.engine]!.startsWith(`${major}.`) ? ENGINE_VERSION[s.engine]! : `${major}.0`,
      ...(kmsKeyArn ? { kmsKeyArn } : {}),
      snapshotRetentionLimit: s.snapshotRetentionLimit,
      dataBytes: s.dataBytes,
      createdAt: created,
      tags: new Map(Object.entries(s.tags)),
    };
    state.serverlessCaches.set(s.name, cache);
    for (const d of automatedDays(at.now, cache.snapshotRetentionLimit)) {
      snapshotOfServerless(at, cache, {
        name: `automatic.${s.name}-${d.stamp.slice(0, 10)}`,
        type: "automated",
        createdAt: d.at,
        tags: new Map(),
      });
    }
  }
  for (const [i, s] of seed.snapshots.entries()) {
    const where = `elasticache.snapshots.${i}`;
    if (state.snapshots.has(s.name)) {
      problem(`${where}: snapshot ${s.name} is declared twice`);
      continue;
    }
    const spec = {
      name: s.name,
      source: "manual" as const,
      createdAt: at.now - 3_600_000,
      tags: new Map(Object.entries(s.tags)),
    };
    const rg = s.replicationGroup ? state.replicationGroups.get(s.replicationGroup.toLowerCase()) : undefined;
    const cluster = s.cacheCluster ? state.cacheClusters.get(s.cacheCluster.toLowerCase()) : undefined;
    const made = rg
      ? snapshotOfGroup(at, rg, spec)
      : cluster && cluster.engine !== "memcached"
        ? snapshotOfCluster(at, cluster, spec)
        : undefined;
    if (made) made.createdAt = at.now - made.durationMs - 3_600_000;
    else problem(`${where}: no replication group or Valkey / Redis OSS cache cluster to snapshot in this region`);
  }
  for (const [i, s] of seed.serverlessSnapshots.entries()) {
    const cache = state.serverlessCaches.get(s.serverlessCache);
    if (!cache || state.serverlessSnapshots.has(s.name)) {
      problem(`elasticache.serverlessSnapshots.${i}: no serverless cache ${s.serverlessCache}, or ${s.name} is taken`);
      continue;
    }
    const made = snapshotOfServerless(at, cache, {
      name: s.name,
      type: "manual",
      createdAt: at.now,
      tags: new Map(Object.entries(s.tags)),
    });
    made.createdAt = at.now - made.durationMs - 3_600_000;
  }
}
