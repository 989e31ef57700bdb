/**
 * Preflight findings about a source bucket's captured config: what blocks a move (SSE-KMS under the AWS
 * managed key aws/s3, unreadable from another account) and what will not follow it (replication,
 * notifications, Object Lock retention, requester pays, a policy naming the source account).
 */

import { s3 } from "../../../aws/sdk.js";
import type { Json } from "../../../core/json.js";
import type { AccountRef, AwsReader, Precondition } from "../../define.js";
import { describeKey, isAwsManaged, namesAwsManagedAlias } from "../../kms/keys.js";
import { failed, warning } from "../../shared/plan.js";
import type { BucketConfig } from "./config.js";
import { type AccountMention, accountMentions } from "./rewrite.js";
import { settingActions } from "./settings.js";

/** How many objects plan looks at (HeadObject) for their encryption. */
export const ENCRYPTION_SAMPLE = 5;

type KeyVerdict = "aws-managed" | "customer" | "unknown";

/** Classifies KMS keys once each: the AWS managed aws/s3 key cannot be read from another account. */
function keyJudge(aws: AwsReader, account: AccountRef) {
  const seen = new Map<string, Promise<KeyVerdict>>();
  return (keyId: string | undefined): Promise<KeyVerdict> => {
    if (!keyId || namesAwsManagedAlias(keyId)) return Promise.resolve("aws-managed");
    let verdict = seen.get(keyId);
    if (!verdict) {
      verdict = describeKey(aws, account, keyId)
        .then((meta): KeyVerdict => (meta ? (isAwsManaged(meta) ? "aws-managed" : "customer") : "unknown"))
        .catch((): KeyVerdict => "unknown");
      seen.set(keyId, verdict);
    }
    return verdict;
  };
}

const AWS_MANAGED_HINT =
  "re-encrypt the objects under a customer managed key whose policy admits the target (copy them in place with SSE-KMS and that key), or exclude this bucket";

function kmsFinding(where: string, keyId: string | undefined, verdict: KeyVerdict): Precondition | undefined {
  const key = keyId ?? "aws/s3 (the default when no key is named)";
  if (verdict === "aws-managed") {
    return failed(
      "S3_SSE_KMS_AWS_MANAGED_KEY",
      `${where} SSE-KMS with the AWS managed key ${key}: another account cannot read such objects`,
      AWS_MANAGED_HINT,
    );
  }
  if (verdict === "customer") {
    return warning(
      "S3_SSE_KMS_CUSTOMER_KEY",
      `${where} SSE-KMS with the customer managed key ${key}`,
      "the account that copies (and the Batch Operations role) needs kms:Decrypt on it: its key policy must admit them",
    );
  }
  return warning("S3_SSE_KMS_KEY_UNREADABLE", `${where} SSE-KMS with key ${key}, which this account cannot describe`);
}

async function encryptionFindings(aws: AwsReader, account: AccountRef, bucket: string, config: BucketConfig) {
  const judge = keyJudge(aws, account);
  const out: Precondition[] = [];
  type Rule = { ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string } };
  const rules = ((config.encryption as { Rules?: Rule[] } | null)?.Rules ?? []) as Rule[];
  for (const rule of rules) {
    const d = rule.ApplyServerSideEncryptionByDefault;
    if (!d?.SSEAlgorithm?.startsWith("aws:kms")) continue;
    const finding = kmsFinding(
      `bucket ${bucket} encrypts new objects with`,
      d.KMSMasterKeyID,
      await judge(d.KMSMasterKeyID),
    );
    if (finding) out.push(finding);
  }
  // Objects keep the encryption they were written with, whatever the default says now: look at a few.
  const listed = await aws.read(
    account.alias,
    "s3",
    new s3.ListObjectsV2Command({ Bucket: bucket, MaxKeys: ENCRYPTION_SAMPLE, ExpectedBucketOwner: account.id }),
  );
  for (const object of listed.Contents ?? []) {
    if (!object.Key) continue;
    const head = await aws
      .read(
        account.alias,
        "s3",
        new s3.HeadObjectCommand({ Bucket: bucket, Key: object.Key, ExpectedBucketOwner: account.id }),
      )
      .catch(() => undefined);
    if (!head) {
      // SSE-C objects cannot even be HEADed without their key; nobody but the writer can copy them.
      out.push(
        warning("S3_OBJECT_UNREADABLE", `object ${object.Key} of ${bucket} cannot be read (SSE-C or no access)`),
      );
      continue;
    }
    if (!head.ServerSideEncryption?.startsWith("aws:kms")) continue;
    const finding = kmsFinding(
      `object ${object.Key} is encrypted with`,
      head.SSEKMSKeyId,
      await judge(head.SSEKMSKeyId),
    );
    if (finding && !out.some((p) => p.code === finding.code)) out.push(finding);
  }
  return out;
}

function describeMentions(mentions: readonly AccountMention[]): string {
  const fixed = mentions.filter((m) => m.kind !== "unfixable");
  const named = fixed.filter((m) => m.kind === "named").map((m) => m.text);
  const stuck = mentions.filter((m) => m.kind === "unfixable").map((m) => m.text);
  const parts = [
    fixed.length > 0
      ? `rewriteAccountIds: true on the create step fixes ${fixed.length} of ${mentions.length}` +
        (named.length > 0 ? ` if these exist under the same names in the target: ${named.slice(0, 3).join(", ")}` : "")
      : "",
    stuck.length > 0 ? `it cannot fix ${stuck.slice(0, 2).join(", ")}: KMS key ids exist in one account only` : "",
  ];
  return parts.filter(Boolean).join("; ");
}

/** Everything the plan of a capture should say about moving this bucket to another account. */
export async function captureFindings(
  aws: AwsReader,
  account: AccountRef,
  bucket: string,
  config: BucketConfig,
): Promise<Precondition[]> {
  const out = await encryptionFindings(aws, account, bucket, config);
  const source = config.sourceAccountId;
  const mentions = (value: Json | null) => (value === null ? [] : accountMentions(value, source));
  if (config.objectLock !== null) {
    out.push(
      warning(
        "S3_OBJECT_LOCK",
        `bucket ${bucket} has Object Lock: per-object retention and legal holds are not copied, and versions under retention cannot be deleted when the source is emptied`,
        "check retention periods and legal holds before planning to delete the source",
      ),
    );
  }
  if (config.requestPayment !== null) {
    out.push(
      warning(
        "S3_REQUESTER_PAYS",
        `bucket ${bucket} is requester pays: the copying account pays for the reads, and the new bucket is requester pays too`,
      ),
    );
  }
  const versioning = config.versioning as { MFADelete?: string } | null;
  if (versioning?.MFADelete === "Enabled") {
    out.push(
      warning(
        "S3_MFA_DELETE",
        `bucket ${bucket} has MFA delete: version deletes need the root user's MFA, and the new bucket will not have it`,
      ),
    );
  }
  for (const setting of ["replication", "notifications"] as const) {
    const found = mentions(config[setting]);
    if (found.length === 0) continue;
    out.push(
      warning(
        setting === "replication" ? "S3_REPLICATION_NOT_FOLLOWING" : "S3_NOTIFICATIONS_NOT_FOLLOWING",
        `${setting} of ${bucket} names resources of the source account (${found[0]?.text}): not re-applied unless rewriteAccountIds is set`,
        describeMentions(found),
      ),
    );
  }
  const logTarget = (config.logging as { TargetBucket?: string } | null)?.TargetBucket;
  if (logTarget && logTarget !== bucket) {
    out.push(
      warning(
        "S3_LOGGING_TARGET",
        `server access logs of ${bucket} go to ${logTarget}: re-applied only if ${logTarget} belongs to the account the bucket moves to (logs must stay in one account)`,
      ),
    );
  }
  const inPolicy = mentions(config.policy);
  if (inPolicy.length > 0) {
    out.push(
      warning(
        "S3_POLICY_NAMES_SOURCE_ACCOUNT",
        `the bucket policy of ${bucket} names the source account ${source} in ${inPolicy.length} place(s)`,
        describeMentions(inPolicy),
      ),
    );
  }
  return out;
}

/** What a create step in another account re-applies from this config by default (rewriteAccountIds off). */
export function reapplySummary(config: BucketConfig): string {
  const elsewhere = config.sourceAccountId === "000000000000" ? "000000000001" : "000000000000";
  const actions = settingActions(config, {
    accountId: elsewhere,
    bucket: config.sourceBucket,
    rewriteAccountIds: false,
  });
  const yes = actions.filter((a) => a.action === "apply").map((a) => a.setting);
  const no = actions.filter((a) => a.action === "skip").map((a) => a.setting);
  return `re-applied on create: ${yes.join(", ") || "nothing"}${no.length > 0 ? `; NOT re-applied: ${no.join(", ")}` : ""}`;
}
