/**
 * Building snapshots from what they are taken of: a replication group (one NodeSnapshot per shard), a
 * standalone Valkey / Redis OSS cluster (one node) or a serverless cache. Used by CreateSnapshot,
 * CopySnapshot, CreateServerlessCacheSnapshot and the seed (automated and manual snapshots).
 */
import type { World } from "../world.js";
import {
  type CacheCluster,
  type CacheSnapshot,
  cacheArn,
  cacheRegion,
  type ReplicationGroup,
  type ServerlessCache,
  type ServerlessSnapshot,
} from "./model.js";
import { snapshotDuration, sum } from "./status.js";

interface Where {
  world: World;
  account: string;
  region: string;
}

export interface SnapshotSpec {
  name: string;
  source: CacheSnapshot["source"];
  createdAt: number;
  tags: Map<string, string>;
  /** KmsKeyId of CreateSnapshot; default the group's key. */
  kmsKeyArn?: string;
}

export function snapshotOfGroup(at: Where, rg: ReplicationGroup, spec: SnapshotSpec): CacheSnapshot {
  return store(at, {
    name: spec.name,
    arn: cacheArn(at.region, at.account, "snapshot", spec.name),
    account: at.account,
    region: at.region,
    source: spec.source,
    replicationGroupId: rg.id,
    engine: rg.engine,
    engineVersion: rg.engineVersion,
    cacheNodeType: rg.cacheNodeType,
    numNodeGroups: rg.numNodeGroups,
    clusterMode: rg.clusterMode,
    shardBytes: [...rg.shardBytes],
    snapshotRetentionLimit: rg.snapshotRetentionLimit,
    ...((spec.kmsKeyArn ?? rg.kmsKeyArn) ? { kmsKeyArn: spec.kmsKeyArn ?? rg.kmsKeyArn } : {}),
    createdAt: spec.createdAt,
    durationMs: snapshotDuration(at.world, sum(rg.shardBytes)),
    sourceCreatedAt: rg.createdAt,
    exports: [],
    tags: spec.tags,
  });
}

/** A standalone Valkey / Redis OSS cluster (never Memcached: the caller refuses it first). */
export function snapshotOfCluster(at: Where, c: CacheCluster, spec: SnapshotSpec): CacheSnapshot {
  return store(at, {
    name: spec.name,
    arn: cacheArn(at.region, at.account, "snapshot", spec.name),
    account: at.account,
    region: at.region,
    source: spec.source,
    cacheClusterId: c.id,
    engine: c.engine === "valkey" ? "valkey" : "redis",
    engineVersion: c.engineVersion,
    cacheNodeType: c.cacheNodeType,
    numNodeGroups: 1,
    clusterMode: false,
    shardBytes: [c.dataBytes],
    snapshotRetentionLimit: c.snapshotRetentionLimit,
    ...(spec.kmsKeyArn ? { kmsKeyArn: spec.kmsKeyArn } : {}),
    createdAt: spec.createdAt,
    durationMs: snapshotDuration(at.world, c.dataBytes),
    sourceCreatedAt: c.createdAt,
    exports: [],
    tags: spec.tags,
  });
}

function store(at: Where, s: CacheSnapshot): CacheSnapshot {
  cacheRegion(at.world, at.account, at.region).snapshots.set(s.name, s);
  return s;
}

export function snapshotOfServerless(
  at: Where,
  cache: ServerlessCache,
  spec: {
    name: string;
    type: ServerlessSnapshot["type"];
    createdAt: number;
    tags: Map<string, string>;
    kmsKeyArn?: string;
  },
): ServerlessSnapshot {
  const kmsKeyArn = spec.kmsKeyArn ?? cache.kmsKeyArn;
  const s: ServerlessSnapshot = {
    name: spec.name,
    arn: cacheArn(at.region, at.account, "serverlesscachesnapshot", spec.name),
    account: at.account,
    region: at.region,
    type: spec.type,
    cacheName: cache.name,
    engine: cache.engine,
    majorEngineVersion: cache.majorEngineVersion,
    bytes: cache.dataBytes,
    ...(kmsKeyArn ? { kmsKeyArn } : {}),
    createdAt: spec.createdAt,
    durationMs: snapshotDuration(at.world, cache.dataBytes),
    exports: [],
    tags: spec.tags,
  };
  cacheRegion(at.world, at.account, at.region).serverlessSnapshots.set(s.name, s);
  return s;
}
