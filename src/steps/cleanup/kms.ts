/**
 * KMS keys for the cleanup step. A key is never deleted at once: ScheduleKeyDeletion starts a waiting
 * period of 7–30 days during which `aws kms cancel-key-deletion` undoes it (the key comes back
 * Disabled). A key already PendingDeletion counts as done. The alias stays with the key (AWS removes it
 * when the key is finally deleted).
 */
import { awsCategory } from "../../aws/errors.js";
import { kms } from "../../aws/sdk.js";
import type { AccountRef, AwsReader, RunContext } from "../define.js";
import { describeKey } from "../kms/keys.js";

export interface KeyInfo {
  keyId: string;
  arn: string;
  account: string | undefined;
  manager: string | undefined;
  state: string;
  /** ISO time, when PendingDeletion. */
  deletionDate: string | undefined;
  aliases: string[];
  /** Undefined when the key's tags cannot be read (a key we did not create). */
  tags: Record<string, string> | undefined;
}

const DAY_MS = 86_400_000;

async function readTags(aws: AwsReader, account: AccountRef, keyId: string) {
  const tags: Record<string, string> = {};
  let marker: string | undefined;
  try {
    do {
      const page = await aws.read(
        account.alias,
        "kms",
        new kms.ListResourceTagsCommand({ KeyId: keyId, Marker: marker }),
      );
      for (const t of page.Tags ?? []) if (t.TagKey) tags[t.TagKey] = t.TagValue ?? "";
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
  } catch (err) {
    if (awsCategory(err) === "access-denied") return undefined;
    throw err;
  }
  return tags;
}

async function readAliases(aws: AwsReader, account: AccountRef, keyId: string): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await aws.read(account.alias, "kms", new kms.ListAliasesCommand({ KeyId: keyId, Marker: marker }));
    for (const a of page.Aliases ?? []) if (a.AliasName) names.push(a.AliasName);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return names;
}

/** By key id, key ARN, alias name or alias ARN; undefined when no such key exists (any more). */
export async function describeCleanupKey(
  aws: AwsReader,
  account: AccountRef,
  ref: string,
): Promise<KeyInfo | undefined> {
  const meta = await describeKey(aws, account, ref);
  if (!meta?.KeyId) return undefined;
  const foreign = meta.AWSAccountId !== undefined && meta.AWSAccountId !== account.id;
  const managedByAws = meta.KeyManager === "AWS";
  return {
    keyId: meta.KeyId,
    arn: meta.Arn ?? ref,
    account: meta.AWSAccountId,
    manager: meta.KeyManager,
    state: meta.KeyState ?? "unknown",
    deletionDate: meta.DeletionDate?.toISOString(),
    // Another account's key or an AWS managed one: not ours, whatever its tags; do not even ask.
    aliases: foreign ? [] : await readAliases(aws, account, meta.KeyId),
    tags: foreign || managedByAws ? undefined : await readTags(aws, account, meta.KeyId),
  };
}

export interface ScheduledKey {
  keyArn: string;
  deletionDate: string;
  /** The waiting period this step asked for; absent when the key was already pending deletion. */
  windowDays?: number;
}

/** Whole days from now until `iso`, for the message ("30 days"). */
export function daysUntil(iso: string, now: number): number {
  return Math.max(0, Math.round((Date.parse(iso) - now) / DAY_MS));
}

export function scheduledMessage(key: KeyInfo, scheduled: ScheduledKey, now: number): string {
  const alias = key.aliases.length > 0 ? key.aliases.join(", ") : "no alias";
  return (
    `key ${key.arn} (alias ${alias}) scheduled for deletion on ${scheduled.deletionDate} ` +
    `(${scheduled.windowDays !== undefined ? `${scheduled.windowDays}-day waiting period` : `about ${daysUntil(scheduled.deletionDate, now)} days from now`}); until then ` +
    `\`aws kms cancel-key-deletion --key-id ${key.keyId}\` undoes it`
  );
}

/**
 * ScheduleKeyDeletion. A key already PendingDeletion (an earlier attempt, or someone else) is done: its
 * existing deletion date is reported, never pushed back. Undefined: the key is gone altogether.
 */
export async function scheduleKeyDeletion(
  ctx: RunContext,
  key: KeyInfo,
  windowDays: number,
): Promise<ScheduledKey | undefined> {
  if (key.state === "PendingDeletion" && key.deletionDate) return { keyArn: key.arn, deletionDate: key.deletionDate };
  try {
    const out = await ctx.aws.mutate(
      ctx.account.alias,
      "kms",
      new kms.ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: windowDays }),
      key.arn,
    );
    const date = out.DeletionDate ?? new Date(ctx.clock.now() + windowDays * DAY_MS);
    return { keyArn: key.arn, deletionDate: date.toISOString(), windowDays };
  } catch (err) {
    // Scheduled by an attempt that crashed before its checkpoint (KMSInvalidState), or gone meanwhile.
    const now = await describeCleanupKey(ctx.aws, ctx.account, key.keyId);
    if (now?.state === "PendingDeletion" && now.deletionDate)
      return { keyArn: key.arn, deletionDate: now.deletionDate };
    if (now === undefined) return undefined;
    throw err;
  }
}
