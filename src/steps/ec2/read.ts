/**
 * Read-side view of EBS snapshots, AMIs and volumes: one plain shape each, lookups by id and by our
 * tags (CopySnapshot / CreateSnapshot have no ClientToken, so tags are how a resumed task finds its
 * work), sharing attributes, ARNs and the plan observations.
 */
import type { Filter, Image, Snapshot } from "@aws-sdk/client-ec2";
import { partitionOf } from "../../aws/permissions.js";
import { ec2 } from "../../aws/sdk.js";
import type { Json } from "../../core/json.js";
import type { AccountRef, AwsReader } from "../define.js";
import { orUndefined } from "../shared/observe.js";
import { tagMap } from "../shared/ownership.js";

export interface EbsSnapshot {
  id: string;
  ownerId: string | undefined;
  /** pending | completed | error | recoverable | recovering */
  state: string;
  percent: number | undefined;
  stateMessage: string | undefined;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  sizeGb: number | undefined;
  volumeId: string | undefined;
  description: string | undefined;
  tags: Record<string, string>;
}

export interface AmiDevice {
  device: string;
  snapshotId: string | undefined;
  encrypted: boolean | undefined;
  sizeGb: number | undefined;
}

export interface Ami {
  id: string;
  ownerId: string | undefined;
  name: string | undefined;
  /** pending | available | failed | deregistered | ... */
  state: string;
  stateReason: string | undefined;
  devices: AmiDevice[];
  tags: Record<string, string>;
}

export interface EbsVolume {
  id: string;
  state: string;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  sizeGb: number | undefined;
}

export const SNAPSHOT_ID = /^snap-[0-9a-f]{8}([0-9a-f]{9})?$/;
export const IMAGE_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;
export const VOLUME_ID = /^vol-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** EBS snapshots and AMIs have no account in their ARN (they can be shared or public). */
export function snapshotArn(account: AccountRef, id: string): string {
  return `arn:${partitionOf(account.region)}:ec2:${account.region}::snapshot/${id}`;
}

export function volumeArn(account: AccountRef, id: string): string {
  return `arn:${partitionOf(account.region)}:ec2:${account.region}:${account.id}:volume/${id}`;
}

export function imageArn(account: AccountRef, id: string): string {
  return `arn:${partitionOf(account.region)}:ec2:${account.region}::image/${id}`;
}

/** "42%" → 42. */
function percentOf(progress: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(progress?.trim() ?? "");
  return m ? Number(m[1]) : undefined;
}

function fromSnapshot(s: Snapshot): EbsSnapshot {
  return {
    id: s.SnapshotId ?? "",
    ownerId: s.OwnerId,
    state: s.State ?? "unknown",
    percent: percentOf(s.Progress),
    stateMessage: s.StateMessage,
    encrypted: s.Encrypted === true,
    kmsKeyId: s.KmsKeyId,
    sizeGb: s.VolumeSize,
    volumeId: s.VolumeId,
    description: s.Description,
    tags: tagMap(s.Tags),
  };
}

function fromImage(i: Image): Ami {
  return {
    id: i.ImageId ?? "",
    ownerId: i.OwnerId,
    name: i.Name,
    state: i.State ?? "unknown",
    stateReason: i.StateReason?.Message ?? i.StateReason?.Code,
    devices: (i.BlockDeviceMappings ?? [])
      .filter((m) => m.Ebs !== undefined)
      .map((m) => ({
        device: m.DeviceName ?? "",
        snapshotId: m.Ebs?.SnapshotId,
        encrypted: m.Ebs?.Encrypted,
        sizeGb: m.Ebs?.VolumeSize,
      })),
    tags: tagMap(i.Tags),
  };
}

/** Own or shared with this account; undefined when it does not exist (or is not visible). */
export async function describeEbsSnapshot(
  aws: AwsReader,
  account: AccountRef,
  id: string,
): Promise<EbsSnapshot | undefined> {
  if (!SNAPSHOT_ID.test(id)) return undefined;
  const out = await orUndefined(
    aws.read(account.alias, "ec2", new ec2.DescribeSnapshotsCommand({ SnapshotIds: [id] })),
  );
  const found = out?.Snapshots?.[0];
  return found ? fromSnapshot(found) : undefined;
}

function tagFilters(tags: Record<string, string>): Filter[] {
  return Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
}

/** This account's snapshots carrying every one of `tags` (how a resumed task finds its copy). */
export async function findTaggedSnapshots(
  aws: AwsReader,
  account: AccountRef,
  tags: Record<string, string>,
): Promise<EbsSnapshot[]> {
  const found: EbsSnapshot[] = [];
  let token: string | undefined;
  do {
    const out = await aws.read(
      account.alias,
      "ec2",
      new ec2.DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: tagFilters(tags), NextToken: token }),
    );
    found.push(...(out.Snapshots ?? []).map(fromSnapshot));
    token = out.NextToken;
  } while (token);
  return found;
}

export async function describeAmi(aws: AwsReader, account: AccountRef, id: string): Promise<Ami | undefined> {
  if (!IMAGE_ID.test(id)) return undefined;
  const out = await orUndefined(aws.read(account.alias, "ec2", new ec2.DescribeImagesCommand({ ImageIds: [id] })));
  const found = out?.Images?.[0];
  return found ? fromImage(found) : undefined;
}

/** This account's AMIs carrying every one of `tags`. */
export async function findTaggedImages(
  aws: AwsReader,
  account: AccountRef,
  tags: Record<string, string>,
): Promise<Ami[]> {
  const found: Ami[] = [];
  let token: string | undefined;
  do {
    const out = await aws.read(
      account.alias,
      "ec2",
      new ec2.DescribeImagesCommand({ Owners: ["self"], Filters: tagFilters(tags), NextToken: token }),
    );
    found.push(...(out.Images ?? []).map(fromImage));
    token = out.NextToken;
  } while (token);
  return found;
}

export async function describeVolume(aws: AwsReader, account: AccountRef, id: string): Promise<EbsVolume | undefined> {
  if (!VOLUME_ID.test(id)) return undefined;
  const out = await orUndefined(aws.read(account.alias, "ec2", new ec2.DescribeVolumesCommand({ VolumeIds: [id] })));
  const v = out?.Volumes?.[0];
  if (!v) return undefined;
  return {
    id: v.VolumeId ?? id,
    state: v.State ?? "unknown",
    encrypted: v.Encrypted === true,
    kmsKeyId: v.KmsKeyId,
    sizeGb: v.Size,
  };
}

export interface Permissions {
  userIds: string[];
  /** Group "all": public. */
  isPublic: boolean;
}

/** Who may create volumes from the snapshot (its sharing). */
export async function createVolumePermissions(aws: AwsReader, account: AccountRef, id: string): Promise<Permissions> {
  const out = await aws.read(
    account.alias,
    "ec2",
    new ec2.DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: "createVolumePermission" }),
  );
  const list = out.CreateVolumePermissions ?? [];
  return {
    userIds: list.flatMap((p) => (p.UserId ? [p.UserId] : [])),
    isPublic: list.some((p) => p.Group === "all"),
  };
}

/** Who may launch (and copy) the AMI. */
export async function launchPermissions(aws: AwsReader, account: AccountRef, id: string): Promise<Permissions> {
  const out = await aws.read(
    account.alias,
    "ec2",
    new ec2.DescribeImageAttributeCommand({ ImageId: id, Attribute: "launchPermission" }),
  );
  const list = out.LaunchPermissions ?? [];
  return {
    userIds: list.flatMap((p) => (p.UserId ? [p.UserId] : [])),
    isPublic: list.some((p) => p.Group === "all"),
  };
}

/** The snapshots behind an AMI's EBS devices, described (undefined where not visible). */
export async function backingSnapshots(
  aws: AwsReader,
  account: AccountRef,
  image: Ami,
): Promise<Array<{ id: string; info: EbsSnapshot | undefined }>> {
  const ids = image.devices.flatMap((d) => (d.snapshotId ? [d.snapshotId] : []));
  return Promise.all(ids.map(async (id) => ({ id, info: await describeEbsSnapshot(aws, account, id) })));
}

/** What must not change between a reviewed plan and the run (not state or progress). */
export function ebsSnapshotObservation(info: EbsSnapshot | undefined): Json {
  if (!info) return null;
  return {
    id: info.id,
    ownerId: info.ownerId ?? null,
    encrypted: info.encrypted,
    kmsKeyId: info.kmsKeyId ?? null,
    sizeGb: info.sizeGb ?? null,
  };
}

export function amiObservation(info: Ami | undefined): Json {
  if (!info) return null;
  return {
    id: info.id,
    ownerId: info.ownerId ?? null,
    snapshots: info.devices.map((d) => d.snapshotId ?? null),
  };
}

export function totalSizeGb(image: Ami): number | undefined {
  const sizes = image.devices.map((d) => d.sizeGb);
  return sizes.every((s) => s !== undefined) && sizes.length > 0
    ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0)
    : undefined;
}
