/**
 * EBS snapshots and AMIs for the cleanup step: look them up (tags, key, backing snapshots) and remove
 * them. EC2 answers `InvalidSnapshot.NotFound` / `InvalidAMIID.NotFound` for what is gone (and
 * `InvalidAMIID.Unavailable` for an AMI just deregistered); a deregistered AMI may also still be listed
 * for a while with State "deregistered". All of these mean "gone".
 */
import { AwsError, awsCategory, awsErrorFacts } from "../../aws/errors.js";
import { ec2 } from "../../aws/sdk.js";
import type { AccountRef, AwsReader, RunContext } from "../define.js";
import { tagMap } from "../shared/ownership.js";
import { ec2Arn } from "./params.js";

export interface EbsSnapshotInfo {
  id: string;
  ownerId: string | undefined;
  state: string;
  kmsKeyId: string | undefined;
  tags: Record<string, string>;
}

export interface ImageInfo {
  id: string;
  ownerId: string | undefined;
  state: string;
  /** "enabled…" blocks DeregisterImage until someone disables it. */
  protection: string | undefined;
  backingSnapshotIds: string[];
  tags: Record<string, string>;
}

/** `InvalidAMIID.Unavailable` has no category of its own (its suffix reads like a retryable code). */
const GONE_CODES = new Set(["InvalidSnapshot.NotFound", "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"]);

function isGone(err: unknown): boolean {
  const code = err instanceof AwsError ? err.awsCode : awsErrorFacts(err).code;
  return GONE_CODES.has(code) || awsCategory(err) === "not-found";
}

async function orGone<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
}

export async function describeEbsSnapshot(
  aws: AwsReader,
  account: AccountRef,
  id: string,
): Promise<EbsSnapshotInfo | undefined> {
  const out = await orGone(aws.read(account.alias, "ec2", new ec2.DescribeSnapshotsCommand({ SnapshotIds: [id] })));
  const s = out?.Snapshots?.find((x) => x.SnapshotId === id);
  if (!s) return undefined;
  return { id, ownerId: s.OwnerId, state: s.State ?? "unknown", kmsKeyId: s.KmsKeyId, tags: tagMap(s.Tags) };
}

export async function describeImage(aws: AwsReader, account: AccountRef, id: string): Promise<ImageInfo | undefined> {
  const out = await orGone(aws.read(account.alias, "ec2", new ec2.DescribeImagesCommand({ ImageIds: [id] })));
  const image = out?.Images?.find((x) => x.ImageId === id);
  if (!image || image.State === "deregistered") return undefined;
  return {
    id,
    ownerId: image.OwnerId,
    state: image.State ?? "unknown",
    protection: image.DeregistrationProtection,
    backingSnapshotIds: (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [])),
    tags: tagMap(image.Tags),
  };
}

/** DeregisterImage; already gone is done. The backing snapshots are the caller's business. */
export async function deregisterImage(ctx: RunContext, id: string): Promise<void> {
  const arn = ec2Arn(ctx.account.region, "image", id);
  await orGone(ctx.aws.mutate(ctx.account.alias, "ec2", new ec2.DeregisterImageCommand({ ImageId: id }), arn));
}

/** DeleteSnapshot (its createVolumePermission shares go with it); already gone is done. */
export async function deleteEbsSnapshot(ctx: RunContext, id: string): Promise<void> {
  const arn = ec2Arn(ctx.account.region, "snapshot", id);
  await orGone(ctx.aws.mutate(ctx.account.alias, "ec2", new ec2.DeleteSnapshotCommand({ SnapshotId: id }), arn));
}
