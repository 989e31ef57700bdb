/**
 * KMS as EBS uses it: the account's default key (the AWS managed `aws/ebs`, created lazily like `aws/rds`),
 * and the key checks of a copy. EBS checks keys asynchronously: a copy with a key the caller cannot use is
 * accepted and fails later, so these functions return the failure message instead of an error.
 */
import { managedKey, resolveKey } from "../kms/keys.js";
import { keyUsableBy } from "../kms/policy.js";
import type { CallContext } from "../protocol/types.js";
import type { World } from "../world.js";

/** What the copier needs on the source snapshot's key. */
export const SOURCE_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncryptFrom"] as const;
/** What it needs on the destination key. */
export const DESTINATION_KEY_ACTIONS = [
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:DescribeKey",
  "kms:CreateGrant",
  "kms:ReEncryptTo",
] as const;

export const DEFAULT_EBS_KEY_ALIAS = "alias/aws/ebs";

/** Is this (encrypted) resource on an AWS managed key? */
export function onAwsManagedKey(
  world: World,
  resource: { account: string; region: string; kmsKeyArn?: string },
): boolean {
  if (resource.kmsKeyArn === undefined) return false;
  const key = resolveKey(world, resource.account, resource.region, resource.kmsKeyArn);
  return key.ok && key.value.manager === "AWS";
}

export interface CopyEncryption {
  /** The key of the copy (ARN, or the reference as given when it does not resolve); undefined = unencrypted. */
  kmsKeyArn?: string;
  /** Why the copy will fail, when a key cannot be used. */
  problem?: string;
}

/**
 * Encryption of a copy (CopySnapshot, CopyImage): an encrypted source stays encrypted; an unencrypted one is
 * encrypted when asked. The key is KmsKeyId when given, else the caller's default key (aws/ebs of the
 * destination region). The caller must be able to use the source key and the destination key.
 */
export function copyEncryption(
  ctx: CallContext,
  source: { kmsKeyArn?: string },
  req: { encrypted: boolean; kmsKeyId?: string },
): CopyEncryption {
  if (source.kmsKeyArn === undefined && !req.encrypted) return {};
  let problem: string | undefined;
  if (source.kmsKeyArn !== undefined) {
    const key = resolveKey(ctx.world, ctx.account, ctx.region, source.kmsKeyArn);
    const usable = key.ok ? keyUsableBy(key.value, ctx.account, SOURCE_KEY_ACTIONS) : undefined;
    if (!key.ok) problem = `the source key ${source.kmsKeyArn} does not exist`;
    else if (usable && !usable.usable) problem = usable.reason;
  }
  if (req.kmsKeyId === undefined) {
    return { kmsKeyArn: managedKey(ctx.world, ctx.account, ctx.region, "ebs").arn, problem };
  }
  const dest = resolveKey(ctx.world, ctx.account, ctx.region, req.kmsKeyId);
  if (!dest.ok) return { kmsKeyArn: req.kmsKeyId, problem: problem ?? dest.error.message };
  if (dest.value.region !== ctx.region) {
    return {
      kmsKeyArn: dest.value.arn,
      problem: problem ?? `the key is in ${dest.value.region}, not in ${ctx.region}`,
    };
  }
  const usable = keyUsableBy(dest.value, ctx.account, DESTINATION_KEY_ACTIONS);
  return { kmsKeyArn: dest.value.arn, problem: problem ?? (usable.usable ? undefined : usable.reason) };
}

/** The state message of a copy that cannot use its keys. */
export const keyFailureMessage = (why: string) => `Given key ID is not accessible: ${why}`;
