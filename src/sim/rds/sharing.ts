import { resolveKey } from "../kms/keys.js";
import { fail, type Outcome, ok } from "../outcome.js";
import type { CallContext } from "../protocol/types.js";
import type { Snapshot } from "../world.js";
import type { Flavour } from "./flavours.js";
import { findOwn, snapshotStatus } from "./model.js";

export interface ShareRequest {
  ref: string | undefined;
  attribute: string | undefined;
  add: string[];
  remove: string[];
}

/** The `restore` attribute: who may copy or restore the snapshot, sorted. */
export function restoreAttribute(s: Snapshot): string[] {
  return [...s.sharedWith].sort();
}

function onAwsManagedKey(ctx: CallContext, s: Snapshot): boolean {
  if (s.kmsKeyArn === undefined) return false;
  const key = resolveKey(ctx.world, ctx.account, ctx.region, s.kmsKeyArn);
  return key.ok && key.value.manager === "AWS";
}

/**
 * ModifyDBSnapshotAttribute / ModifyDBClusterSnapshotAttribute with AttributeName=restore. Refuses automated
 * snapshots, `all` on an encrypted snapshot, more than `rdsMaxSharedAccounts` accounts. A snapshot on the AWS
 * managed key is shared without complaint (the copy in the target fails later) unless the seed sets
 * `refuseSharingAwsManagedKeySnapshots`.
 */
export function modifyRestoreAttribute(ctx: CallContext, f: Flavour, req: ShareRequest): Outcome<Snapshot> {
  const found = findOwn(ctx, f, req.ref);
  if (!found.ok) return found;
  const s = found.value;
  if (req.attribute !== "restore") {
    return fail("InvalidParameterValue", `AttributeName must be restore, got ${req.attribute ?? "(none)"}.`);
  }
  for (const value of [...req.add, ...req.remove]) {
    if (value !== "all" && !/^\d{12}$/.test(value)) {
      return fail("InvalidParameterValue", `${value} is not a valid AWS account identifier.`);
    }
  }
  if (s.type === "automated") {
    return fail(
      f.codes.invalidState,
      `Automated ${f.label}s cannot be shared: copy ${s.id} to a manual snapshot first.`,
    );
  }
  if (snapshotStatus(s, ctx.now).status !== "available" && req.add.length > 0) {
    return fail(f.codes.invalidState, `${f.label} ${s.id} is not currently in the available state.`);
  }
  if (req.add.includes("all") && s.kmsKeyArn !== undefined) {
    return fail("InvalidParameterValue", `Encrypted ${f.label}s cannot be made public: ${s.id}.`);
  }
  if (req.add.length > 0 && ctx.world.seed.refuseSharingAwsManagedKeySnapshots && onAwsManagedKey(ctx, s)) {
    return fail(
      "InvalidParameterValue",
      `${f.label} ${s.id} is encrypted with the AWS managed key and cannot be shared. Copy it with a customer managed key first.`,
    );
  }
  const next = new Set(s.sharedWith);
  for (const v of req.add) next.add(v);
  for (const v of req.remove) next.delete(v);
  const accounts = [...next].filter((v) => v !== "all").length;
  if (accounts > ctx.world.seed.rdsMaxSharedAccounts) {
    return fail(
      "SharedSnapshotQuotaExceeded",
      `${f.label} ${s.id} can be shared with at most ${ctx.world.seed.rdsMaxSharedAccounts} accounts (asked: ${accounts}).`,
    );
  }
  s.sharedWith = next;
  return ok(s);
}
