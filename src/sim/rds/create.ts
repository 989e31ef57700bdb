import { resolveKey } from "../kms/keys.js";
import { keyUsableBy } from "../kms/policy.js";
import { fail, type Outcome, ok } from "../outcome.js";
import type { CallContext } from "../protocol/types.js";
import { regionState, type Snapshot } from "../world.js";
import { type Flavour, NOT_FOUND_STATUS } from "./flavours.js";
import {
  addSnapshot,
  checkNewIdentifier,
  copiesInProgress,
  durationFor,
  findReadable,
  snapshotStatus,
} from "./model.js";

/** What the caller's account needs on the SOURCE snapshot's key to copy it (RDS decrypts and re-grants). */
export const SOURCE_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"] as const;
/** What it needs on the DESTINATION key. */
export const DESTINATION_KEY_ACTIONS = ["kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"] as const;

/** CreateDBSnapshot / CreateDBClusterSnapshot: inherits the size and the key of the instance/cluster. */
export function createSnapshot(
  ctx: CallContext,
  f: Flavour,
  req: { id: string | undefined; parent: string | undefined; tags: Map<string, string> },
): Outcome<Snapshot> {
  const id = checkNewIdentifier(ctx, f, req.id);
  if (!id.ok) return id;
  const region = regionState(ctx.world, ctx.account, ctx.region);
  const parentId = (req.parent ?? "").toLowerCase();
  const parent = f.kind === "instance" ? region.instances.get(parentId) : region.clusters.get(parentId);
  if (!parent) return fail(f.codes.parentNotFound, `${f.parentParam} ${req.parent ?? ""} not found.`, NOT_FOUND_STATUS);
  const sizeGb = "allocatedStorageGb" in parent ? parent.allocatedStorageGb : parent.sizeGb;
  return ok(
    addSnapshot(ctx.world, f, {
      id: id.value,
      account: ctx.account,
      region: ctx.region,
      sourceId: parent.id,
      sourceResourceId: parent.resourceId,
      engine: parent.engine,
      engineVersion: parent.engineVersion,
      sizeGb,
      type: "manual",
      kmsKeyArn: parent.kmsKeyArn,
      createdAt: ctx.now,
      durationMs: durationFor(ctx.world, sizeGb),
      tags: req.tags,
    }),
  );
}

export interface CopyRequest {
  source: string | undefined;
  target: string | undefined;
  kmsKeyId?: string;
  tags: Map<string, string>;
  copyTags: boolean;
}

/**
 * CopyDBSnapshot / CopyDBClusterSnapshot. A source in another account must be shared with the caller and
 * named by ARN; an encrypted source from another account or region needs a KmsKeyId; the caller's account
 * must be able to use the source key (never an AWS managed key of another account) and the destination
 * key; at most `rdsMaxConcurrentCopies` copies run at once per account and region.
 */
export function copySnapshot(ctx: CallContext, f: Flavour, req: CopyRequest): Outcome<Snapshot> {
  const found = findReadable(ctx, f, req.source);
  if (!found.ok) return found;
  const source = found.value;
  if (snapshotStatus(source, ctx.now).status !== "available") {
    return fail(f.codes.invalidState, `${f.label} ${source.arn} must be available to be copied.`);
  }
  const id = checkNewIdentifier(ctx, f, req.target);
  if (!id.ok) return id;

  const foreign = source.account !== ctx.account || source.region !== ctx.region;
  let kmsKeyArn: string | undefined;
  if (source.kmsKeyArn !== undefined) {
    if (foreign && !req.kmsKeyId) {
      return fail(
        "InvalidParameterValue",
        `KmsKeyId is required to copy the encrypted ${f.label} ${source.arn} from another account or region.`,
      );
    }
    const sourceKey = resolveKey(ctx.world, ctx.account, ctx.region, source.kmsKeyArn);
    const usable = sourceKey.ok ? keyUsableBy(sourceKey.value, ctx.account, SOURCE_KEY_ACTIONS) : undefined;
    if (!usable?.usable) {
      return fail(
        "KMSKeyNotAccessibleFault",
        `The source snapshot KMS key [${source.kmsKeyArn}] does not exist, is not enabled or you do not have permissions to access it. ` +
          (usable && !usable.usable ? usable.reason : ""),
      );
    }
    kmsKeyArn = source.kmsKeyArn;
  } else if (req.kmsKeyId) {
    return fail(
      "InvalidParameterCombination",
      `KmsKeyId cannot be given to copy the unencrypted ${f.label} ${source.arn}.`,
    );
  }
  if (req.kmsKeyId) {
    const dest = destinationKey(ctx, req.kmsKeyId);
    if (!dest.ok) return dest;
    kmsKeyArn = dest.value;
  }

  if (copiesInProgress(ctx) >= ctx.world.seed.rdsMaxConcurrentCopies) {
    return fail(
      "SnapshotQuotaExceeded",
      `Cannot copy ${source.arn}: ${ctx.world.seed.rdsMaxConcurrentCopies} snapshot copies are already in progress in ${ctx.region}.`,
    );
  }
  const tags = new Map(req.copyTags ? source.tags : []);
  for (const [k, v] of req.tags) tags.set(k, v);
  return ok(
    addSnapshot(ctx.world, f, {
      id: id.value,
      account: ctx.account,
      region: ctx.region,
      sourceId: source.sourceId,
      sourceResourceId: source.sourceResourceId,
      engine: source.engine,
      engineVersion: source.engineVersion,
      sizeGb: source.sizeGb,
      type: "manual",
      kmsKeyArn,
      createdAt: ctx.now,
      originalCreatedAt: source.originalCreatedAt,
      durationMs: durationFor(ctx.world, source.sizeGb),
      copiedFrom: source.arn,
      sourceRegion: source.region !== ctx.region ? source.region : undefined,
      tags,
    }),
  );
}

/** The destination key: any form KMS accepts, in the destination region, usable by the caller. */
function destinationKey(ctx: CallContext, ref: string): Outcome<string> {
  const key = resolveKey(ctx.world, ctx.account, ctx.region, ref);
  const inaccessible = (why: string) =>
    fail("KMSKeyNotAccessibleFault", `The target KMS key [${ref}] is not accessible: ${why}`);
  if (!key.ok) return inaccessible(key.error.message);
  if (key.value.region !== ctx.region) return inaccessible(`the key is in ${key.value.region}, not in ${ctx.region}`);
  const usable = keyUsableBy(key.value, ctx.account, DESTINATION_KEY_ACTIONS);
  if (!usable.usable) return inaccessible(usable.reason);
  return ok(key.value.arn);
}
