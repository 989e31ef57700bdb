/**
 * CopyImage and DeregisterImage. A copy is a new image owned by the caller with one new snapshot per
 * backing snapshot; it is available when they complete, failed when one cannot use its key. Copying
 * another account's image needs its launch permission and createVolumePermission on every backing snapshot.
 * ClientToken makes CopyImage idempotent per account and region.
 */
import { fail, ok } from "../outcome.js";
import { itemList } from "../protocol/ec2query.js";
import type { CallContext } from "../protocol/types.js";
import { regionState } from "../world.js";
import { answer, type Prepare } from "./action.js";
import { missing, notAuthorizedFor } from "./errors.js";
import { findImage, findOwnImage } from "./find.js";
import { readTagSpecs } from "./input.js";
import { copyEncryption } from "./keys.js";
import {
  type AmiImage,
  durationFor,
  type EbsSnapshot,
  imageState,
  imagesUsing,
  newId,
  peekEc2,
  snapshotVisibleTo,
} from "./model.js";
import { addSnapshot, COPY_VOLUME_ID, keyFailure } from "./snapshots.js";

const NAME = /^[a-zA-Z0-9()[\] ./\-'@_]{3,128}$/;

function backing(ctx: CallContext, image: AmiImage): EbsSnapshot[] {
  const state = peekEc2(ctx.world, image.account, image.region);
  return image.devices.flatMap((d) => {
    const s = state?.snapshots.get(d.snapshotId);
    return s ? [s] : [];
  });
}

export const copyImage: Prepare = (ctx, input) => {
  const sourceRegion = input.str("SourceRegion");
  const name = input.str("Name");
  if (!input.str("SourceImageId")) return missing("SourceImageId");
  if (!sourceRegion) return missing("SourceRegion");
  if (!name) return missing("Name");
  const kmsKeyId = input.str("KmsKeyId") || undefined;
  const encrypted = input.bool("Encrypted") ?? false;
  const copyTags = input.bool("CopyImageTags") ?? false;
  const specs = readTagSpecs(input, ["image", "snapshot"]);
  if (!specs.ok) return specs;

  const token = input.str("ClientToken");
  const fingerprint = JSON.stringify([
    input.str("SourceImageId"),
    sourceRegion,
    name,
    input.str("Description") ?? "",
    encrypted,
    kmsKeyId ?? "",
    copyTags,
    [...specs.value].map(([type, tags]) => [type, [...tags]]),
  ]);
  const used = token ? peekEc2(ctx.world, ctx.account, ctx.region)?.imageTokens.get(token) : undefined;
  if (used) {
    if (used.fingerprint !== fingerprint) {
      return fail(
        "IdempotentParameterMismatch",
        `The client token ${token} was already used with different parameters.`,
      );
    }
    return answer({ imageId: used.imageId });
  }

  if (!NAME.test(name)) {
    return fail(
      "InvalidAMIName.Malformed",
      `AMI names must be 3 to 128 characters of letters, digits and ( ) [ ] . / - ' @ _: ${name}`,
    );
  }
  if (kmsKeyId !== undefined && !encrypted) {
    return fail("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.");
  }
  const found = findImage(ctx, input.str("SourceImageId"), "SourceImageId", sourceRegion);
  if (!found.ok) return found;
  const source = found.value;
  const st = imageState(ctx.world, source, ctx.now);
  if (st.state !== "available") {
    return fail(
      "InvalidAMIID.Unavailable",
      `The image ${source.id} is ${st.state}; only available images can be copied.`,
    );
  }
  const snapshots = backing(ctx, source);
  const denied = snapshots.find((s) => !snapshotVisibleTo(s, ctx.account));
  if (denied) return notAuthorizedFor("snap", denied.id);
  const taken = [...(peekEc2(ctx.world, ctx.account, ctx.region)?.images.values() ?? [])].find((i) => i.name === name);
  if (taken) return fail("InvalidAMIName.Duplicate", `AMI name ${name} is already in use by AMI ${taken.id}`);

  return ok(() => {
    const state = regionState(ctx.world, ctx.account, ctx.region).ec2;
    const imageId = newId(state, "ami", ctx.account, ctx.region);
    const secondsPerGb = ctx.world.seed.amiSecondsPerGb ?? ctx.world.seed.ebsSecondsPerGb;
    const devices = source.devices.flatMap((d) => {
      const from = snapshots.find((s) => s.id === d.snapshotId);
      if (!from) return [];
      const encryption = copyEncryption(ctx, from, { encrypted, kmsKeyId });
      const durationMs = durationFor(secondsPerGb, from.sizeGb);
      const copy = addSnapshot(ctx, {
        volumeId: COPY_VOLUME_ID,
        sizeGb: from.sizeGb,
        description: `Copied for DestinationAmi ${imageId} from SourceAmi ${source.id} for SourceSnapshot ${from.id}`,
        kmsKeyArn: encryption.kmsKeyArn,
        durationMs,
        failure: keyFailure(encryption.problem, durationMs),
        copiedFrom: `${sourceRegion}/${from.id}`,
        sharedWith: new Set(),
        tags: new Map(specs.value.get("snapshot") ?? []),
      });
      return [{ deviceName: d.deviceName, snapshotId: copy.id, sizeGb: d.sizeGb }];
    });
    const tags = new Map(copyTags && source.account === ctx.account ? source.tags : []);
    for (const [k, v] of specs.value.get("image") ?? []) tags.set(k, v);
    state.images.set(imageId, {
      id: imageId,
      account: ctx.account,
      region: ctx.region,
      name,
      description: input.str("Description") ?? source.description,
      createdAt: ctx.now,
      devices,
      launchPermissions: new Set(),
      sourceImageId: source.id,
      sourceRegion,
      tags,
    });
    if (token) state.imageTokens.set(token, { fingerprint, imageId });
    return { imageId };
  });
};

/** The image goes; its snapshots stay unless DeleteAssociatedSnapshots (and no other image uses them). */
export const deregisterImage: Prepare = (ctx, input) => {
  const found = findOwnImage(ctx, input.str("ImageId"));
  if (!found.ok) return found;
  const image = found.value;
  const deleteSnapshots = input.bool("DeleteAssociatedSnapshots") ?? false;
  return ok(() => {
    const state = regionState(ctx.world, image.account, image.region).ec2;
    state.images.delete(image.id);
    if (!deleteSnapshots) return { return: true };
    const results = image.devices.map((d) => {
      const inUse = imagesUsing(state, d.snapshotId).length > 0;
      if (!inUse) state.snapshots.delete(d.snapshotId);
      return { snapshotId: d.snapshotId, returnCode: inUse ? "error-generic" : "success" };
    });
    return { return: true, deleteSnapshotResultSet: itemList(results) };
  });
};
