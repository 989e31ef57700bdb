/**
 * What the ElastiCache steps read: the cache a snapshot is taken of (replication group, standalone cluster
 * or serverless cache), snapshots by name (node-based or serverless, one shape for both), their tags, and
 * the figures the plan shows (engine, version, shards, nodes, size, encryption).
 */
import type { ServerlessCacheSnapshot, Snapshot } from "@aws-sdk/client-elasticache";
import { elasticache } from "../../aws/sdk.js";
import type { AccountRef, AwsReader } from "../define.js";
import { orUndefined } from "../shared/observe.js";
import { RUN_TAG, tagMap } from "../shared/ownership.js";

export type SnapshotKind = "node-based" | "serverless";

/** A snapshot as the steps see it, whichever API described it. */
export interface CacheSnapshotView {
  name: string;
  arn: string;
  kind: SnapshotKind;
  status: string;
  engine: string;
  engineVersion: string;
  shards: number;
  sizeBytes: number;
  source: "manual" | "automated";
  createdAt: number;
}

/** The cache a snapshot is taken of. */
export interface CacheView {
  id: string;
  arn: string;
  kind: "replication-group" | "cluster" | "serverless";
  engine: string;
  engineVersion: string;
  shards: number;
  nodes: number;
  nodeType?: string;
  sizeBytes?: number;
  atRestEncryption: boolean;
  kmsKeyId?: string;
  transitEncryption: boolean;
  authToken: boolean;
}

const MB = 1024 * 1024;

/** "6 MB" → bytes (ElastiCache reports node snapshot sizes in MB). */
export function parseCacheSize(text: string | undefined): number {
  const m = /^\s*([\d.]+)\s*(B|KB|MB|GB|TB)?\s*$/i.exec(text ?? "");
  if (!m) return 0;
  const unit = { B: 1, KB: 1024, MB, GB: 1024 * MB, TB: 1024 * 1024 * MB }[(m[2] ?? "MB").toUpperCase() as "MB"];
  return Math.round(Number(m[1]) * unit);
}

export function snapshotArn(account: AccountRef, name: string, kind: SnapshotKind): string {
  const type = kind === "serverless" ? "serverlesscachesnapshot" : "snapshot";
  return `arn:aws:elasticache:${account.region}:${account.id}:${type}:${name}`;
}

function nodeView(account: AccountRef, s: Snapshot): CacheSnapshotView {
  const nodes = s.NodeSnapshots ?? [];
  const name = s.SnapshotName ?? "";
  const created = nodes[0]?.SnapshotCreateTime;
  return {
    name,
    arn: s.ARN ?? snapshotArn(account, name, "node-based"),
    kind: "node-based",
    status: s.SnapshotStatus ?? "unknown",
    engine: s.Engine ?? "",
    engineVersion: s.EngineVersion ?? "",
    shards: Math.max(1, s.NumNodeGroups ?? nodes.length),
    sizeBytes: nodes.reduce((sum, n) => sum + parseCacheSize(n.CacheSize), 0),
    source: s.SnapshotSource === "automated" ? "automated" : "manual",
    createdAt: created ? new Date(created).getTime() : 0,
  };
}

function serverlessView(account: AccountRef, s: ServerlessCacheSnapshot): CacheSnapshotView {
  const name = s.ServerlessCacheSnapshotName ?? "";
  return {
    name,
    arn: s.ARN ?? snapshotArn(account, name, "serverless"),
    kind: "serverless",
    status: s.Status ?? "unknown",
    engine: s.ServerlessCacheConfiguration?.Engine ?? "",
    engineVersion: s.ServerlessCacheConfiguration?.MajorEngineVersion ?? "",
    shards: 1,
    sizeBytes: Number(s.BytesUsedForCache ?? 0) || 0,
    source: s.SnapshotType === "automated" ? "automated" : "manual",
    createdAt: s.CreateTime ? new Date(s.CreateTime).getTime() : 0,
  };
}

export async function describeSnapshot(
  aws: AwsReader,
  account: AccountRef,
  name: string,
  kind: SnapshotKind,
): Promise<CacheSnapshotView | undefined> {
  if (kind === "serverless") {
    const out = await orUndefined(
      aws.read(
        account.alias,
        "elasticache",
        new elasticache.DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: name }),
      ),
    );
    const s = out?.ServerlessCacheSnapshots?.[0];
    return s ? serverlessView(account, s) : undefined;
  }
  const out = await orUndefined(
    aws.read(account.alias, "elasticache", new elasticache.DescribeSnapshotsCommand({ SnapshotName: name })),
  );
  const s = out?.Snapshots?.[0];
  return s ? nodeView(account, s) : undefined;
}

/** The newest automated snapshot of a replication group or cluster. */
export async function latestAutomated(
  aws: AwsReader,
  account: AccountRef,
  source: { replicationGroup?: string; cacheCluster?: string },
): Promise<CacheSnapshotView | undefined> {
  const all: CacheSnapshotView[] = [];
  let marker: string | undefined;
  do {
    const out = await aws.read(
      account.alias,
      "elasticache",
      new elasticache.DescribeSnapshotsCommand({
        ...(source.replicationGroup ? { ReplicationGroupId: source.replicationGroup } : {}),
        ...(source.cacheCluster ? { CacheClusterId: source.cacheCluster } : {}),
        SnapshotSource: "system",
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    for (const s of out.Snapshots ?? []) all.push(nodeView(account, s));
    marker = out.Marker;
  } while (marker);
  return all.filter((s) => s.status === "available").sort((a, b) => b.createdAt - a.createdAt)[0];
}

export async function resourceTags(aws: AwsReader, alias: string, arn: string): Promise<Record<string, string>> {
  const out = await aws.read(alias, "elasticache", new elasticache.ListTagsForResourceCommand({ ResourceName: arn }));
  return tagMap(out.TagList);
}

/** The cache named by exactly one of the three params, or undefined when it does not exist. */
export async function describeCache(
  aws: AwsReader,
  account: AccountRef,
  source: { replicationGroup?: string; cacheCluster?: string; serverlessCache?: string },
): Promise<CacheView | undefined> {
  if (source.replicationGroup) {
    const out = await orUndefined(
      aws.read(
        account.alias,
        "elasticache",
        new elasticache.DescribeReplicationGroupsCommand({ ReplicationGroupId: source.replicationGroup }),
      ),
    );
    const g = out?.ReplicationGroups?.[0];
    if (!g) return undefined;
    // The engine version lives on the member clusters.
    const member = g.MemberClusters?.[0];
    const cluster = member
      ? (
          await orUndefined(
            aws.read(
              account.alias,
              "elasticache",
              new elasticache.DescribeCacheClustersCommand({ CacheClusterId: member }),
            ),
          )
        )?.CacheClusters?.[0]
      : undefined;
    return {
      id: source.replicationGroup,
      arn: g.ARN ?? "",
      kind: "replication-group",
      engine: g.Engine ?? cluster?.Engine ?? "redis",
      engineVersion: cluster?.EngineVersion ?? "",
      shards: Math.max(1, g.NodeGroups?.length ?? 1),
      nodes: g.MemberClusters?.length ?? 0,
      ...(g.CacheNodeType ? { nodeType: g.CacheNodeType } : {}),
      atRestEncryption: g.AtRestEncryptionEnabled === true,
      ...(g.KmsKeyId ? { kmsKeyId: g.KmsKeyId } : {}),
      transitEncryption: g.TransitEncryptionEnabled === true,
      authToken: g.AuthTokenEnabled === true,
    };
  }
  if (source.cacheCluster) {
    const out = await orUndefined(
      aws.read(
        account.alias,
        "elasticache",
        new elasticache.DescribeCacheClustersCommand({ CacheClusterId: source.cacheCluster }),
      ),
    );
    const c = out?.CacheClusters?.[0];
    if (!c) return undefined;
    return {
      id: source.cacheCluster,
      arn: c.ARN ?? "",
      kind: "cluster",
      engine: c.Engine ?? "",
      engineVersion: c.EngineVersion ?? "",
      shards: 1,
      nodes: c.NumCacheNodes ?? 1,
      ...(c.CacheNodeType ? { nodeType: c.CacheNodeType } : {}),
      atRestEncryption: c.AtRestEncryptionEnabled === true,
      transitEncryption: c.TransitEncryptionEnabled === true,
      authToken: c.AuthTokenEnabled === true,
    };
  }
  const out = await orUndefined(
    aws.read(
      account.alias,
      "elasticache",
      new elasticache.DescribeServerlessCachesCommand({ ServerlessCacheName: source.serverlessCache ?? "" }),
    ),
  );
  const s = out?.ServerlessCaches?.[0];
  if (!s) return undefined;
  return {
    id: source.serverlessCache ?? "",
    arn: s.ARN ?? "",
    kind: "serverless",
    engine: s.Engine ?? "",
    engineVersion: s.FullEngineVersion ?? s.MajorEngineVersion ?? "",
    shards: 1,
    nodes: 0,
    atRestEncryption: true,
    ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
    transitEncryption: true,
    authToken: false,
  };
}

/**
 * A name of this run and task for a snapshot or an export: `hk-<run>-<16 hex>`. The run id stays a token
 * (the cleanup step finds this run's files by it), and every such name of a run has the same length, so
 * none is the beginning of another: the key prefix `<name>-` selects one export's files only.
 */
export function cacheName(ctx: { tags(): Record<string, string>; token(suffix?: string): string }, suffix: string) {
  const run = ctx.tags()[RUN_TAG] ?? "run";
  return `hk-${run}-${ctx.token(suffix).slice(3, 19)}`;
}
