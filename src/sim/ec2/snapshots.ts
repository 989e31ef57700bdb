/**
 * CreateSnapshot, CopySnapshot, DeleteSnapshot. Snapshots complete `sizeGb × ebsSecondsPerGb` virtual
 * seconds after they start; a copy whose keys the caller cannot use is accepted and lands in `error`.
 */
import { fail, ok } from "../outcome.js";
import type { CallContext } from "../protocol/types.js";
import { regionState } from "../world.js";
import type { Prepare } from "./action.js";
import { missing } from "./errors.js";
import { findOwnSnapshot, findSnapshot, findVolume } from "./find.js";
import { readTagSpecs } from "./input.js";
import { copyEncryption, keyFailureMessage } from "./keys.js";
import { durationFor, type EbsSnapshot, imagesUsing, newId, snapshotState } from "./model.js";
import { snapshotXml, tagSetXml } from "./render.js";

/** A copy that cannot use its keys shows `pending` this long (at most its duration), then `error`. */
const KEY_FAILURE_AFTER_MS = 60_000;

/** The volume id AWS gives snapshots created by CopySnapshot ("should not be used for any purpose"). */
export const COPY_VOLUME_ID = "vol-ffffffff";

export function addSnapshot(ctx: CallContext, spec: Omit<EbsSnapshot, "id" | "account" | "region" | "createdAt">) {
  const state = regionState(ctx.world, ctx.account, ctx.region).ec2;
  const snapshot: EbsSnapshot = {
    id: newId(state, "snap", ctx.account, ctx.region),
    account: ctx.account,
    region: ctx.region,
    createdAt: ctx.now,
    ...spec,
  };
  state.snapshots.set(snapshot.id, snapshot);
  return snapshot;
}

/** The failure of a copy whose keys cannot be used: `error` after a minute (or its duration). */
export function keyFailure(problem: string | undefined, durationMs: number): EbsSnapshot["failure"] {
  return problem === undefined
    ? undefined
    : { afterMs: Math.min(KEY_FAILURE_AFTER_MS, durationMs), message: keyFailureMessage(problem) };
}

export const createSnapshot: Prepare = (ctx, input) => {
  const volume = findVolume(ctx, input.str("VolumeId"));
  if (!volume.ok) return volume;
  const specs = readTagSpecs(input, ["snapshot"]);
  if (!specs.ok) return specs;
  return ok(() => {
    const v = volume.value;
    const s = addSnapshot(ctx, {
      volumeId: v.id,
      sizeGb: v.sizeGb,
      description: input.str("Description") ?? "",
      kmsKeyArn: v.kmsKeyArn,
      durationMs: durationFor(ctx.world.seed.ebsSecondsPerGb, v.sizeGb),
      sharedWith: new Set(),
      tags: specs.value.get("snapshot") ?? new Map(),
    });
    return snapshotXml(s, ctx.account, ctx.now);
  });
};

export const copySnapshot: Prepare = (ctx, input) => {
  const sourceRegion = input.str("SourceRegion");
  if (!sourceRegion) return missing("SourceRegion");
  const found = findSnapshot(ctx, input.str("SourceSnapshotId"), "SourceSnapshotId", sourceRegion);
  if (!found.ok) return found;
  const source = found.value;
  const st = snapshotState(source, ctx.now);
  if (st.state !== "completed") {
    return fail(
      "IncorrectState",
      `Snapshot ${source.id} is in state ${st.state}; only completed snapshots can be copied.`,
    );
  }
  const kmsKeyId = input.str("KmsKeyId") || undefined;
  const encrypted = input.bool("Encrypted") ?? false;
  if (kmsKeyId !== undefined && !encrypted) {
    return fail("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.");
  }
  const specs = readTagSpecs(input, ["snapshot"]);
  if (!specs.ok) return specs;
  return ok(() => {
    const encryption = copyEncryption(ctx, source, { encrypted, kmsKeyId });
    const durationMs = durationFor(ctx.world.seed.ebsSecondsPerGb, source.sizeGb);
    const copy = addSnapshot(ctx, {
      volumeId: COPY_VOLUME_ID,
      sizeGb: source.sizeGb,
      description: input.str("Description") ?? `[Copied ${source.id} from ${sourceRegion}]`,
      kmsKeyArn: encryption.kmsKeyArn,
      durationMs,
      failure: keyFailure(encryption.problem, durationMs),
      copiedFrom: `${sourceRegion}/${source.id}`,
      sharedWith: new Set(),
      tags: specs.value.get("snapshot") ?? new Map(),
    });
    return { snapshotId: copy.id, tagSet: tagSetXml(copy.tags) };
  });
};

/** A snapshot used by an AMI cannot be deleted; a pending one can (the copy is cancelled). */
export const deleteSnapshot: Prepare = (ctx, input) => {
  const found = findOwnSnapshot(ctx, input.str("SnapshotId"));
  if (!found.ok) return found;
  const s = found.value;
  const state = regionState(ctx.world, s.account, s.region).ec2;
  const users = imagesUsing(state, s.id);
  if (users.length > 0) {
    return fail(
      "InvalidSnapshot.InUse",
      `The snapshot ${s.id} is currently in use by ${users.map((i) => i.id).join(", ")}`,
    );
  }
  return ok(() => {
    state.snapshots.delete(s.id);
    return { return: true };
  });
};
