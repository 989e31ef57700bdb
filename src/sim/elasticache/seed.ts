/**
 * The `elasticache` entry of a region in the world YAML: replication groups, standalone cache clusters,
 * serverless caches and optional manual snapshots of them. Automated (`system`) snapshots are made by
 * populate.ts for resources with snapshotRetentionLimit > 0.
 */
import { z } from "zod";

const Tags = z.record(z.string(), z.string()).default({});
/** Bytes of data: a number, or one per shard for a replication group. */
const Bytes = z.number().int().nonnegative();

export const ReplicationGroupSeed = z.strictObject({
  id: z.string().min(1),
  engine: z.enum(["valkey", "redis"]).default("valkey"),
  engineVersion: z.string().optional(),
  cacheNodeType: z.string().default("cache.r7g.large"),
  /** Shards (node groups). Cluster mode is enabled when > 1 or clusterMode: true. */
  numNodeGroups: z.number().int().min(1).max(500).default(1),
  clusterMode: z.boolean().optional(),
  replicasPerNodeGroup: z.number().int().min(0).max(5).default(1),
  atRestEncryption: z.boolean().default(true),
  /** `alias/<name>` of a kmsKeys entry of the region; default the AWS owned key (no KmsKeyId). */
  kmsKey: z.string().startsWith("alias/").optional(),
  transitEncryption: z.boolean().default(true),
  authToken: z.boolean().default(false),
  snapshotRetentionLimit: z.number().int().min(0).max(35).default(0),
  /** Data per shard: one number for every shard, or a list (one per shard). Drives .rdb sizes and durations. */
  dataBytes: z.union([Bytes, z.array(Bytes)]).default(64 * 1024 * 1024),
  tags: Tags,
});

export const CacheClusterSeed = z.strictObject({
  id: z.string().min(1),
  engine: z.enum(["valkey", "redis", "memcached"]).default("redis"),
  engineVersion: z.string().optional(),
  cacheNodeType: z.string().default("cache.t4g.small"),
  /** Memcached may have several nodes; Valkey / Redis OSS standalone clusters have one. */
  numCacheNodes: z.number().int().min(1).max(40).default(1),
  atRestEncryption: z.boolean().default(false),
  transitEncryption: z.boolean().default(false),
  authToken: z.boolean().default(false),
  snapshotRetentionLimit: z.number().int().min(0).max(35).default(0),
  dataBytes: Bytes.default(16 * 1024 * 1024),
  tags: Tags,
});

export const ServerlessCacheSeed = z.strictObject({
  name: z.string().min(1),
  engine: z.enum(["valkey", "redis"]).default("valkey"),
  majorEngineVersion: z.string().optional(),
  kmsKey: z.string().startsWith("alias/").optional(),
  snapshotRetentionLimit: z.number().int().min(0).max(35).default(0),
  dataBytes: Bytes.default(64 * 1024 * 1024),
  tags: Tags,
});

export const CacheSnapshotSeed = z.strictObject({
  name: z.string().min(1),
  replicationGroup: z.string().optional(),
  cacheCluster: z.string().optional(),
  tags: Tags,
});

export const ServerlessSnapshotSeed = z.strictObject({
  name: z.string().min(1),
  serverlessCache: z.string().min(1),
  tags: Tags,
});

export const ElastiCacheSeed = z.strictObject({
  replicationGroups: z.array(ReplicationGroupSeed).default([]),
  cacheClusters: z.array(CacheClusterSeed).default([]),
  serverlessCaches: z.array(ServerlessCacheSeed).default([]),

  /** Manual snapshots, available since an hour ago. */
  snapshots: z.array(CacheSnapshotSeed).default([]),
  serverlessSnapshots: z.array(ServerlessSnapshotSeed).default([]),
});

export type ElastiCacheSeedData = z.output<typeof ElastiCacheSeed>;
