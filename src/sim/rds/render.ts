import { xmlList } from "../protocol/query.js";
import type { DbCluster, DbInstance, Snapshot, Tags } from "../world.js";
import { snapshotStatus } from "./model.js";

export function tagXml(tags: Tags): unknown {
  const sorted = [...tags.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return xmlList(
    "Tag",
    sorted.map(([Key, Value]) => ({ Key, Value })),
  );
}

const portOf = (engine: string) => (engine.includes("mysql") || engine.includes("maria") ? 3306 : 5432);

/**
 * A DB snapshot as the viewer sees it: another account's snapshot shared with the viewer shows its ARN as
 * identifier and SnapshotType "shared", without the owner's tags.
 */
export function dbSnapshotXml(
  s: Snapshot,
  viewer: string,
  now: number,
  statusOverride?: string,
): Record<string, unknown> {
  const { status, percent } = snapshotStatus(s, now);
  const own = s.account === viewer;
  return {
    DBSnapshotIdentifier: own ? s.id : s.arn,
    DBInstanceIdentifier: s.sourceId,
    SnapshotCreateTime: new Date(s.createdAt),
    Engine: s.engine,
    AllocatedStorage: s.sizeGb,
    Status: statusOverride ?? status,
    Port: portOf(s.engine),
    AvailabilityZone: `${s.region}a`,
    MasterUsername: "app",
    EngineVersion: s.engineVersion,
    LicenseModel: "postgresql-license",
    SnapshotType: own ? s.type : "shared",
    PercentProgress: percent,
    SourceRegion: s.sourceRegion,
    SourceDBSnapshotIdentifier: s.copiedFrom,
    StorageType: "gp3",
    Encrypted: s.kmsKeyArn !== undefined,
    KmsKeyId: s.kmsKeyArn,
    DBSnapshotArn: s.arn,
    IAMDatabaseAuthenticationEnabled: false,
    DbiResourceId: s.sourceResourceId,
    TagList: own ? tagXml(s.tags) : undefined,
    SnapshotTarget: "region",
    OriginalSnapshotCreateTime: new Date(s.originalCreatedAt),
  };
}

export function dbClusterSnapshotXml(
  s: Snapshot,
  viewer: string,
  now: number,
  statusOverride?: string,
): Record<string, unknown> {
  const { status, percent } = snapshotStatus(s, now);
  const own = s.account === viewer;
  return {
    AvailabilityZones: xmlList("AvailabilityZone", [`${s.region}a`, `${s.region}c`, `${s.region}d`]),
    DBClusterSnapshotIdentifier: own ? s.id : s.arn,
    DBClusterIdentifier: s.sourceId,
    SnapshotCreateTime: new Date(s.createdAt),
    Engine: s.engine,
    EngineMode: "provisioned",
    AllocatedStorage: s.sizeGb,
    Status: statusOverride ?? status,
    Port: portOf(s.engine),
    VpcId: "vpc-0sim",
    MasterUsername: "app",
    EngineVersion: s.engineVersion,
    LicenseModel: s.engine,
    SnapshotType: own ? s.type : "shared",
    PercentProgress: percent,
    StorageEncrypted: s.kmsKeyArn !== undefined,
    KmsKeyId: s.kmsKeyArn,
    DBClusterSnapshotArn: s.arn,
    SourceDBClusterSnapshotArn: s.copiedFrom,
    IAMDatabaseAuthenticationEnabled: false,
    TagList: own ? tagXml(s.tags) : undefined,
    StorageType: "aurora",
    DbClusterResourceId: s.sourceResourceId,
  };
}

export function snapshotXml(
  s: Snapshot,
  viewer: string,
  now: number,
  statusOverride?: string,
): Record<string, unknown> {
  return s.kind === "instance"
    ? dbSnapshotXml(s, viewer, now, statusOverride)
    : dbClusterSnapshotXml(s, viewer, now, statusOverride);
}

export function dbInstanceXml(i: DbInstance): Record<string, unknown> {
  const region = i.arn.split(":")[3]!;
  return {
    DBInstanceIdentifier: i.id,
    DBInstanceClass: i.instanceClass,
    Engine: i.engine,
    DBInstanceStatus: "available",
    MasterUsername: "app",
    Endpoint: { Address: `${i.id}.c0sim.${region}.rds.amazonaws.com`, Port: portOf(i.engine) },
    AllocatedStorage: i.allocatedStorageGb,
    InstanceCreateTime: new Date(i.createdAt),
    BackupRetentionPeriod: 7,
    AvailabilityZone: `${region}a`,
    MultiAZ: false,
    EngineVersion: i.engineVersion,
    StorageType: "gp3",
    StorageEncrypted: i.kmsKeyArn !== undefined,
    KmsKeyId: i.kmsKeyArn,
    DbiResourceId: i.resourceId,
    CopyTagsToSnapshot: false,
    DBInstanceArn: i.arn,
    TagList: tagXml(i.tags),
  };
}

export function dbClusterXml(c: DbCluster): Record<string, unknown> {
  const region = c.arn.split(":")[3]!;
  return {
    AllocatedStorage: c.sizeGb,
    AvailabilityZones: xmlList("AvailabilityZone", [`${region}a`, `${region}c`, `${region}d`]),
    BackupRetentionPeriod: 7,
    DBClusterIdentifier: c.id,
    Status: "available",
    Endpoint: `${c.id}.cluster-c0sim.${region}.rds.amazonaws.com`,
    ReaderEndpoint: `${c.id}.cluster-ro-c0sim.${region}.rds.amazonaws.com`,
    MultiAZ: false,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    Port: portOf(c.engine),
    MasterUsername: "app",
    StorageEncrypted: c.kmsKeyArn !== undefined,
    KmsKeyId: c.kmsKeyArn,
    DbClusterResourceId: c.resourceId,
    DBClusterArn: c.arn,
    ClusterCreateTime: new Date(c.createdAt),
    EngineMode: "provisioned",
    StorageType: "aurora",
    TagList: tagXml(c.tags),
  };
}
