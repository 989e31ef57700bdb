/**
 * The cleanup step's run: survey every target (refuse before touching anything if one is not this
 * run's), remove what is present in removal order with a checkpoint after each, then — only when no
 * snapshot known to the step still exists under them — schedule the KMS keys for deletion. Every removal
 * treats "already gone" as done, so a crash after any single call is finished by running again.
 */

import { rds } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import type { Json, JsonObject } from "../../core/json.js";
import type { RunContext } from "../define.js";
import { describeSnapshot, NOUN } from "../rds/read.js";
import { deleteEbsSnapshot, deregisterImage } from "./ec2.js";
import { keyUsers } from "./key-users.js";
import { type ScheduledKey, scheduledMessage, scheduleKeyDeletion } from "./kms.js";
import { ownerOf } from "./ownership.js";
import { allTargets, type CleanupParams, NOUNS } from "./params.js";
import { deleteBucket, emptyPrefix } from "./s3.js";
import { KEY_IN_USE_HINT, keyConflicts, type Surveyed, surveyAll } from "./survey.js";

const RDS_GONE_TIMEOUT_MS = 2 * 60 * 60 * 1000;

interface Progress {
  /** `arn` (as given) of every target finished: removed, found gone, or its key scheduled. */
  done: string[];
  /** AMI ARN → backing snapshot ids, saved before DeregisterImage (the AMI no longer tells after). */
  backing: Record<string, string[]>;
  /** Key reference as given → what ScheduleKeyDeletion said (null: the key was gone). */
  keys: Record<string, ScheduledKey | null>;
}

function loadProgress(saved: JsonObject | undefined): Progress {
  const p = (saved ?? {}) as Partial<Progress>;
  return { done: [...(p.done ?? [])], backing: { ...(p.backing ?? {}) }, keys: { ...(p.keys ?? {}) } };
}

function toJson(p: Progress): JsonObject {
  return { done: p.done, backing: p.backing, keys: p.keys as unknown as Json } as JsonObject;
}

function refusal(blocked: Surveyed[]): HikkoshiError {
  const notOurs = blocked.filter((b) => b.problem?.code === "CLEANUP_NOT_OURS");
  const lead = notOurs[0] ?? blocked[0];
  return new HikkoshiError(
    lead?.problem?.code ?? "CLEANUP_NOT_OURS",
    `refusing to clean up anything (nothing was deleted): ${blocked.map((b) => b.problem?.message).join("; ")}`,
    { hint: lead?.problem?.hint ?? "fix the lists, then run again", ...(lead ? { resource: lead.arn } : {}) },
  );
}

function keyInUse(reasons: string[], keyArn: string | undefined): HikkoshiError {
  return new HikkoshiError(
    "CLEANUP_KEY_STILL_IN_USE",
    `refusing to schedule KMS key deletion: ${reasons.join("; ")} — once the key is deleted they can never be read again`,
    { hint: KEY_IN_USE_HINT, ...(keyArn ? { resource: keyArn } : {}) },
  );
}

async function removeRds(ctx: RunContext, s: Surveyed): Promise<void> {
  const kind = s.rdsKind ?? "instance";
  const look = () => describeSnapshot(ctx.aws, ctx.account, kind, s.id);
  if (s.status !== "deleting") {
    const command =
      kind === "instance"
        ? new rds.DeleteDBSnapshotCommand({ DBSnapshotIdentifier: s.id })
        : new rds.DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: s.id });
    try {
      await ctx.aws.mutate(ctx.account.alias, "rds", command, s.arn);
    } catch (err) {
      // Deleted between our look and our call (a resumed attempt): the goal is reached.
      if ((await look()) !== undefined) throw err;
    }
  }
  await ctx.wait({
    what: `${NOUN[kind]} ${s.id} deleted`,
    timeoutMs: RDS_GONE_TIMEOUT_MS,
    intervalMs: 10_000,
    poll: async () => ({ done: (await look()) === undefined }),
  });
}

async function remove(ctx: RunContext, s: Surveyed): Promise<void> {
  switch (s.kind) {
    case "image":
      return deregisterImage(ctx, s.id);
    case "ebs-snapshot":
      return deleteEbsSnapshot(ctx, s.id);
    case "rds-snapshot":
      return removeRds(ctx, s);
    case "objects": {
      const n = await emptyPrefix(ctx, s.bucket ?? "", s.prefix ?? "");
      ctx.log.info(
        `deleted ${n.versions} version(s)/marker(s) and ${n.uploads} upload(s) under s3://${s.bucket}/${s.prefix}`,
      );
      return;
    }
    case "bucket": {
      const n = await emptyPrefix(ctx, s.id, "");
      await deleteBucket(ctx, s.id);
      ctx.log.info(
        `deleted bucket ${s.id} after removing ${n.versions} version(s)/marker(s) and ${n.uploads} upload(s)`,
      );
      return;
    }
    case "kms-key":
      throw new Error("keys are scheduled, not removed");
  }
}

/**
 * Everything in the account (this region) still encrypted with `key`: snapshots the step knows of and
 * kept, and anything else — databases, volumes, snapshots of other runs or of nobody's — which would
 * become unreadable for good once the key is deleted.
 */
async function snapshotsUnder(ctx: RunContext, key: NonNullable<Surveyed["key"]>, snapshots: Surveyed[]) {
  const kept = new Set(snapshots.filter((s) => s.kept).map((s) => s.id));
  const users = await keyUsers(ctx.aws, ctx.account, key);
  return users.map((u) => (kept.has(u.slice(u.lastIndexOf(" ") + 1)) ? `${u} (kept: not this run's)` : u));
}

async function scheduleKeys(ctx: RunContext, surveyed: Surveyed[], progress: Progress, windowDays: number) {
  const keys = surveyed.filter((s) => s.kind === "kms-key" && s.verdict === "present" && s.key);
  const snapshots = surveyed.filter((s) => s.kind === "rds-snapshot" || s.kind === "ebs-snapshot");
  // Every key is checked before any is scheduled: refusing one must not leave the others half done.
  const inUse: string[] = [];
  for (const s of keys) {
    if (!s.key || s.key.state === "PendingDeletion") continue;
    const remaining = await snapshotsUnder(ctx, s.key, snapshots);
    if (remaining.length > 0) inUse.push(`key ${s.key.arn} still encrypts ${remaining.join(", ")}`);
  }
  if (inUse.length > 0) throw keyInUse(inUse, keys[0]?.key?.arn);
  for (const s of keys) {
    if (!s.key) continue;
    const scheduled = await scheduleKeyDeletion(ctx, s.key, windowDays);
    progress.keys[s.arn] = scheduled ?? null;
    progress.done.push(s.arn);
    ctx.saveProgress(toJson(progress));
    ctx.log.info(scheduled ? scheduledMessage(s.key, scheduled, ctx.clock.now()) : `key ${s.key.arn} is already gone`);
  }
}

export async function runCleanup(ctx: RunContext, params: CleanupParams): Promise<Record<string, Json>> {
  const progress = loadProgress(ctx.progress);
  const done = new Set(progress.done);
  const surveyed = await surveyAll(ctx.aws, ctx.account, ownerOf(ctx), allTargets(params, ctx.account), {
    done,
    backing: progress.backing,
  });
  const blocked = surveyed.filter((s) => s.verdict === "blocked");
  if (blocked.length > 0) throw refusal(blocked);
  const conflicts = keyConflicts(surveyed);
  if (conflicts.length > 0) {
    const reasons = conflicts.map((c) => `key ${c.key.arn} still encrypts ${c.snapshots.join(", ")}, which stay`);
    throw keyInUse(reasons, conflicts[0]?.key.arn);
  }

  const finish = (s: Surveyed) => {
    if (!done.has(s.arn)) {
      done.add(s.arn);
      progress.done.push(s.arn);
    }
    ctx.saveProgress(toJson(progress));
  };
  // Before any DeregisterImage: afterwards the AMI no longer says which snapshots backed it.
  for (const s of surveyed) if (s.kind === "image" && s.backingIds) progress.backing[s.arn] = s.backingIds;
  ctx.saveProgress(toJson(progress));
  for (const s of surveyed) {
    if (s.kind === "kms-key" || s.kept || done.has(s.arn)) continue;
    if (s.verdict === "present") {
      await remove(ctx, s);
      ctx.log.info(`deleted ${NOUNS[s.kind]} ${s.arn}`);
    } else {
      ctx.log.info(`${NOUNS[s.kind]} ${s.arn} is already gone`);
    }
    finish(s);
  }
  for (const s of surveyed.filter((x) => x.kept)) {
    ctx.log.warn(`kept EBS snapshot ${s.id} backing AMI ${s.backingOf}: it does not carry this run's tags`);
  }
  await scheduleKeys(ctx, surveyed, progress, params.keyDeletionWindowDays);
  for (const s of surveyed) if (s.kind === "kms-key" && s.verdict === "gone") finish(s);

  return {
    deleted: surveyed.filter((s) => s.kind !== "kms-key" && !s.kept).map((s) => s.arn),
    keysScheduled: surveyed.flatMap((s) => {
      const k = progress.keys[s.arn];
      return s.kind === "kms-key" && k ? [{ keyArn: k.keyArn, deletionDate: k.deletionDate }] : [];
    }),
  };
}
