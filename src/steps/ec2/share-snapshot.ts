/**
 * ec2.share-snapshot: add accounts to an EBS snapshot's createVolumePermission. Account ids only, never
 * the group `all`; a snapshot on the AWS managed key (aws/ebs) is refused before AWS is called (AWS
 * answers OperationNotPermitted), and a customer key must admit every target in its policy.
 */
import { z } from "zod";
import { HikkoshiError } from "../../core/errors.js";
import type { Json } from "../../core/json.js";
import {
  type AccountRef,
  type AwsReader,
  defineStep,
  type PlanResult,
  type Precondition,
  type Unresolved,
} from "../define.js";
import { enforce } from "../kms/key-checks.js";
import { describeKey } from "../kms/keys.js";
import { accountAliasOrId } from "../shared/accounts.js";
import { describeValue, failed, known, laterOutput, passed, planParams, warning } from "../shared/plan.js";
import { dryRunPreflight } from "./dry-run.js";
import { ebsShareKeyProblems } from "./keys.js";
import {
  createVolumePermissions,
  describeEbsSnapshot,
  type EbsSnapshot,
  ebsSnapshotObservation,
  snapshotArn,
} from "./read.js";
import { ebsSnapshotIdSchema } from "./schemas.js";
import { ec2ShareTargets, PLACEHOLDER, shareSnapshotCommand } from "./share.js";
import { waitSnapshotCompleted } from "./write.js";

export const ec2ShareSnapshotParams = z.strictObject({
  snapshot: ebsSnapshotIdSchema.describe("EBS snapshot of this account (snap-…)."),
  accounts: z
    .array(accountAliasOrId)
    .min(1)
    .describe("Accounts to share with: aliases or 12-digit ids. `all` (public) is always refused."),
  kmsKeyId: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Key the snapshot is expected to be encrypted with. Lets plan check the key before the snapshot exists; run checks the snapshot's actual key.",
    ),
});
export type Ec2ShareSnapshotParams = z.infer<typeof ec2ShareSnapshotParams>;

const FIX =
  "copy it first with ec2.copy-snapshot (forSharing: true) under a customer managed key whose policy admits the targets; ec2.move-snapshot does this";

function ownerProblems(info: EbsSnapshot, owner: AccountRef): Precondition[] {
  if (info.ownerId === undefined || info.ownerId === owner.id) return [];
  return [failed("SNAPSHOT_NOT_OWNED", `${info.id} belongs to ${info.ownerId}; only its owner can share it`)];
}

async function keyProblems(
  ctx: { aws: AwsReader; account: AccountRef },
  info: EbsSnapshot,
  ids: string[],
  expected: string | undefined,
): Promise<Precondition[]> {
  const problems: Precondition[] = [];
  if (expected !== undefined) {
    if (!info.encrypted) {
      problems.push(failed("SNAPSHOT_KEY_MISMATCH", `${info.id} is unencrypted, expected key ${expected}`));
    } else {
      const meta = await describeKey(ctx.aws, ctx.account, expected);
      if (meta?.Arn && info.kmsKeyId && meta.Arn !== info.kmsKeyId)
        problems.push(
          failed("SNAPSHOT_KEY_MISMATCH", `${info.id} is encrypted with ${info.kmsKeyId}, expected ${meta.Arn}`),
        );
    }
  }
  if (info.encrypted && info.kmsKeyId) {
    problems.push(
      ...(await ebsShareKeyProblems(ctx.aws, ctx.account, info.kmsKeyId, ids, {
        noun: `snapshot ${info.id}`,
        fix: FIX,
      })),
    );
  }
  return problems;
}

function publicProblems(isPublic: boolean): Precondition[] {
  return isPublic
    ? [
        failed(
          "SNAPSHOT_IS_PUBLIC",
          "the snapshot is public (createVolumePermission group all)",
          "make it private first",
        ),
      ]
    : [];
}

export const ec2ShareSnapshot = defineStep<Ec2ShareSnapshotParams>({
  type: "ec2.share-snapshot",
  description: "Share an EBS snapshot with other accounts (never public), after checking its KMS key.",
  params: ec2ShareSnapshotParams,
  outputs: {
    snapshotId: "Id of the shared snapshot (the id the target copies)",
    snapshotArn: "ARN of the shared snapshot",
    kmsKeyId: "KMS key ARN of the snapshot (null when unencrypted)",
    sharedWith: "Account ids the snapshot is shared with",
  },
  accountParams: { list: ["accounts"] },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<Ec2ShareSnapshotParams>(ec2ShareSnapshotParams, raw);
    const values = known(params.accounts) ? params.accounts.filter((v): v is string => known(v)) : [];
    const targets = ec2ShareTargets(ctx.account, ctx.accounts, values, "snapshot");
    problems.push(...targets.problems);
    const expected = known(params.kmsKeyId) ? params.kmsKeyId : undefined;

    let info: EbsSnapshot | undefined;
    let existing: string[] = [];
    if (known(params.snapshot)) {
      info = await describeEbsSnapshot(ctx.aws, ctx.account, params.snapshot);
      if (!info) problems.push(passed("SNAPSHOT_NOT_YET_PRESENT", `${params.snapshot} does not exist yet`));
    }
    if (info) {
      problems.push(...ownerProblems(info, ctx.account));
      problems.push(...(await keyProblems(ctx, info, targets.ids, expected)));
      if (info.ownerId === undefined || info.ownerId === ctx.account.id) {
        const perms = await createVolumePermissions(ctx.aws, ctx.account, info.id);
        existing = perms.userIds;
        problems.push(...publicProblems(perms.isPublic));
      }
    } else if (expected !== undefined) {
      const noun = `the snapshot ${describeValue(params.snapshot)} (key ${expected})`;
      problems.push(...(await ebsShareKeyProblems(ctx.aws, ctx.account, expected, targets.ids, { noun, fix: FIX })));
    } else if (params.kmsKeyId !== undefined) {
      // The key comes from a step of this run (kms.create-key plans its own policy): run checks it before sharing.
      problems.push(
        passed("SHARE_KEY_CHECKED_AT_RUN", `the key ${describeValue(params.kmsKeyId)} is checked before sharing`),
      );
    } else {
      problems.push(
        warning(
          "SHARE_KEY_NOT_CHECKED",
          `${describeValue(params.snapshot)} does not exist yet, so its key cannot be checked before the run`,
          "pass `kmsKeyId: ${{ steps.<snapshot step>.outputs.kmsKeyId }}` so plan can refuse aws/ebs or a policy that omits the target",
        ),
      );
    }
    const missing = targets.ids.filter((id) => !existing.includes(id));
    if (missing.length > 0) {
      const snapshotId = info?.id ?? PLACEHOLDER.snapshot;
      problems.push(await dryRunPreflight(ctx.aws, ctx.account, shareSnapshotCommand(snapshotId, missing, true)));
    }
    const done = info !== undefined && missing.length === 0;
    const predictedOutputs: Record<string, Json | Unresolved> = {
      sharedWith: targets.ids,
      kmsKeyId: info ? (info.kmsKeyId ?? null) : laterOutput(ctx, "kmsKeyId"),
    };
    if (known(params.snapshot)) {
      predictedOutputs.snapshotId = params.snapshot;
      predictedOutputs.snapshotArn = snapshotArn(ctx.account, params.snapshot);
    }
    return {
      action: done ? "already-done" : "share",
      summary: done
        ? `EBS snapshot ${info?.id} is shared with ${targets.ids.join(", ")}`
        : `share ${describeValue(params.snapshot)} with ${missing.join(", ") || describeValue(params.accounts)}`,
      resources: known(params.snapshot) ? [snapshotArn(ctx.account, params.snapshot)] : [],
      preconditions: problems,
      predictedOutputs,
      observations: { snapshot: ebsSnapshotObservation(info), sharedWith: [...existing].sort() },
    };
  },

  async run(ctx, params) {
    const targets = ec2ShareTargets(ctx.account, ctx.accounts, params.accounts, "snapshot");
    enforce(targets.problems, ctx.log);
    let info = await describeEbsSnapshot(ctx.aws, ctx.account, params.snapshot);
    const arn = snapshotArn(ctx.account, params.snapshot);
    if (!info) {
      throw new HikkoshiError(
        "SNAPSHOT_NOT_FOUND",
        `EBS snapshot ${params.snapshot} not found in ${ctx.account.alias}`,
        {
          resource: arn,
        },
      );
    }
    enforce(ownerProblems(info, ctx.account), ctx.log, arn);
    enforce(await keyProblems(ctx, info, targets.ids, params.kmsKeyId), ctx.log, arn);
    if (info.state !== "completed") {
      info = await waitSnapshotCompleted(ctx, info.id, info.sizeGb, {
        code: "EBS_SNAPSHOT_FAILED",
        hint: (id) => `the snapshot ${id} failed before it could be shared; make a new one`,
      });
    }
    const perms = await createVolumePermissions(ctx.aws, ctx.account, info.id);
    enforce(publicProblems(perms.isPublic), ctx.log, arn);
    const missing = targets.ids.filter((id) => !perms.userIds.includes(id));
    if (missing.length > 0) {
      ctx.saveProgress({ snapshot: info.id, adding: missing });
      await ctx.aws.mutate(ctx.account.alias, "ec2", shareSnapshotCommand(info.id, missing), arn);
    } else {
      ctx.log.info(`${info.id} is already shared with ${targets.ids.join(", ")}`);
    }
    return { snapshotId: info.id, snapshotArn: arn, kmsKeyId: info.kmsKeyId ?? null, sharedWith: targets.ids };
  },
});
