/**
 * The permission preflight every mutating EC2 step runs in plan(): the very call it will make, sent with
 * DryRun: true. AWS checks IAM and acts on nothing, so a missing permission shows up in the plan instead
 * of half-way through a run. Anything but a clear "denied" (e.g. the snapshot an earlier task makes does
 * not exist yet) says nothing about permission and does not block.
 */
import type { MetadataBearer } from "@smithy/types";
import { iamActions } from "../../aws/permissions.js";
import { type AwsCommand, actionName } from "../../aws/types.js";
import type { AccountRef, AwsReader, Precondition } from "../define.js";
import { failed, passed } from "../shared/plan.js";

export async function dryRunPreflight(
  aws: AwsReader,
  account: AccountRef,
  command: AwsCommand<MetadataBearer>,
): Promise<Precondition> {
  const action = actionName(command);
  const actions = iamActions("ec2", action).join(", ");
  const where = `${account.alias} (${account.id})`;
  const verdict = await aws.dryRun(account.alias, "ec2", command);
  if (verdict.verdict === "allowed") return passed("EC2_DRY_RUN_ALLOWED", `${action} allowed in ${where} (dry run)`);
  if (verdict.verdict === "denied") {
    return failed(
      "EC2_PERMISSION_DENIED",
      `${where} may not call ${action}: the dry run answered ${verdict.code} (${verdict.message})`,
      `grant ${actions} to the identity hikkoshi uses for ${account.alias} in account ${account.id} (IAM policy, SCP or permission boundary), then plan again`,
    );
  }
  return passed(
    "EC2_DRY_RUN_INCONCLUSIVE",
    `the ${action} dry run in ${where} could not check permissions: ${verdict.code} (expected when an earlier task creates the resource)`,
  );
}
