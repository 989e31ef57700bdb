/**
 * What in the account still depends on a KMS key about to be scheduled for deletion: RDS instances and
 * clusters, DB and cluster snapshots, EBS volumes and snapshots of this account and region encrypted
 * with it. Once the key is deleted none of them can ever be read again, so cleanup looks at the whole
 * account, not only at what it was told to delete. Reads only; every listing is paged to its end.
 */

import { ec2, rds } from "../../aws/sdk.js";
import type { AccountRef, AwsReader } from "../define.js";
import type { KeyInfo } from "./kms.js";
import { encryptedWith } from "./survey.js";

interface Found {
  what: string;
  id: string;
  kmsKeyId: string | undefined;
}

type Lister = (aws: AwsReader, account: AccountRef) => Promise<Found[]>;

/** Follows `Marker` / `NextToken` until the listing ends. */
async function paged<P>(
  fetch: (token: string | undefined) => Promise<{ page: P[]; next: string | undefined }>,
): Promise<P[]> {
  const out: P[] = [];
  let token: string | undefined;
  do {
    const { page, next } = await fetch(token);
    out.push(...page);
    token = next;
  } while (token);
  return out;
}

const LISTERS: Lister[] = [
  (aws, a) =>
    paged(async (Marker) => {
      const out = await aws.read(a.alias, "rds", new rds.DescribeDBInstancesCommand({ Marker }));
      const page = (out.DBInstances ?? []).map((d) => ({
        what: "DB instance",
        id: d.DBInstanceIdentifier ?? "",
        kmsKeyId: d.KmsKeyId,
      }));
      return { page, next: out.Marker };
    }),
  (aws, a) =>
    paged(async (Marker) => {
      const out = await aws.read(a.alias, "rds", new rds.DescribeDBClustersCommand({ Marker }));
      const page = (out.DBClusters ?? []).map((d) => ({
        what: "DB cluster",
        id: d.DBClusterIdentifier ?? "",
        kmsKeyId: d.KmsKeyId,
      }));
      return { page, next: out.Marker };
    }),
  (aws, a) =>
    paged(async (Marker) => {
      const out = await aws.read(a.alias, "rds", new rds.DescribeDBSnapshotsCommand({ Marker }));
      const page = (out.DBSnapshots ?? []).map((d) => ({
        what: "DB snapshot",
        id: d.DBSnapshotIdentifier ?? "",
        kmsKeyId: d.KmsKeyId,
      }));
      return { page, next: out.Marker };
    }),
  (aws, a) =>
    paged(async (Marker) => {
      const out = await aws.read(a.alias, "rds", new rds.DescribeDBClusterSnapshotsCommand({ Marker }));
      const page = (out.DBClusterSnapshots ?? []).map((d) => ({
        what: "DB cluster snapshot",
        id: d.DBClusterSnapshotIdentifier ?? "",
        kmsKeyId: d.KmsKeyId,
      }));
      return { page, next: out.Marker };
    }),
  (aws, a) =>
    paged(async (NextToken) => {
      const filter = { Filters: [{ Name: "encrypted", Values: ["true"] }] };
      const out = await aws.read(a.alias, "ec2", new ec2.DescribeVolumesCommand({ ...filter, NextToken }));
      const page = (out.Volumes ?? []).map((v) => ({ what: "EBS volume", id: v.VolumeId ?? "", kmsKeyId: v.KmsKeyId }));
      return { page, next: out.NextToken };
    }),
  (aws, a) =>
    paged(async (NextToken) => {
      const input = { OwnerIds: ["self"], Filters: [{ Name: "encrypted", Values: ["true"] }], NextToken };
      const out = await aws.read(a.alias, "ec2", new ec2.DescribeSnapshotsCommand(input));
      const page = (out.Snapshots ?? []).map((s) => ({
        what: "EBS snapshot",
        id: s.SnapshotId ?? "",
        kmsKeyId: s.KmsKeyId,
      }));
      return { page, next: out.NextToken };
    }),
];

/**
 * "<what> <id>" of everything in the account (this region) encrypted with `key`, except the ids in
 * `except` (what this cleanup deletes before it schedules the key).
 */
export async function keyUsers(
  aws: AwsReader,
  account: AccountRef,
  key: KeyInfo,
  except: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const found = (await Promise.all(LISTERS.map((list) => list(aws, account)))).flat();
  return found.filter((f) => !except.has(f.id) && encryptedWith(f.kmsKeyId, key)).map((f) => `${f.what} ${f.id}`);
}

/** At most `max` names, then "and N more". */
export function shortList(names: readonly string[], max = 10): string {
  return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}
