/**
 * Sharing: createVolumePermission of snapshots (Modify/Describe/ResetSnapshotAttribute) and launchPermission
 * of images (Modify/DescribeImageAttribute). AWS refuses to share anything on the AWS managed key aws/ebs
 * and to make anything encrypted public. Sharing an image does not share its snapshots.
 */
import { fail, type Outcome, ok } from "../outcome.js";
import { subInput } from "../protocol/ec2query.js";
import type { QueryInput } from "../protocol/query.js";
import type { CallContext } from "../protocol/types.js";
import { answer, type Prepare } from "./action.js";
import { invalidValue } from "./errors.js";
import { findOwnImage, findOwnSnapshot } from "./find.js";
import { type PermissionChanges, readPermissionChanges } from "./input.js";
import { onAwsManagedKey } from "./keys.js";
import { type AmiImage, type EbsSnapshot, peekEc2 } from "./model.js";
import { permissionsXml } from "./render.js";

function apply(shares: Set<string>, changes: PermissionChanges): Set<string> {
  const next = new Set(shares);
  for (const v of changes.add) next.add(v);
  for (const v of changes.remove) next.delete(v);
  return next;
}

function checkAttribute(input: QueryInput, allowed: readonly string[], permissionAttr: string): Outcome<string> {
  const attribute = input.str("Attribute") ?? (input.has("Description") ? "description" : permissionAttr);
  if (!allowed.includes(attribute)) return invalidValue(`Value (${attribute}) for parameter attribute is invalid.`);
  return ok(attribute);
}

export const modifySnapshotAttribute: Prepare = (ctx, input) => {
  const found = findOwnSnapshot(ctx, input.str("SnapshotId"));
  if (!found.ok) return found;
  const s = found.value;
  const attribute = checkAttribute(input, ["createVolumePermission"], "createVolumePermission");
  if (!attribute.ok) return attribute;
  const changes = readPermissionChanges(input, "CreateVolumePermission");
  if (!changes.ok) return changes;
  if (changes.value.add.length > 0 && onAwsManagedKey(ctx.world, s)) {
    return fail("OperationNotPermitted", "Encrypted snapshots with EBS default key cannot be shared");
  }
  if (changes.value.add.includes("all") && s.kmsKeyArn !== undefined) {
    return fail("OperationNotPermitted", "Encrypted snapshots cannot be shared publicly");
  }
  return ok(() => {
    s.sharedWith = apply(s.sharedWith, changes.value);
    return { return: true };
  });
};

const snapshotAttributeXml = (s: EbsSnapshot) => ({
  snapshotId: s.id,
  createVolumePermission: permissionsXml(s.sharedWith),
});

export const describeSnapshotAttribute: Prepare = (ctx, input) => {
  const found = findOwnSnapshot(ctx, input.str("SnapshotId"));
  if (!found.ok) return found;
  const attribute = checkAttribute(input, ["createVolumePermission", "productCodes"], "createVolumePermission");
  if (!attribute.ok) return attribute;
  if (attribute.value === "productCodes") return answer({ snapshotId: found.value.id, productCodes: "" });
  return answer(snapshotAttributeXml(found.value));
};

export const resetSnapshotAttribute: Prepare = (ctx, input) => {
  const found = findOwnSnapshot(ctx, input.str("SnapshotId"));
  if (!found.ok) return found;
  const attribute = checkAttribute(input, ["createVolumePermission"], "createVolumePermission");
  if (!attribute.ok) return attribute;
  return ok(() => {
    found.value.sharedWith = new Set();
    return { return: true };
  });
};

function backingSnapshots(ctx: CallContext, image: AmiImage): EbsSnapshot[] {
  const state = peekEc2(ctx.world, image.account, image.region);
  return image.devices.flatMap((d) => {
    const s = state?.snapshots.get(d.snapshotId);
    return s ? [s] : [];
  });
}

export const modifyImageAttribute: Prepare = (ctx, input) => {
  const found = findOwnImage(ctx, input.str("ImageId"));
  if (!found.ok) return found;
  const image = found.value;
  const attribute = checkAttribute(input, ["launchPermission", "description"], "launchPermission");
  if (!attribute.ok) return attribute;
  if (attribute.value === "description") {
    const value = subInput(input, "Description")?.str("Value") ?? input.str("Value") ?? "";
    return ok(() => {
      image.description = value;
      return { return: true };
    });
  }
  const changes = readPermissionChanges(input, "LaunchPermission");
  if (!changes.ok) return changes;
  const snapshots = backingSnapshots(ctx, image);
  if (changes.value.add.length > 0 && snapshots.some((s) => onAwsManagedKey(ctx.world, s))) {
    return fail(
      "InvalidParameter",
      "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.",
    );
  }
  if (changes.value.add.includes("all") && snapshots.some((s) => s.kmsKeyArn !== undefined)) {
    return fail("InvalidParameter", "Images with EBS-encrypted snapshots can't be made public.");
  }
  return ok(() => {
    image.launchPermissions = apply(image.launchPermissions, changes.value);
    return { return: true };
  });
};

export const describeImageAttribute: Prepare = (ctx, input) => {
  const found = findOwnImage(ctx, input.str("ImageId"));
  if (!found.ok) return found;
  const image = found.value;
  const attribute = input.str("Attribute");
  switch (attribute) {
    case "launchPermission":
      return answer({ imageId: image.id, launchPermission: permissionsXml(image.launchPermissions) });
    case "description":
      return answer({ imageId: image.id, description: { value: image.description } });
    default:
      return invalidValue(`Value (${attribute ?? ""}) for parameter attribute is invalid.`);
  }
};
