/**
 * Looking EC2 resources up by id in a region, as the caller may: volumes are the caller's own; snapshots
 * and images are the caller's or shared with it. Malformed ids, unknown or invisible ids and foreign
 * resources get EC2's answers.
 */
import { fail, type Outcome, ok } from "../outcome.js";
import type { CallContext } from "../protocol/types.js";
import { malformed, missing, notAuthorizedFor, notFound } from "./errors.js";
import {
  type AmiImage,
  type EbsSnapshot,
  type EbsVolume,
  ID_PATTERN,
  imageVisibleTo,
  peekEc2,
  regionStates,
  snapshotVisibleTo,
} from "./model.js";

function visibleSnapshot(ctx: CallContext, id: string, region: string): EbsSnapshot | undefined {
  for (const state of regionStates(ctx.world, region)) {
    const s = state.snapshots.get(id);
    if (s) return snapshotVisibleTo(s, ctx.account) ? s : undefined;
  }
  return undefined;
}

function visibleImage(ctx: CallContext, id: string, region: string): AmiImage | undefined {
  for (const state of regionStates(ctx.world, region)) {
    const i = state.images.get(id);
    if (i) return imageVisibleTo(i, ctx.account) ? i : undefined;
  }
  return undefined;
}

/** A snapshot the caller can see (own or shared), in `region` (default: the caller's). */
export function findSnapshot(
  ctx: CallContext,
  id: string | undefined,
  param = "SnapshotId",
  region = ctx.region,
): Outcome<EbsSnapshot> {
  if (!id) return missing(param);
  if (!ID_PATTERN.snap.test(id)) return malformed("snap", id);
  const s = visibleSnapshot(ctx, id, region);
  return s ? ok(s) : notFound("snap", [id]);
}

/** A snapshot to change: the caller's own; a shared one answers AuthFailure. */
export function findOwnSnapshot(ctx: CallContext, id: string | undefined): Outcome<EbsSnapshot> {
  const found = findSnapshot(ctx, id);
  if (found.ok && found.value.account !== ctx.account) return notAuthorizedFor("snap", found.value.id);
  return found;
}

export function findImage(
  ctx: CallContext,
  id: string | undefined,
  param = "ImageId",
  region = ctx.region,
): Outcome<AmiImage> {
  if (!id) return missing(param);
  if (!ID_PATTERN.ami.test(id)) return malformed("ami", id);
  const i = visibleImage(ctx, id, region);
  return i ? ok(i) : notFound("ami", [id]);
}

export function findOwnImage(ctx: CallContext, id: string | undefined): Outcome<AmiImage> {
  const found = findImage(ctx, id);
  if (found.ok && found.value.account !== ctx.account) return notAuthorizedFor("ami", found.value.id);
  return found;
}

/** Volumes are never shared: only the caller's own exist for it. */
export function findVolume(ctx: CallContext, id: string | undefined, param = "VolumeId"): Outcome<EbsVolume> {
  if (!id) return missing(param);
  if (!ID_PATTERN.vol.test(id)) return malformed("vol", id);
  const v = peekEc2(ctx.world, ctx.account, ctx.region)?.volumes.get(id);
  return v ? ok(v) : notFound("vol", [id]);
}

/** The resource a CreateTags/DeleteTags id names, with its tags: only the caller's own. */
export function findTaggable(ctx: CallContext, id: string): Outcome<{ tags: Map<string, string> }> {
  if (id.startsWith("vol-")) return findVolume(ctx, id, "ResourceId");
  if (id.startsWith("snap-")) return findOwnSnapshot(ctx, id);
  if (id.startsWith("ami-")) return findOwnImage(ctx, id);
  return fail("InvalidID", `The ID '${id}' is not valid`);
}
