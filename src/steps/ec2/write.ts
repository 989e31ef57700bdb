/**
 * Run-side EBS/AMI helpers: tags in the creating request, adopt-or-start (by saved progress, then by our
 * tags: CreateSnapshot and CopySnapshot take no ClientToken), the long waits, and the step outputs.
 */
import type { ResourceType, TagSpecification } from "@aws-sdk/client-ec2";
import { HikkoshiError } from "../../core/errors.js";
import type { Json, JsonObject } from "../../core/json.js";
import type { RunContext } from "../define.js";
import { isOurs, notOurs, RUN_TAG, tagList } from "../shared/ownership.js";
import { savedString } from "../shared/progress.js";
import {
  type Ami,
  backingSnapshots,
  describeAmi,
  describeEbsSnapshot,
  type EbsSnapshot,
  findTaggedImages,
  findTaggedSnapshots,
  imageArn,
  snapshotArn,
} from "./read.js";

/** Cleanup deletes only what this run created in this account: its run tag must be ours. */
export function refuseUnlessOurs(
  ctx: RunContext,
  noun: string,
  id: string,
  ownerId: string | undefined,
  tags: Record<string, string>,
  resource: string,
): void {
  const ours = ctx.tags()[RUN_TAG];
  if ((ownerId === undefined || ownerId === ctx.account.id) && tags[RUN_TAG] === ours) return;
  throw new HikkoshiError(
    "NOT_OURS",
    `${noun} ${id} was not created by run ${ours} in ${ctx.account.alias}; hikkoshi deletes only its own intermediates`,
    { hint: "delete it yourself after checking it is not needed", resource },
  );
}

/** EBS snapshot speed we plan with; a heuristic (AWS publishes none). */
export const EBS_SECONDS_PER_GB = 30;

export function ebsEstimate(sizeGb: number | undefined, note?: string) {
  if (sizeGb === undefined) return note ? { note } : undefined;
  return {
    sizeGb,
    durationSeconds: Math.max(60, Math.round(sizeGb * EBS_SECONDS_PER_GB)),
    note: note ?? `~${EBS_SECONDS_PER_GB} s per GB (heuristic)`,
  };
}

/** Four times the estimate, never under six hours: EBS copies are slow and their speed varies. */
function waitTimeoutMs(sizeGb: number | undefined): number {
  return Math.max(6 * 60 * 60 * 1000, 4 * (sizeGb ?? 0) * EBS_SECONDS_PER_GB * 1000);
}

export function tagSpecs(types: ResourceType[], tags: Record<string, string>): TagSpecification[] {
  return types.map((ResourceType) => ({ ResourceType, Tags: tagList(tags) }));
}

export const EBS_SNAPSHOT_OUTPUTS: Record<string, string> = {
  snapshotId: "EBS snapshot id (snap-…) in the step's account",
  snapshotArn: "Snapshot ARN",
  kmsKeyId: "KMS key ARN the snapshot is encrypted with (null when unencrypted)",
  encrypted: "Whether the snapshot is encrypted",
  sizeGb: "Size of the source volume in GiB",
};

export function ebsSnapshotOutputs(ctx: RunContext, info: EbsSnapshot): Record<string, Json> {
  return {
    snapshotId: info.id,
    snapshotArn: snapshotArn(ctx.account, info.id),
    kmsKeyId: info.kmsKeyId ?? null,
    encrypted: info.encrypted,
    sizeGb: info.sizeGb ?? null,
  };
}

/**
 * The snapshot this task made in an earlier attempt (saved id first, then our tags), else a new one from
 * `start`, whose id is saved at once. A crash between the call and the save leaves only the tags to find
 * the snapshot by; DescribeSnapshots is eventually consistent, so that window can still yield a second
 * copy, which carries our tags and is cleaned up with the run.
 */
/** Of this task's tagged snapshots, one that can still succeed; an errored one only to report its failure. */
function preferLive(tagged: EbsSnapshot[]): EbsSnapshot | undefined {
  return tagged.find((s) => s.state !== "error") ?? tagged[0];
}

export async function adoptOrStartSnapshot(
  ctx: RunContext,
  start: (recordIntent: (intent: JsonObject) => void) => Promise<string>,
): Promise<{ id: string; adopted: boolean }> {
  const ours = ctx.tags();
  const saved = savedString(ctx, "snapshotId");
  const savedInfo = saved ? await describeEbsSnapshot(ctx.aws, ctx.account, saved) : undefined;
  if (savedInfo) {
    if (!isOurs(savedInfo.tags, ours)) throw notOurs("EBS snapshot", savedInfo.id, ctx.account.alias, savedInfo.tags);
    ctx.log.info(`EBS snapshot ${savedInfo.id} was started by an earlier attempt: adopting it`);
    return { id: savedInfo.id, adopted: true };
  }
  const tagged = await findTaggedSnapshots(ctx.aws, ctx.account, ours);
  const chosen = preferLive(tagged);
  if (chosen) {
    if (tagged.length > 1)
      ctx.log.warn(`${tagged.length} snapshots carry this task's tags: ${tagged.map((s) => s.id).join(", ")}`);
    ctx.log.info(`EBS snapshot ${chosen.id} carries this task's tags: adopting it`);
    ctx.saveProgress({ ...(ctx.progress ?? {}), snapshotId: chosen.id });
    return { id: chosen.id, adopted: true };
  }
  const late = await lookAgainAfterIntent(ctx, ours);
  if (late) {
    ctx.log.info(`EBS snapshot ${late.id} of an earlier attempt became visible: adopting it`);
    ctx.saveProgress({ ...(ctx.progress ?? {}), snapshotId: late.id });
    return { id: late.id, adopted: true };
  }
  let intent: JsonObject = {};
  const id = await start((value) => {
    intent = { ...value, intentAt: ctx.clock.now() };
    ctx.saveProgress(intent);
  });
  ctx.saveProgress({ ...intent, snapshotId: id });
  return { id, adopted: false };
}

/**
 * EC2's Describe calls are eventually consistent: a snapshot created a moment ago may not be listed by
 * its tags yet. When an earlier attempt recorded its intent (it may have sent CreateSnapshot /
 * CopySnapshot and died before saving the id) less than this long ago, look again before starting a
 * second one. Resumes that come later than that (the usual case) do not wait at all.
 */
export const VISIBILITY_GRACE_MS = 20_000;

async function lookAgainAfterIntent(ctx: RunContext, ours: Record<string, string>): Promise<EbsSnapshot | undefined> {
  const intentAt = ctx.progress?.intentAt;
  if (typeof intentAt !== "number") return undefined;
  const until = intentAt + VISIBILITY_GRACE_MS;
  while (ctx.clock.now() < until) {
    await ctx.clock.sleep(Math.min(2_000, until - ctx.clock.now()), ctx.signal);
    const chosen = preferLive(await findTaggedSnapshots(ctx.aws, ctx.account, ours));
    if (chosen) return chosen;
  }
  return undefined;
}

/** Same for AMIs (CopyImage also has a ClientToken, which makes AWS answer the same ImageId again). */
export async function adoptImage(ctx: RunContext): Promise<Ami | undefined> {
  const ours = ctx.tags();
  const saved = savedString(ctx, "imageId");
  const savedInfo = saved ? await describeAmi(ctx.aws, ctx.account, saved) : undefined;
  if (savedInfo && savedInfo.state !== "deregistered") {
    if (!isOurs(savedInfo.tags, ours)) throw notOurs("AMI", savedInfo.id, ctx.account.alias, savedInfo.tags);
    ctx.log.info(`AMI ${savedInfo.id} was started by an earlier attempt: adopting it`);
    return savedInfo;
  }
  const tagged = (await findTaggedImages(ctx.aws, ctx.account, ours)).filter((i) => i.state !== "deregistered");
  const chosen = tagged.find((i) => i.state !== "failed") ?? tagged[0];
  if (chosen) {
    ctx.log.info(`AMI ${chosen.id} carries this task's tags: adopting it`);
    ctx.saveProgress({ ...(ctx.progress ?? {}), imageId: chosen.id });
  }
  return chosen;
}

export interface FailureReport {
  code: string;
  hint: (id: string) => string;
}

/** Polls until `completed`; `error` fails with the caller's code and hint. */
export async function waitSnapshotCompleted(
  ctx: RunContext,
  id: string,
  sizeGb: number | undefined,
  failure: FailureReport,
): Promise<EbsSnapshot> {
  return ctx.wait<EbsSnapshot>({
    what: `EBS snapshot ${id} completed`,
    timeoutMs: waitTimeoutMs(sizeGb),
    intervalMs: 15_000,
    maxIntervalMs: 120_000,
    poll: async () => {
      const info = await describeEbsSnapshot(ctx.aws, ctx.account, id);
      if (!info) return { done: false, message: "not visible yet" };
      if (info.state === "completed") return { done: true, value: info, percent: 100 };
      if (info.state === "error") {
        const why = info.stateMessage ? `: ${info.stateMessage}` : "";
        throw new HikkoshiError(failure.code, `EBS snapshot ${id} ended in state error${why}`, {
          hint: failure.hint(id),
          resource: snapshotArn(ctx.account, id),
        });
      }
      return { done: false, ...(info.percent !== undefined ? { percent: info.percent } : {}), message: info.state };
    },
  });
}

/** Polls until `available`; `failed` / `error` fails. Progress = mean of the backing snapshots'. */
export async function waitImageAvailable(
  ctx: RunContext,
  id: string,
  sizeGb: number | undefined,
  failure: FailureReport,
): Promise<Ami> {
  return ctx.wait<Ami>({
    what: `AMI ${id} available`,
    timeoutMs: waitTimeoutMs(sizeGb),
    intervalMs: 15_000,
    maxIntervalMs: 120_000,
    poll: async () => {
      const info = await describeAmi(ctx.aws, ctx.account, id);
      if (!info) return { done: false, message: "not visible yet" };
      if (info.state === "available") return { done: true, value: info, percent: 100 };
      if (info.state !== "pending") {
        const why = info.stateReason ? `: ${info.stateReason}` : "";
        throw new HikkoshiError(failure.code, `AMI ${id} is ${info.state}${why}`, {
          hint: failure.hint(id),
          resource: imageArn(ctx.account, id),
        });
      }
      const snaps = (await backingSnapshots(ctx.aws, ctx.account, info)).flatMap((s) =>
        s.info?.percent !== undefined ? [s.info.percent] : [],
      );
      const percent = snaps.length > 0 ? Math.round(snaps.reduce((a, b) => a + b, 0) / snaps.length) : undefined;
      return { done: false, ...(percent !== undefined ? { percent } : {}), message: info.state };
    },
  });
}
