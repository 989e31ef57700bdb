/**
 * KMS checks for EBS snapshots and AMIs, as preconditions (plan shows them, run enforces them): the key
 * of a snapshot about to be shared, the key of a foreign snapshot about to be copied, and the hint a
 * copy that ended in `error` deserves.
 */
import { awsCategory } from "../../aws/errors.js";
import { CROSS_ACCOUNT_KEY_ACTIONS } from "../../aws/permissions.js";
import type { AccountRef, AwsReader, Precondition } from "../define.js";
import { checkShareKey } from "../kms/key-checks.js";
import { describeKey, EBS_COPY_KEY_ACTIONS, isAwsManaged } from "../kms/keys.js";
import { failed } from "../shared/plan.js";

const KEY_ACTIONS = CROSS_ACCOUNT_KEY_ACTIONS.join(", ");

/**
 * An encrypted snapshot (or an AMI's) about to be shared with `targetIds`: an AWS managed key (aws/ebs)
 * can be shared with nobody (ModifySnapshotAttribute answers OperationNotPermitted), and a customer key
 * must admit every target in its policy.
 */
export async function ebsShareKeyProblems(
  aws: AwsReader,
  account: AccountRef,
  keyId: string,
  targetIds: readonly string[],
  what: { noun: string; fix: string },
): Promise<Precondition[]> {
  const meta = await describeKey(aws, account, keyId);
  if (meta && isAwsManaged(meta)) {
    return [
      failed(
        "EBS_SNAPSHOT_ON_AWS_MANAGED_KEY",
        `${what.noun} is encrypted with the AWS managed key ${meta.Arn ?? keyId} (aws/ebs), which cannot be shared with another account`,
        what.fix,
      ),
    ];
  }
  if (targetIds.length === 0) return [];
  return (await checkShareKey(aws, account, keyId, targetIds, EBS_COPY_KEY_ACTIONS)).problems;
}

/**
 * From the copying account: can it use `keyId`, the key of a snapshot another account (`ownerId`)
 * shared? Needs the owner's key policy to admit this account and IAM here to allow the key actions.
 */
export async function foreignKeyProblems(
  aws: AwsReader,
  account: AccountRef,
  keyId: string,
  ownerId: string,
  noun: string,
): Promise<Precondition[]> {
  try {
    const meta = await describeKey(aws, account, keyId);
    if (meta && isAwsManaged(meta)) {
      return [
        failed(
          "SOURCE_ON_AWS_MANAGED_KEY",
          `${noun} is encrypted with the AWS managed key of ${ownerId}, which no other account can use`,
          `in ${ownerId}, copy it under a customer managed key that admits ${account.id} first (ec2.move-snapshot / ec2.move-image do this)`,
        ),
      ];
    }
    if (meta) return [];
  } catch (err) {
    if (awsCategory(err) !== "access-denied") throw err;
  }
  return [
    failed(
      "SOURCE_KEY_NOT_USABLE",
      `${account.alias} (${account.id}) cannot use ${keyId}, the KMS key of ${noun}`,
      `the key policy in ${ownerId} must admit arn:aws:iam::${account.id}:root (${KEY_ACTIONS}) and IAM in ${account.alias} must allow the same actions on the key ARN`,
    ),
  ];
}

/** The hint for a copy that AWS accepted and then put in state `error` / `failed`: almost always a key. */
export function copyFailureHint(
  account: AccountRef,
  keys: { source?: string | undefined; sourceOwner?: string | undefined; target?: string | undefined },
  leftover: string,
): string {
  const parts: string[] = [];
  if (keys.source && keys.sourceOwner && keys.sourceOwner !== account.id) {
    parts.push(
      `the key policy of the source key ${keys.source} (account ${keys.sourceOwner}) must admit arn:aws:iam::${account.id}:root for ${KEY_ACTIONS}, and IAM in ${account.alias} must allow them on that key`,
    );
  } else if (keys.source) {
    parts.push(`${account.alias} must be allowed ${KEY_ACTIONS} on the source key ${keys.source}`);
  }
  if (keys.target)
    parts.push(`${account.alias} must be allowed kms:CreateGrant, kms:GenerateDataKey* on ${keys.target}`);
  const cause =
    parts.length > 0 ? `Likely cause: KMS key access — ${parts.join("; ")}.` : "Check the KMS keys involved.";
  return `${cause} Fix it, delete ${leftover} and resume.`;
}
