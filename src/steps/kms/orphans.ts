/**
 * CreateKey has no idempotency token. A crash between CreateKey and CreateAlias leaves a key without
 * its alias; it carries our tags + `hikkoshi:alias`, so a retry finds and adopts it instead of
 * creating a second key.
 */
import { awsCategory } from "../../aws/errors.js";
import { kms } from "../../aws/sdk.js";
import type { AccountRef, AwsReader } from "../define.js";
import { isOurs } from "../shared/ownership.js";
import { describeKey } from "./keys.js";

export const ALIAS_TAG = "hikkoshi:alias";

async function aliasedKeyIds(aws: AwsReader, account: AccountRef): Promise<Set<string>> {
  const ids = new Set<string>();
  let marker: string | undefined;
  do {
    const page = await aws.read(account.alias, "kms", new kms.ListAliasesCommand({ Marker: marker }));
    for (const a of page.Aliases ?? []) if (a.TargetKeyId) ids.add(a.TargetKeyId);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return ids;
}

async function allKeyIds(aws: AwsReader, account: AccountRef): Promise<string[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    const page = await aws.read(account.alias, "kms", new kms.ListKeysCommand({ Marker: marker }));
    for (const k of page.Keys ?? []) if (k.KeyId) ids.push(k.KeyId);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return ids;
}

async function keyTags(
  aws: AwsReader,
  account: AccountRef,
  keyId: string,
): Promise<Record<string, string> | undefined> {
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
    // A key whose policy does not let us read its tags is not one we created.
    if (awsCategory(err) === "access-denied") return undefined;
    throw err;
  }
  return tags;
}

const GONE = new Set(["PendingDeletion", "PendingReplicaDeletion"]);

/** A live key with our tags and no alias (only alias-less keys are read, to keep this cheap). */
export async function findOrphanKey(
  aws: AwsReader,
  account: AccountRef,
  aliasName: string,
  ours: Record<string, string>,
): Promise<string | undefined> {
  const aliased = await aliasedKeyIds(aws, account);
  for (const keyId of await allKeyIds(aws, account)) {
    if (aliased.has(keyId)) continue;
    const tags = await keyTags(aws, account, keyId);
    if (!tags || tags[ALIAS_TAG] !== aliasName || !isOurs(tags, ours)) continue;
    const meta = await describeKey(aws, account, keyId);
    if (meta && !GONE.has(meta.KeyState ?? "")) return keyId;
  }
  return undefined;
}

/** A key id saved in progress is reused only while it exists and is not being deleted. */
export async function liveKey(aws: AwsReader, account: AccountRef, keyId: string): Promise<boolean> {
  const meta = await describeKey(aws, account, keyId);
  return meta !== undefined && !GONE.has(meta.KeyState ?? "");
}
