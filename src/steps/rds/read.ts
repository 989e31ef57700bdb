/**
 * Read-side view of RDS instance and Aurora cluster snapshots, behind one shape so each step handles
 * both kinds without branching on every field.
 */
import type { DBClusterSnapshot, DBSnapshot } from "@aws-sdk/client-rds";
import { partitionOf } from "../../aws/permissions.js";
import { rds } from "../../aws/sdk.js";
import type { Json } from "../../core/json.js";
import type { AccountRef, AwsReader } from "../define.js";
import { orUndefined } from "../shared/observe.js";
import { tagMap } from "../shared/ownership.js";

export type SnapshotKind = "instance" | "cluster";

export interface SnapshotInfo {
  id: string;
  arn: string;
  kind: SnapshotKind;
  status: string;
  percent: number | undefined;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  sizeGb: number | undefined;
  /** "manual" | "automated" | "shared" | "public" | "awsbackup" */
  type: string | undefined;
  /** The instance / cluster it was taken from. */
  sourceId: string | undefined;
  createdAt: number | undefined;
  tags: Record<string, string>;
}

export interface SourceInfo {
  id: string;
  arn: string | undefined;
  status: string;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  sizeGb: number | undefined;
}

/** Snapshot statuses after which "available" never comes. */
const FAILED_STATUSES = new Set(["failed", "error", "deleted", "deleting", "incompatible-restore"]);

export function isFailedStatus(status: string): boolean {
  return FAILED_STATUSES.has(status) || status.startsWith("incompatible");
}

export const NOUN: Record<SnapshotKind, string> = { instance: "DB snapshot", cluster: "DB cluster snapshot" };
const ARN_TYPE: Record<SnapshotKind, string> = { instance: "snapshot", cluster: "cluster-snapshot" };

export function isArn(value: string): boolean {
  return value.startsWith("arn:");
}

/** The id part of an RDS snapshot ARN, or the value itself. */
export function snapshotIdOf(value: string): string {
  return isArn(value) ? value.split(":").slice(6).join(":") : value;
}

export function accountOfArn(value: string): string | undefined {
  return isArn(value) ? value.split(":")[4] : undefined;
}

export function regionOfArn(value: string): string | undefined {
  return isArn(value) ? value.split(":")[3] : undefined;
}

export function snapshotArn(account: AccountRef, kind: SnapshotKind, id: string): string {
  if (isArn(id)) return id;
  return `arn:${partitionOf(account.region)}:rds:${account.region}:${account.id}:${ARN_TYPE[kind]}:${id}`;
}

/** Letters, digits and single hyphens, starting with a letter (RDS identifier rules). */
export function isValidSnapshotId(value: string): boolean {
  return /^[A-Za-z](?:-?[A-Za-z0-9])*$/.test(value) && value.length <= 255;
}

function fromInstance(s: DBSnapshot): SnapshotInfo {
  return {
    id: s.DBSnapshotIdentifier ?? "",
    arn: s.DBSnapshotArn ?? "",
    kind: "instance",
    status: s.Status ?? "unknown",
    percent: s.PercentProgress,
    encrypted: s.Encrypted === true,
    kmsKeyId: s.KmsKeyId,
    sizeGb: s.AllocatedStorage,
    type: s.SnapshotType,
    sourceId: s.DBInstanceIdentifier,
    createdAt: s.SnapshotCreateTime?.getTime(),
    tags: tagMap(s.TagList),
  };
}

function fromCluster(s: DBClusterSnapshot): SnapshotInfo {
  return {
    id: s.DBClusterSnapshotIdentifier ?? "",
    arn: s.DBClusterSnapshotArn ?? "",
    kind: "cluster",
    status: s.Status ?? "unknown",
    percent: s.PercentProgress,
    encrypted: s.StorageEncrypted === true,
    kmsKeyId: s.KmsKeyId,
    sizeGb: s.AllocatedStorage,
    type: s.SnapshotType,
    sourceId: s.DBClusterIdentifier,
    createdAt: s.SnapshotCreateTime?.getTime(),
    tags: tagMap(s.TagList),
  };
}

/** By id or ARN; a foreign ARN (shared with us) is looked up with IncludeShared. */
export async function describeSnapshot(
  aws: AwsReader,
  account: AccountRef,
  kind: SnapshotKind,
  idOrArn: string,
): Promise<SnapshotInfo | undefined> {
  const foreign = isArn(idOrArn) && accountOfArn(idOrArn) !== account.id;
  const automated = snapshotIdOf(idOrArn).startsWith("rds:");
  const filters = {
    ...(foreign ? { IncludeShared: true } : {}),
    ...(automated ? { SnapshotType: "automated" } : {}),
  };
  let info: SnapshotInfo | undefined;
  if (kind === "instance") {
    const out = await orUndefined(
      aws.read(account.alias, "rds", new rds.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: idOrArn, ...filters })),
    );
    const found = out?.DBSnapshots?.[0];
    info = found ? fromInstance(found) : undefined;
  } else {
    const out = await orUndefined(
      aws.read(
        account.alias,
        "rds",
        new rds.DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: idOrArn, ...filters }),
      ),
    );
    const found = out?.DBClusterSnapshots?.[0];
    info = found ? fromCluster(found) : undefined;
  }
  if (info && !foreign && info.arn && Object.keys(info.tags).length === 0) {
    // Older API answers omit TagList; tags are what tells us a snapshot is ours.
    const tags = await aws.read(account.alias, "rds", new rds.ListTagsForResourceCommand({ ResourceName: info.arn }));
    info.tags = tagMap(tags.TagList);
  }
  return info;
}

export async function describeSource(
  aws: AwsReader,
  account: AccountRef,
  kind: SnapshotKind,
  id: string,
): Promise<SourceInfo | undefined> {
  if (kind === "instance") {
    const out = await orUndefined(
      aws.read(account.alias, "rds", new rds.DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
    );
    const db = out?.DBInstances?.[0];
    if (!db) return undefined;
    return {
      id,
      arn: db.DBInstanceArn,
      status: db.DBInstanceStatus ?? "unknown",
      encrypted: db.StorageEncrypted === true,
      kmsKeyId: db.KmsKeyId,
      sizeGb: db.AllocatedStorage,
    };
  }
  const out = await orUndefined(
    aws.read(account.alias, "rds", new rds.DescribeDBClustersCommand({ DBClusterIdentifier: id })),
  );
  const db = out?.DBClusters?.[0];
  if (!db) return undefined;
  return {
    id,
    arn: db.DBClusterArn,
    status: db.Status ?? "unknown",
    encrypted: db.StorageEncrypted === true,
    kmsKeyId: db.KmsKeyId,
    sizeGb: db.AllocatedStorage,
  };
}

/** The newest available automated snapshot of an instance or cluster. */
export async function latestAutomated(
  aws: AwsReader,
  account: AccountRef,
  kind: SnapshotKind,
  sourceId: string,
): Promise<SnapshotInfo | undefined> {
  const all: SnapshotInfo[] = [];
  let marker: string | undefined;
  do {
    if (kind === "instance") {
      const out = await aws.read(
        account.alias,
        "rds",
        new rds.DescribeDBSnapshotsCommand({
          DBInstanceIdentifier: sourceId,
          SnapshotType: "automated",
          Marker: marker,
        }),
      );
      all.push(...(out.DBSnapshots ?? []).map(fromInstance));
      marker = out.Marker;
    } else {
      const out = await aws.read(
        account.alias,
        "rds",
        new rds.DescribeDBClusterSnapshotsCommand({
          DBClusterIdentifier: sourceId,
          SnapshotType: "automated",
          Marker: marker,
        }),
      );
      all.push(...(out.DBClusterSnapshots ?? []).map(fromCluster));
      marker = out.Marker;
    }
  } while (marker);
  return all
    .filter((s) => s.status === "available")
    .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0) || (a.id < b.id ? 1 : -1))[0];
}

/** Account ids the snapshot is shared with (the "restore" attribute). */
export async function restoreAccounts(
  aws: AwsReader,
  account: AccountRef,
  kind: SnapshotKind,
  id: string,
): Promise<string[]> {
  if (kind === "instance") {
    const out = await aws.read(
      account.alias,
      "rds",
      new rds.DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id }),
    );
    const attrs = out.DBSnapshotAttributesResult?.DBSnapshotAttributes ?? [];
    return attrs.find((a) => a.AttributeName === "restore")?.AttributeValues ?? [];
  }
  const out = await aws.read(
    account.alias,
    "rds",
    new rds.DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: id }),
  );
  const attrs = out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes ?? [];
  return attrs.find((a) => a.AttributeName === "restore")?.AttributeValues ?? [];
}

/**
 * What plans record in `observations` about a snapshot: only what must not change between the reviewed
 * plan and the run (not status or progress, which move on their own).
 */
export function snapshotObservation(info: SnapshotInfo | undefined): Json {
  if (!info) return null;
  return {
    id: info.id,
    encrypted: info.encrypted,
    kmsKeyId: info.kmsKeyId ?? null,
    type: info.type ?? null,
  };
}
