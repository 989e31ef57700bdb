/**
 * Checks on the KMS key of a snapshot that will be shared or copied across accounts, as preconditions
 * so plan and run share them (run turns the first failing error into a HikkoshiError).
 */
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { awsCategory } from "../../aws/errors.js";
import { HikkoshiError } from "../../core/errors.js";
import type { AccountRef, AwsReader, Precondition } from "../define.js";
import { failed, warning } from "../shared/plan.js";
import { describeKey, getKeyPolicy, isAwsManaged, missingAccounts, RDS_COPY_KEY_ACTIONS } from "./keys.js";

const UNUSABLE = new Set(["Disabled", "PendingDeletion", "PendingReplicaDeletion", "Unavailable"]);

export interface KeyCheck {
  meta: KeyMetadata | undefined;
  problems: Precondition[];
}

/** A key in this account that a copy will be encrypted with. */
export async function checkOwnKey(
  aws: AwsReader,
  account: AccountRef,
  keyId: string,
  options: { forSharing: boolean },
): Promise<KeyCheck> {
  const meta = await describeKey(aws, account, keyId);
  if (!meta) {
    return {
      meta,
      problems: [failed("KMS_KEY_NOT_FOUND", `KMS key ${keyId} not found in ${account.alias} (${account.region})`)],
    };
  }
  const problems: Precondition[] = [];
  if (UNUSABLE.has(meta.KeyState ?? "")) {
    problems.push(failed("KMS_KEY_NOT_USABLE", `KMS key ${keyId} is ${meta.KeyState}`, "enable it or use another key"));
  }
  if (options.forSharing && isAwsManaged(meta)) {
    problems.push(
      failed(
        "SHARE_KEY_IS_AWS_MANAGED",
        `KMS key ${keyId} is AWS managed: a snapshot encrypted with it can be shared with nobody`,
        "use a customer managed key whose policy admits the target account (kms.create-key with allowAccounts)",
      ),
    );
  }
  return { meta, problems };
}

/** The key of a snapshot about to be shared: customer managed, and its policy admits every target. */
export async function checkShareKey(
  aws: AwsReader,
  account: AccountRef,
  keyId: string,
  targetIds: readonly string[],
  required: readonly string[] = RDS_COPY_KEY_ACTIONS,
): Promise<KeyCheck> {
  const meta = await describeKey(aws, account, keyId);
  if (!meta) {
    return { meta, problems: [failed("KMS_KEY_NOT_FOUND", `KMS key ${keyId} not found in ${account.alias}`)] };
  }
  if (isAwsManaged(meta)) {
    return {
      meta,
      problems: [
        failed(
          "SNAPSHOT_ON_AWS_MANAGED_KEY",
          `the snapshot is encrypted with the AWS managed key ${meta.Arn ?? keyId}, which cannot be shared`,
          "copy it first with rds.copy-snapshot and a customer managed kmsKeyId whose policy admits the targets (rds.move-snapshot does this)",
        ),
      ],
    };
  }
  try {
    const missing = missingAccounts(await getKeyPolicy(aws, account, meta.KeyId ?? keyId), targetIds, required);
    if (missing.length === 0) return { meta, problems: [] };
    return {
      meta,
      problems: [
        failed(
          "KEY_POLICY_MISSING_ACCOUNTS",
          `the key policy of ${meta.Arn ?? keyId} does not admit ${missing.join(", ")} for ${required.join(", ")}: they could not copy the shared snapshot`,
          `add them with kms.create-key (allowAccounts: [${missing.join(", ")}]) or a key policy statement allowing arn:aws:iam::<account>:root kms:Decrypt, kms:DescribeKey, kms:CreateGrant, kms:ReEncrypt*, kms:GenerateDataKey*`,
        ),
      ],
    };
  } catch (err) {
    if (awsCategory(err) !== "access-denied") throw err;
    return {
      meta,
      problems: [
        warning(
          "KEY_POLICY_UNREADABLE",
          `cannot read the key policy of ${meta.Arn ?? keyId} (kms:GetKeyPolicy) to check it admits ${targetIds.join(", ")}`,
        ),
      ],
    };
  }
}

/** Run time: the first blocking problem becomes the error; warnings are logged. */
export function enforce(problems: Precondition[], log: { warn(message: string): void }, resource?: string): void {
  for (const p of problems) {
    if (p.ok) continue;
    if (p.severity === "error") {
      throw new HikkoshiError(p.code, p.message, {
        ...(p.hint ? { hint: p.hint } : {}),
        ...(resource ? { resource } : {}),
      });
    }
    log.warn(p.message);
  }
}
