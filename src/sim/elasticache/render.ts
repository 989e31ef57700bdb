/** Wire shapes (awsQuery XML members as the SDK's schema names them) of ElastiCache resources and snapshots. */
import { xmlList } from "../protocol/query.js";
import type { Tags } from "../world.js";
import {
  type CacheCluster,
  type CacheSnapshot,
  type ReplicationGroup,
  type ServerlessCache,
  type ServerlessSnapshot,
  shardId,
} from "./model.js";
import { snapshotStatus } from "./status.js";

const MB = 1024 * 1024;
const PORT: Record<string, number> = { valkey: 6379, redis: 6379, memcached: 11211 };

export function tagXml(tags: Tags): unknown {
  const sorted = [...tags.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return xmlList(
    "Tag",
    sorted.map(([Key, Value]) => ({ Key, Value })),
  );
}

/** CacheSize as ElastiCache shows it, e.g. "6 MB". */
export const cacheSize = (bytes: number) => `${Math.ceil(bytes / MB)} MB`;

const regionOf = (arn: string) => arn.split(":")[3]!;
const host = (id: string, arn: string) => `${id}.sim0ec.${regionOf(arn)}.cache.amazonaws.com`;

/** Member cluster ids: `<id>-0001-001` with cluster mode, `<id>-001` without. */
export function memberClusters(rg: ReplicationGroup): string[] {
  const perShard = 1 + rg.replicasPerNodeGroup;
  const out: string[] = [];
  for (let s = 0; s < rg.numNodeGroups; s++) {
    for (let n = 0; n < perShard; n++) {
      const node = String(n + 1).padStart(3, "0");
      out.push(
        rg.clusterMode ? `${rg.id}-${shardId(s)}-${node}` : `${rg.id}-${String(s * perShard + n + 1).padStart(3, "0")}`,
      );
    }
  }
  return out;
}

export function replicationGroupXml(rg: ReplicationGroup): Record<string, unknown> {
  const members = memberClusters(rg);
  const perShard = 1 + rg.replicasPerNodeGroup;
  const slots = 16384 / rg.numNodeGroups;
  return {
    ReplicationGroupId: rg.id,
    Description: rg.id,
    Status: "available",
    MemberClusters: xmlList("ClusterId", members),
    NodeGroups: xmlList(
      "NodeGroup",
      Array.from({ length: rg.numNodeGroups }, (_, s) => ({
        NodeGroupId: shardId(s),
        Status: "available",
        Slots: rg.clusterMode ? `${Math.round(s * slots)}-${Math.round((s + 1) * slots) - 1}` : undefined,
        NodeGroupMembers: xmlList(
          "NodeGroupMember",
          members.slice(s * perShard, (s + 1) * perShard).map((c, n) => ({
            CacheClusterId: c,
            CacheNodeId: "0001",
            PreferredAvailabilityZone: `${regionOf(rg.arn)}${"acd"[n % 3]}`,
            CurrentRole: rg.clusterMode ? undefined : n === 0 ? "primary" : "replica",
          })),
        ),
      })),
    ),
    AutomaticFailover: rg.replicasPerNodeGroup > 0 ? "enabled" : "disabled",
    MultiAZ: rg.replicasPerNodeGroup > 0 ? "enabled" : "disabled",
    ConfigurationEndpoint: rg.clusterMode ? { Address: host(`clustercfg.${rg.id}`, rg.arn), Port: 6379 } : undefined,
    SnapshotRetentionLimit: rg.snapshotRetentionLimit,
    SnapshotWindow: "03:00-04:00",
    ClusterEnabled: rg.clusterMode,
    CacheNodeType: rg.cacheNodeType,
    AuthTokenEnabled: rg.authToken,
    TransitEncryptionEnabled: rg.transitEncryption,
    AtRestEncryptionEnabled: rg.atRestEncryption,
    KmsKeyId: rg.kmsKeyArn,
    ARN: rg.arn,
    ReplicationGroupCreateTime: new Date(rg.createdAt),
    DataTiering: "disabled",
    AutoMinorVersionUpgrade: true,
    NetworkType: "ipv4",
    IpDiscovery: "ipv4",
    TransitEncryptionMode: rg.transitEncryption ? "required" : undefined,
    ClusterMode: rg.clusterMode ? "enabled" : "disabled",
    Engine: rg.engine,
  };
}

/** A cache cluster: a standalone one, or a member of a replication group (`group` set). */
export function cacheClusterXml(
  c: CacheCluster | { member: string; group: ReplicationGroup },
  showNodes: boolean,
): Record<string, unknown> {
  const standalone = "engine" in c ? c : undefined;
  const group = "group" in c ? c.group : undefined;
  const id = standalone ? standalone.id : (c as { member: string }).member;
  const arn = standalone?.arn ?? `${group!.arn.split(":replicationgroup:")[0]}:cluster:${id}`;
  const engine = standalone?.engine ?? group!.engine;
  const nodes = standalone?.numCacheNodes ?? 1;
  const created = standalone?.createdAt ?? group!.createdAt;
  return {
    CacheClusterId: id,
    ConfigurationEndpoint: engine === "memcached" ? { Address: host(`${id}.cfg`, arn), Port: 11211 } : undefined,
    CacheNodeType: standalone?.cacheNodeType ?? group!.cacheNodeType,
    Engine: engine,
    EngineVersion: standalone?.engineVersion ?? group!.engineVersion,
    CacheClusterStatus: "available",
    NumCacheNodes: nodes,
    PreferredAvailabilityZone: `${regionOf(arn)}a`,
    CacheClusterCreateTime: new Date(created),
    PreferredMaintenanceWindow: "sun:05:00-sun:06:00",
    CacheNodes: showNodes
      ? xmlList(
          "CacheNode",
          Array.from({ length: nodes }, (_, n) => ({
            CacheNodeId: String(n + 1).padStart(4, "0"),
            CacheNodeStatus: "available",
            CacheNodeCreateTime: new Date(created),
            Endpoint: { Address: host(`${id}.${String(n + 1).padStart(4, "0")}`, arn), Port: PORT[engine] },
            ParameterGroupStatus: "in-sync",
            CustomerAvailabilityZone: `${regionOf(arn)}a`,
          })),
        )
      : undefined,
    AutoMinorVersionUpgrade: true,
    ReplicationGroupId: group?.id,
    SnapshotRetentionLimit: standalone ? standalone.snapshotRetentionLimit : group!.snapshotRetentionLimit,
    SnapshotWindow: engine === "memcached" ? undefined : "03:00-04:00",
    AuthTokenEnabled: standalone?.authToken ?? group!.authToken,
    TransitEncryptionEnabled: standalone?.transitEncryption ?? group!.transitEncryption,
    AtRestEncryptionEnabled: standalone?.atRestEncryption ?? group!.atRestEncryption,
    ARN: arn,
    ReplicationGroupLogDeliveryEnabled: false,
    NetworkType: "ipv4",
    IpDiscovery: "ipv4",
  };
}

export function serverlessCacheXml(c: ServerlessCache): Record<string, unknown> {
  return {
    ServerlessCacheName: c.name,
    Description: c.name,
    CreateTime: new Date(c.createdAt),
    Status: "available",
    Engine: c.engine,
    MajorEngineVersion: c.majorEngineVersion,
    FullEngineVersion: c.fullEngineVersion,
    KmsKeyId: c.kmsKeyArn,
    Endpoint: { Address: host(c.name, c.arn), Port: 6379 },
    ReaderEndpoint: { Address: host(`${c.name}-ro`, c.arn), Port: 6380 },
    ARN: c.arn,
    SnapshotRetentionLimit: c.snapshotRetentionLimit,
    DailySnapshotTime: "03:00",
    NetworkType: "ipv4",
  };
}

export function snapshotXml(s: CacheSnapshot, now: number, statusOverride?: string): Record<string, unknown> {
  return {
    SnapshotName: s.name,
    ReplicationGroupId: s.replicationGroupId,
    ReplicationGroupDescription: s.replicationGroupId,
    CacheClusterId: s.cacheClusterId,
    SnapshotStatus: statusOverride ?? snapshotStatus(s, now),
    SnapshotSource: s.source,
    CacheNodeType: s.cacheNodeType,
    Engine: s.engine,
    EngineVersion: s.engineVersion,
    NumCacheNodes: s.cacheClusterId ? 1 : undefined,
    PreferredAvailabilityZone: s.cacheClusterId ? `${s.region}a` : undefined,
    CacheClusterCreateTime: s.cacheClusterId ? new Date(s.sourceCreatedAt) : undefined,
    PreferredMaintenanceWindow: "sun:05:00-sun:06:00",
    Port: 6379,
    CacheParameterGroupName: `default.${s.engine}${s.engineVersion.split(".")[0]}${s.clusterMode ? ".cluster.on" : ""}`,
    CacheSubnetGroupName: "default",
    VpcId: "vpc-0sim",
    AutoMinorVersionUpgrade: true,
    SnapshotRetentionLimit: s.snapshotRetentionLimit,
    SnapshotWindow: "03:00-04:00",
    NumNodeGroups: s.replicationGroupId ? s.numNodeGroups : undefined,
    AutomaticFailover: s.replicationGroupId ? (s.clusterMode ? "enabled" : "disabled") : undefined,
    NodeSnapshots: xmlList(
      "NodeSnapshot",
      s.shardBytes.map((bytes, i) => ({
        CacheClusterId: s.cacheClusterId,
        NodeGroupId: s.replicationGroupId ? shardId(i) : undefined,
        CacheNodeId: s.cacheClusterId ? "0001" : undefined,
        CacheSize: cacheSize(bytes),
        CacheNodeCreateTime: new Date(s.sourceCreatedAt),
        SnapshotCreateTime: new Date(s.createdAt),
      })),
    ),
    KmsKeyId: s.kmsKeyArn,
    ARN: s.arn,
    DataTiering: "disabled",
  };
}

export function serverlessSnapshotXml(
  s: ServerlessSnapshot,
  now: number,
  statusOverride?: string,
): Record<string, unknown> {
  return {
    ServerlessCacheSnapshotName: s.name,
    ARN: s.arn,
    KmsKeyId: s.kmsKeyArn,
    SnapshotType: s.type,
    Status: statusOverride ?? snapshotStatus(s, now),
    CreateTime: new Date(s.createdAt),
    ExpiryTime: s.type === "automated" ? new Date(s.createdAt + 35 * 86_400_000) : undefined,
    BytesUsedForCache: String(s.bytes),
    ServerlessCacheConfiguration: {
      ServerlessCacheName: s.cacheName,
      Engine: s.engine,
      MajorEngineVersion: s.majorEngineVersion,
    },
  };
}
