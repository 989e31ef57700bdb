/**
 * rds.share-snapshot: add accounts to a manual snapshot's "restore" attribute. Never public, at most 20
 * accounts, never an automated snapshot, and the key is checked BEFORE sharing: AWS may accept a share
 * of a snapshot on an AWS managed key and fail later in the target (AWS-FACTS).
 */
import { z } from "zod";
import { HikkoshiError } from "../../core/errors.js";
import type { Json } from "../../core/json.js";
import { type AccountRef, type AwsReader, defineStep, type PlanResult, type Precondition } from "../define.js";
import { checkShareKey, enforce } from "../kms/key-checks.js";
import { describeKey } from "../kms/keys.js";
import { accountAliasOrId, isAccountId, resolveAccountIds } from "../shared/accounts.js";
import { describeValue, failed, known, passed, planParams, warning } from "../shared/plan.js";
import {
  describeSnapshot,
  NOUN,
  restoreAccounts,
  type SnapshotInfo,
  snapshotArn,
  snapshotObservation,
} from "./read.js";
import { snapshotKindSchema } from "./schemas.js";
import { SNAPSHOT_COMMANDS, waitAvailable } from "./write.js";

/** ModifyDBSnapshotAttribute allows at most 20 accounts per manual snapshot. */
export const MAX_SHARED_ACCOUNTS = 20;

export const rdsShareSnapshotParams = z.strictObject({
  snapshot: z.string().min(1).describe("Manual snapshot of this account: identifier or ARN."),
  kind: snapshotKindSchema,
  accounts: z
    .array(accountAliasOrId)
    .min(1)
    .max(MAX_SHARED_ACCOUNTS)
    .describe("Accounts to share with: aliases or 12-digit ids, at most 20. `all` (public) is always refused."),
  kmsKeyId: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Key the snapshot is expected to be encrypted with. Lets plan check the key policy before the snapshot exists; run checks the snapshot's actual key.",
    ),
});
export type RdsShareSnapshotParams = z.infer<typeof rdsShareSnapshotParams>;

/** The guard against public or oversized shares, again at run time whatever the schema let through. */
export function shareTargets(account: AccountRef, accounts: Record<string, AccountRef>, values: readonly string[]) {
  const problems: Precondition[] = [];
  if (values.some((v) => v.trim().toLowerCase() === "all")) {
    problems.push(
      failed("SHARE_PUBLIC_REFUSED", 'sharing with "all" would make the snapshot public; hikkoshi never does'),
    );
  }
  const { ids, unknown } = resolveAccountIds(accounts, values);
  if (unknown.some((u) => u.trim().toLowerCase() !== "all")) {
    problems.push(failed("UNKNOWN_ACCOUNT", `not an account alias or 12-digit id: ${unknown.join(", ")}`));
  }
  if (ids.length > MAX_SHARED_ACCOUNTS) {
    problems.push(
      failed("SHARE_TOO_MANY_ACCOUNTS", `${ids.length} accounts: a snapshot can be shared with at most 20`),
    );
  }
  if (ids.includes(account.id)) {
    problems.push(
      failed("SHARE_WITH_OWN_ACCOUNT", `${account.alias} (${account.id}) owns the snapshot; share it with others`),
    );
  }
  return { ids: ids.filter(isAccountId), problems };
}

function snapshotProblems(info: SnapshotInfo, owner: AccountRef): Precondition[] {
  const problems: Precondition[] = [];
  if (info.type === "automated") {
    problems.push(
      failed(
        "SNAPSHOT_AUTOMATED",
        `${info.id} is an automated snapshot, which cannot be shared`,
        "copy it into a manual snapshot first (rds.create-snapshot with fromAutomated: true)",
      ),
    );
  } else if (info.type !== undefined && info.type !== "manual") {
    problems.push(
      failed("SNAPSHOT_NOT_MANUAL", `${info.id} is a ${info.type} snapshot; only manual snapshots can be shared`),
    );
  }
  if (info.arn && !info.arn.includes(`:${owner.id}:`)) {
    problems.push(failed("SNAPSHOT_NOT_OWNED", `${info.arn} belongs to another account; only its owner can share it`));
  }
  return problems;
}

/** An expected key given as alias or id must be the same key as the snapshot's (compared by ARN). */
async function expectedKeyProblems(ctx: { aws: AwsReader; account: AccountRef }, expected: string, info: SnapshotInfo) {
  if (!info.encrypted) return [failed("SNAPSHOT_KEY_MISMATCH", `${info.id} is unencrypted, expected key ${expected}`)];
  const meta = await describeKey(ctx.aws, ctx.account, expected);
  if (meta?.Arn && info.kmsKeyId && meta.Arn !== info.kmsKeyId) {
    return [failed("SNAPSHOT_KEY_MISMATCH", `${info.id} is encrypted with ${info.kmsKeyId}, expected ${meta.Arn}`)];
  }
  return [];
}

export const rdsShareSnapshot = defineStep<RdsShareSnapshotParams>({
  type: "rds.share-snapshot",
  description: "Share a manual RDS/Aurora snapshot with other accounts (never public), after checking its KMS key.",
  params: rdsShareSnapshotParams,
  outputs: { snapshotArn: "ARN of the shared snapshot", sharedWith: "Account ids the snapshot is shared with" },
  accountParams: { list: ["accounts"] },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<RdsShareSnapshotParams>(rdsShareSnapshotParams, raw);
    const kind = known(params.kind) ? params.kind : "instance";
    const values = known(params.accounts) ? params.accounts.filter((v): v is string => known(v)) : [];
    const targets = shareTargets(ctx.account, ctx.accounts, values);
    problems.push(...targets.problems);

    let info: SnapshotInfo | undefined;
    let existing: string[] = [];
    if (known(params.snapshot)) {
      info = await describeSnapshot(ctx.aws, ctx.account, kind, params.snapshot);
      if (!info) problems.push(passed("SNAPSHOT_NOT_YET_PRESENT", `${params.snapshot} does not exist yet`));
    }
    if (info) {
      problems.push(...snapshotProblems(info, ctx.account));
      if (info.type === "manual") existing = await restoreAccounts(ctx.aws, ctx.account, kind, info.id);
      if (known(params.kmsKeyId)) problems.push(...(await expectedKeyProblems(ctx, params.kmsKeyId, info)));
    }
    const keyId = info ? info.kmsKeyId : known(params.kmsKeyId) ? params.kmsKeyId : undefined;
    if (!info && params.kmsKeyId === undefined) {
      problems.push(
        warning(
          "SHARE_KEY_NOT_CHECKED",
          `${describeValue(params.snapshot)} does not exist yet, so its key cannot be checked before the run`,
          "pass `kmsKeyId: ${{ steps.<snapshot step>.outputs.kmsKeyId }}` so plan can refuse an AWS managed key or a policy that omits the target",
        ),
      );
    }
    if (keyId && targets.ids.length > 0)
      problems.push(...(await checkShareKey(ctx.aws, ctx.account, keyId, targets.ids)).problems);
    problems.push(...quotaProblems(existing, targets.ids));

    const missing = targets.ids.filter((id) => !existing.includes(id));
    const arn = info?.arn || (known(params.snapshot) ? snapshotArn(ctx.account, kind, params.snapshot) : undefined);
    const predictedOutputs: Record<string, Json> = { sharedWith: targets.ids };
    if (arn) predictedOutputs.snapshotArn = arn;
    return {
      action: info && missing.length === 0 ? "already-done" : "share",
      summary:
        info && missing.length === 0
          ? `${NOUN[kind]} ${info.id} is shared with ${targets.ids.join(", ")}`
          : `share ${describeValue(params.snapshot)} with ${missing.join(", ") || describeValue(params.accounts)}`,
      resources: arn ? [arn] : [],
      preconditions: problems,
      predictedOutputs,
      observations: { snapshot: snapshotObservation(info), sharedWith: [...existing].sort() },
    };
  },

  async run(ctx, params) {
    const targets = shareTargets(ctx.account, ctx.accounts, params.accounts);
    enforce(targets.problems, ctx.log);
    const kind = params.kind;
    let info = await describeSnapshot(ctx.aws, ctx.account, kind, params.snapshot);
    if (!info) {
      throw new HikkoshiError(
        "SNAPSHOT_NOT_FOUND",
        `${NOUN[kind]} ${params.snapshot} not found in ${ctx.account.alias}`,
        {
          resource: params.snapshot,
        },
      );
    }
    enforce(snapshotProblems(info, ctx.account), ctx.log, info.arn);
    if (params.kmsKeyId) enforce(await expectedKeyProblems(ctx, params.kmsKeyId, info), ctx.log, info.arn);
    if (info.encrypted && info.kmsKeyId) {
      enforce((await checkShareKey(ctx.aws, ctx.account, info.kmsKeyId, targets.ids)).problems, ctx.log, info.arn);
    }
    if (info.status !== "available") info = await waitAvailable(ctx, kind, info.id, info.sizeGb);

    const existing = await restoreAccounts(ctx.aws, ctx.account, kind, info.id);
    enforce(quotaProblems(existing, targets.ids), ctx.log, info.arn);
    const missing = targets.ids.filter((id) => !existing.includes(id));
    if (missing.length > 0) {
      ctx.saveProgress({ snapshot: info.arn, adding: missing });
      await ctx.aws.mutate(
        ctx.account.alias,
        "rds",
        SNAPSHOT_COMMANDS[kind].share(info.id, missing),
        info.arn || info.id,
      );
    } else {
      ctx.log.info(`${info.id} is already shared with ${targets.ids.join(", ")}`);
    }
    return { snapshotArn: info.arn, sharedWith: targets.ids };
  },
});

function quotaProblems(existing: string[], ids: string[]): Precondition[] {
  if (existing.some((v) => v.toLowerCase() === "all")) {
    return [
      failed("SNAPSHOT_IS_PUBLIC", "the snapshot is public (restore=all) already", "make it private before moving it"),
    ];
  }
  const total = new Set([...existing, ...ids]).size;
  if (total <= MAX_SHARED_ACCOUNTS) return [];
  return [
    failed(
      "SHARE_TOO_MANY_ACCOUNTS",
      `already shared with ${existing.length} accounts; adding these makes ${total}, more than 20`,
      "unshare accounts that no longer need it first",
    ),
  ];
}
