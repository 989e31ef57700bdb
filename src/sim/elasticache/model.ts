/**
 * ElastiCache world state: replication groups (Valkey / Redis OSS, one or more shards), standalone cache
 * clusters (Valkey, Redis OSS or Memcached), serverless caches, their snapshots and the exports of snapshots to
 * S3. Kept per account and region under one map. Nothing ticks: a snapshot's status is computed from its
 * creation time and duration when read (status.ts); exports write their objects when settled (files.ts).
 */
import type { Tags, World } from "../world.js";

export type CacheEngine = "valkey" | "redis" | "memcached";

export interface ReplicationGroup {
  id: string;
  arn: string;
  engine: "valkey" | "redis";
  engineVersion: string;
  cacheNodeType: string;
  numNodeGroups: number;
  clusterMode: boolean;
  replicasPerNodeGroup: number;
  atRestEncryption: boolean;
  kmsKeyArn?: string;
  transitEncryption: boolean;
  authToken: boolean;
  snapshotRetentionLimit: number;
  /** Bytes of data per shard (index 0 = shard 0001). */
  shardBytes: number[];
  createdAt: number;
  tags: Tags;
}

export interface CacheCluster {
  id: string;
  arn: string;
  engine: CacheEngine;
  engineVersion: string;
  cacheNodeType: string;
  numCacheNodes: number;
  atRestEncryption: boolean;
  transitEncryption: boolean;
  authToken: boolean;
  snapshotRetentionLimit: number;
  dataBytes: number;
  createdAt: number;
  tags: Tags;
}

export interface ServerlessCache {
  name: string;
  arn: string;
  engine: "valkey" | "redis";
  majorEngineVersion: string;
  fullEngineVersion: string;
  kmsKeyArn?: string;
  snapshotRetentionLimit: number;
  dataBytes: number;
  createdAt: number;
  tags: Tags;
}

/** An export of a snapshot to S3: its objects appear when `endsAt` has passed (files.ts). */
export interface SnapshotExport {
  bucket: string;
  /** One object per shard: key and size. */
  objects: { key: string; size: number }[];
  /** Content seed: the exported snapshot's ARN. */
  contentOf: string;
  startedAt: number;
  endsAt: number;
  written: boolean;
}

/** A snapshot of a replication group or a standalone cluster (node-based). */
export interface CacheSnapshot {
  name: string;
  arn: string;
  account: string;
  region: string;
  source: "automated" | "manual";
  replicationGroupId?: string;
  cacheClusterId?: string;
  engine: "valkey" | "redis";
  engineVersion: string;
  cacheNodeType: string;
  numNodeGroups: number;
  clusterMode: boolean;
  /** Bytes per shard at snapshot time. */
  shardBytes: number[];
  snapshotRetentionLimit: number;
  kmsKeyArn?: string;
  createdAt: number;
  durationMs: number;
  /** When the source cluster was created (CacheClusterCreateTime). */
  sourceCreatedAt: number;
  /** Set by DeleteSnapshot: gone `deleteMs` later (settled). */
  deletingAt?: number;
  /** Exports of this snapshot to S3 (the latest last). */
  exports: SnapshotExport[];
  tags: Tags;
}

export interface ServerlessSnapshot {
  name: string;
  arn: string;
  account: string;
  region: string;
  type: "automated" | "manual";
  cacheName: string;
  engine: "valkey" | "redis";
  majorEngineVersion: string;
  bytes: number;
  kmsKeyArn?: string;
  createdAt: number;
  durationMs: number;
  deletingAt?: number;
  exports: SnapshotExport[];
  tags: Tags;
}

export interface ElastiCacheRegion {
  replicationGroups: Map<string, ReplicationGroup>;
  cacheClusters: Map<string, CacheCluster>;
  serverlessCaches: Map<string, ServerlessCache>;
  snapshots: Map<string, CacheSnapshot>;
  serverlessSnapshots: Map<string, ServerlessSnapshot>;
}

/** Per `<account>:<region>`. */
export interface ElastiCacheState {
  regions: Map<string, ElastiCacheRegion>;
}

export function emptyElastiCacheState(): ElastiCacheState {
  return { regions: new Map() };
}

/** The account's ElastiCache resources in a region (created when first touched). */
export function cacheRegion(world: World, account: string, region: string): ElastiCacheRegion {
  const key = `${account}:${region}`;
  let state = world.elasticache.regions.get(key);
  if (!state) {
    state = {
      replicationGroups: new Map(),
      cacheClusters: new Map(),
      serverlessCaches: new Map(),
      snapshots: new Map(),
      serverlessSnapshots: new Map(),
    };
    world.elasticache.regions.set(key, state);
  }
  return state;
}

/** Existing state only (reads must not create regions: the dump leaves empty ones out anyway). */
export function peekRegion(world: World, account: string, region: string): ElastiCacheRegion | undefined {
  return world.elasticache.regions.get(`${account}:${region}`);
}

export const ARN_TYPES = [
  "snapshot",
  "replicationgroup",
  "cluster",
  "serverlesscache",
  "serverlesscachesnapshot",
] as const;
export type ArnType = (typeof ARN_TYPES)[number];

export function cacheArn(region: string, account: string, type: ArnType, name: string): string {
  return `arn:aws:elasticache:${region}:${account}:${type}:${name}`;
}

export function parseCacheArn(
  arn: string,
): { region: string; account: string; type: ArnType; name: string } | undefined {
  const m = /^arn:aws[a-z-]*:elasticache:([a-z0-9-]+):(\d{12}):([a-z]+):(.+)$/.exec(arn);
  if (!m || !(ARN_TYPES as readonly string[]).includes(m[3]!)) return undefined;
  return { region: m[1]!, account: m[2]!, type: m[3] as ArnType, name: m[4]! };
}

/** Shard ids as ElastiCache names node groups: 0001, 0002… */
export const shardId = (i: number) => String(i + 1).padStart(4, "0");

export const GB = 1024 ** 3;
