/**
 * Sharing EBS snapshots and AMIs: the guard on the target list (account ids only, never the group
 * `all`, never the owner itself) and the two mutating commands, which only ever add user ids.
 */

import { ec2 } from "../../aws/sdk.js";
import type { AccountRef, Precondition } from "../define.js";
import { isAccountId, resolveAccountIds } from "../shared/accounts.js";
import { failed } from "../shared/plan.js";

const isAll = (value: string) => value.trim().toLowerCase() === "all";

/** Checked in plan and again in run, whatever the schema let through. */
export function ec2ShareTargets(
  account: AccountRef,
  accounts: Record<string, AccountRef>,
  values: readonly string[],
  noun: string,
): { ids: string[]; problems: Precondition[] } {
  const problems: Precondition[] = [];
  if (values.some(isAll)) {
    problems.push(
      failed("SHARE_PUBLIC_REFUSED", `sharing with "all" would make the ${noun} public; hikkoshi never does`),
    );
  }
  const { ids, unknown } = resolveAccountIds(accounts, values);
  const unknownNames = unknown.filter((u) => !isAll(u));
  if (unknownNames.length > 0) {
    problems.push(
      failed(
        "UNKNOWN_ACCOUNT",
        `not an account alias or 12-digit id: ${unknownNames.join(", ")}`,
        `use an alias from accounts: (${Object.keys(accounts).join(", ")}) or a 12-digit account id`,
      ),
    );
  }
  if (ids.includes(account.id)) {
    problems.push(
      failed("SHARE_WITH_OWN_ACCOUNT", `${account.alias} (${account.id}) owns the ${noun}; share it with others`),
    );
  }
  return { ids: ids.filter((id) => isAccountId(id) && id !== account.id), problems };
}

export function shareSnapshotCommand(snapshotId: string, userIds: string[], dryRun = false) {
  return new ec2.ModifySnapshotAttributeCommand({
    SnapshotId: snapshotId,
    Attribute: "createVolumePermission",
    CreateVolumePermission: { Add: userIds.map((UserId) => ({ UserId })) },
    ...(dryRun ? { DryRun: true } : {}),
  });
}

export function shareImageCommand(imageId: string, userIds: string[], dryRun = false) {
  return new ec2.ModifyImageAttributeCommand({
    ImageId: imageId,
    Attribute: "launchPermission",
    LaunchPermission: { Add: userIds.map((UserId) => ({ UserId })) },
    ...(dryRun ? { DryRun: true } : {}),
  });
}

/** Stand-ins for ids an earlier task will create, so a dry run can still check the permission. */
export const PLACEHOLDER = { snapshot: "snap-00000000000000000", image: "ami-00000000000000000" } as const;
