/**
 * Read-only look at every target of a cleanup before anything is touched: gone (done), present and
 * ours, or blocked (not this run's, another account's, protected). An AMI brings its backing EBS
 * snapshots along as extra targets: those carrying this run's tags are deleted after it, the others are
 * kept (a note, not a refusal). Plan and run share this survey; only the ownership rule differs.
 */
import type { AccountRef, AwsReader } from "../define.js";
import { accountOfArn, describeSnapshot, regionOfArn } from "../rds/read.js";
import { bucketPresence, bucketTags } from "../s3/basics.js";
import { describeEbsSnapshot, describeImage } from "./ec2.js";
import { describeCleanupKey, type KeyInfo } from "./kms.js";
import {
  describeTags,
  NOT_OURS_HINT,
  notOursReason,
  type Owner,
  ownedBy,
  prefixOwnedBy,
  prefixRule,
} from "./ownership.js";
import { ec2Arn, type TargetKind, type TargetRef } from "./params.js";

export interface Problem {
  code: string;
  message: string;
  hint?: string;
}

export interface Surveyed extends TargetRef {
  verdict: "present" | "gone" | "blocked";
  problem?: Problem;
  /** Snapshots: the KMS key (ARN) they are encrypted with. */
  kmsKeyId?: string;
  /** RDS: "deleting" is present but needs no second DeleteDBSnapshot. */
  status?: string;
  /** EBS snapshots found through an AMI: kept (not deleted) when not tagged by this run. */
  backingOf?: string;
  kept?: boolean;
  /** Images: ids of their backing EBS snapshots. */
  backingIds?: string[];
  key?: KeyInfo;
}

const NOT_OURS = "CLEANUP_NOT_OURS";

function notOurs(t: TargetRef, owner: Owner, why: string): Surveyed {
  return {
    ...t,
    verdict: "blocked",
    problem: { code: NOT_OURS, message: notOursReason(t.kind, t.id, owner, why), hint: NOT_OURS_HINT },
  };
}

function byTags(t: TargetRef, owner: Owner, tags: Record<string, string>, extra: Partial<Surveyed> = {}): Surveyed {
  return ownedBy(tags, owner) ? { ...t, ...extra, verdict: "present" } : notOurs(t, owner, describeTags(tags));
}

async function surveyRds(aws: AwsReader, account: AccountRef, owner: Owner, t: TargetRef): Promise<Surveyed> {
  const foreign = accountOfArn(t.arn);
  if (foreign !== undefined && foreign !== account.id) return notOurs(t, owner, `it belongs to account ${foreign}`);
  const info = await describeSnapshot(aws, account, t.rdsKind ?? "instance", t.id);
  if (!info) return { ...t, verdict: "gone" };
  if (info.type !== "manual") return notOurs(t, owner, `it is an ${info.type ?? "unknown"} snapshot`);
  return byTags(t, owner, info.tags, { status: info.status, ...(info.kmsKeyId ? { kmsKeyId: info.kmsKeyId } : {}) });
}

async function surveyEbs(aws: AwsReader, account: AccountRef, owner: Owner, t: TargetRef): Promise<Surveyed> {
  const info = await describeEbsSnapshot(aws, account, t.id);
  if (!info) return { ...t, verdict: "gone" };
  const extra = info.kmsKeyId ? { kmsKeyId: info.kmsKeyId } : {};
  if (info.ownerId !== undefined && info.ownerId !== account.id) {
    return { ...notOurs(t, owner, `it belongs to account ${info.ownerId}`), ...extra };
  }
  return { ...byTags(t, owner, info.tags, extra), ...extra };
}

async function surveyImage(aws: AwsReader, account: AccountRef, owner: Owner, t: TargetRef): Promise<Surveyed> {
  const info = await describeImage(aws, account, t.id);
  if (!info) return { ...t, verdict: "gone" };
  if (info.ownerId !== undefined && info.ownerId !== account.id) {
    return notOurs(t, owner, `it belongs to account ${info.ownerId}`);
  }
  const surveyed = byTags(t, owner, info.tags, { backingIds: info.backingSnapshotIds });
  if (surveyed.verdict === "present" && info.protection?.startsWith("enabled")) {
    return {
      ...surveyed,
      verdict: "blocked",
      problem: {
        code: "CLEANUP_IMAGE_PROTECTED",
        message: `AMI ${t.id} has deregistration protection (${info.protection})`,
        hint: `if it really is garbage: aws ec2 disable-image-deregistration-protection --image-id ${t.id}, then resume`,
      },
    };
  }
  return surveyed;
}

async function surveyBucket(aws: AwsReader, account: AccountRef, owner: Owner, t: TargetRef): Promise<Surveyed> {
  const bucket = t.bucket ?? t.id;
  const presence = await bucketPresence(aws, account, bucket);
  if (presence.state === "absent") return { ...t, verdict: "gone" };
  if (presence.state === "foreign") return notOurs(t, owner, `it is not a bucket of ${account.alias} (${account.id})`);
  if (presence.region !== account.region) {
    return notOurs(t, owner, `it is in ${presence.region}, this step works in ${account.region}`);
  }
  if (t.kind === "objects") {
    if (!prefixOwnedBy(t.prefix ?? "", owner)) {
      return notOurs(t, owner, `the prefix "${t.prefix}" ${prefixRule(owner)}`);
    }
    return { ...t, verdict: "present" };
  }
  return byTags(t, owner, await bucketTags(aws, account, bucket));
}

async function surveyKey(aws: AwsReader, account: AccountRef, owner: Owner, t: TargetRef): Promise<Surveyed> {
  const key = await describeCleanupKey(aws, account, t.id);
  if (!key) return { ...t, verdict: "gone" };
  if (key.account !== undefined && key.account !== account.id) {
    return { ...notOurs(t, owner, `it belongs to account ${key.account}`), key };
  }
  if (key.manager === "AWS") return { ...notOurs(t, owner, "it is an AWS managed key"), key };
  if (!key.tags) return { ...notOurs(t, owner, "its tags cannot be read"), key };
  return { ...byTags(t, owner, key.tags), key };
}

const SURVEYORS: Record<TargetKind, typeof surveyRds> = {
  "rds-snapshot": surveyRds,
  "ebs-snapshot": surveyEbs,
  image: surveyImage,
  bucket: surveyBucket,
  objects: surveyBucket,
  "kms-key": surveyKey,
};

export async function surveyOne(aws: AwsReader, account: AccountRef, owner: Owner, t: TargetRef): Promise<Surveyed> {
  // Looked up in this region, an ARN of another region would read "not found", i.e. "already gone".
  const region = regionOfArn(t.arn);
  if (region && region !== account.region) {
    return {
      ...t,
      verdict: "blocked",
      problem: {
        code: "CLEANUP_OTHER_REGION",
        message: `${t.arn} is in ${region}; this step works in ${account.alias}'s region ${account.region}`,
        hint: `clean it up in a step whose account alias has region: ${region}`,
      },
    };
  }
  return SURVEYORS[t.kind](aws, account, owner, t);
}

/** A backing snapshot of an AMI: deleted when it carries this run's tags, otherwise kept. */
export async function surveyBacking(
  aws: AwsReader,
  account: AccountRef,
  owner: Owner,
  imageId: string,
  snapshotId: string,
): Promise<Surveyed> {
  const ref: TargetRef = { kind: "ebs-snapshot", id: snapshotId, arn: ec2Arn(account.region, "snapshot", snapshotId) };
  const s = await surveyEbs(aws, account, owner, ref);
  if (s.verdict !== "blocked") return { ...s, backingOf: imageId };
  return {
    ...ref,
    verdict: "present",
    kept: true,
    backingOf: imageId,
    ...(s.kmsKeyId ? { kmsKeyId: s.kmsKeyId } : {}),
  };
}

/** Whether a snapshot's `KmsKeyId` (an ARN, usually) names this key. */
export function encryptedWith(kmsKeyId: string | undefined, key: KeyInfo): boolean {
  if (!kmsKeyId) return false;
  if (kmsKeyId === key.arn || kmsKeyId === key.keyId || kmsKeyId.endsWith(`:key/${key.keyId}`)) return true;
  return key.aliases.some((a) => kmsKeyId === a || kmsKeyId.endsWith(`:${a}`));
}

/**
 * Keys to schedule (present, not yet pending deletion) that would still encrypt a snapshot this cleanup
 * keeps (an AMI's backing snapshot without this run's tags) or may not delete: known before acting.
 */
export function keyConflicts(surveyed: readonly Surveyed[]): Array<{ key: KeyInfo; snapshots: string[] }> {
  const staying = surveyed.filter((s) => s.kept || (s.verdict === "blocked" && s.kind !== "kms-key"));
  return surveyed.flatMap((s) => {
    const key = s.key;
    if (!key || s.verdict !== "present" || key.state === "PendingDeletion") return [];
    const snapshots = staying.filter((k) => encryptedWith(k.kmsKeyId, key)).map((k) => k.id);
    return snapshots.length > 0 ? [{ key, snapshots }] : [];
  });
}

export const KEY_IN_USE_HINT =
  "delete those snapshots too, re-encrypt the ones to keep under another key, or drop the key from kmsKeys";

/** The order of removal: AMIs before their snapshots, snapshots and data, KMS keys last. */
export const REMOVAL_ORDER: TargetKind[] = ["image", "ebs-snapshot", "rds-snapshot", "objects", "bucket", "kms-key"];

export interface SurveyOptions {
  /** Targets (by `arn` as given) an earlier attempt finished: reported gone without a look. */
  done?: ReadonlySet<string>;
  /** Backing snapshot ids of AMIs, remembered before they were deregistered (keyed by AMI ARN). */
  backing?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Every target in removal order, each AMI followed by its backing snapshots (those not listed in
 * ebsSnapshots themselves). Reads only.
 */
export async function surveyAll(
  aws: AwsReader,
  account: AccountRef,
  owner: Owner,
  targets: readonly TargetRef[],
  options: SurveyOptions = {},
): Promise<Surveyed[]> {
  const done = options.done ?? new Set<string>();
  const listed = new Set(targets.map((t) => t.arn));
  const out: Surveyed[] = [];
  const ordered = [...targets].sort((a, b) => REMOVAL_ORDER.indexOf(a.kind) - REMOVAL_ORDER.indexOf(b.kind));
  for (const t of ordered) {
    const s = done.has(t.arn) ? { ...t, verdict: "gone" as const } : await surveyOne(aws, account, owner, t);
    out.push(s);
    if (t.kind !== "image") continue;
    const backingIds = s.backingIds ?? options.backing?.[t.arn] ?? [];
    for (const id of backingIds) {
      const arn = ec2Arn(account.region, "snapshot", id);
      if (listed.has(arn) || out.some((o) => o.arn === arn)) continue;
      out.push(
        done.has(arn)
          ? { kind: "ebs-snapshot", id, arn, verdict: "gone", backingOf: t.id }
          : await surveyBacking(aws, account, owner, t.id, id),
      );
    }
  }
  return out;
}
