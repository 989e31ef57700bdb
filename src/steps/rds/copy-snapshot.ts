/**
 * rds.copy-snapshot: copy a snapshot under a key of this account — a same-account re-encryption, or the
 * target side of a cross-account move (source = the shared snapshot's ARN). Waits until available.
 */
import { z } from "zod";
import { awsCategory } from "../../aws/errors.js";
import { HikkoshiError } from "../../core/errors.js";
import type { AccountRef } from "../define.js";
import { type AwsReader, defineStep, type PlanResult, type Precondition } from "../define.js";
import { checkOwnKey, enforce } from "../kms/key-checks.js";
import { describeKey, namesAwsManagedAlias } from "../kms/keys.js";
import { looksOurs } from "../shared/ownership.js";
import { describeValue, failed, known, passed, planParams, rdsEstimate } from "../shared/plan.js";
import {
  accountOfArn,
  describeSnapshot,
  isValidSnapshotId,
  NOUN,
  regionOfArn,
  type SnapshotInfo,
  type SnapshotKind,
  snapshotArn,
  snapshotObservation,
} from "./read.js";
import { rdsQueue, snapshotIdSchema, snapshotKindSchema } from "./schemas.js";
import { createOrAdoptSnapshot, SNAPSHOT_COMMANDS, SNAPSHOT_OUTPUTS, snapshotOutputs, waitAvailable } from "./write.js";

export const rdsCopySnapshotParams = z
  .strictObject({
    source: z
      .string()
      .min(1)
      .describe("Source snapshot: an identifier in this account, or the ARN of a snapshot another account shared."),
    kind: snapshotKindSchema,
    kmsKeyId: z
      .string()
      .min(1)
      .describe("KMS key of THIS account for the copy: key id, key ARN, alias name or alias ARN."),
    targetId: snapshotIdSchema
      .optional()
      .describe("Identifier of the copy. Default: a deterministic name for this run and task."),
    forSharing: z
      .boolean()
      .default(false)
      .describe("The copy will be shared: refuse an AWS managed key, which can be shared with nobody."),
  })
  .refine((p) => !(p.forSharing && namesAwsManagedAlias(p.kmsKeyId)), {
    message: "an AWS managed key (alias/aws/...) cannot encrypt a snapshot meant for sharing",
    path: ["kmsKeyId"],
  });
export type RdsCopySnapshotParams = z.infer<typeof rdsCopySnapshotParams>;

function sourceProblems(account: AccountRef, kind: SnapshotKind, source: string, info: SnapshotInfo | undefined) {
  const problems: Precondition[] = [];
  const region = regionOfArn(source);
  if (region !== undefined && region !== account.region) {
    problems.push(
      failed("CROSS_REGION_COPY_UNSUPPORTED", `${source} is in ${region}, this account works in ${account.region}`),
    );
  }
  if (info && kind === "cluster" && !info.encrypted) {
    problems.push(
      failed(
        "CLUSTER_SNAPSHOT_UNENCRYPTED",
        `${NOUN.cluster} ${info.id} is unencrypted: Aurora cannot encrypt a cluster snapshot while copying it`,
        "encrypt the cluster first (restore from the snapshot into an encrypted cluster), then move that",
      ),
    );
  }
  if (info && info.type === "automated" && accountOfArn(source) !== undefined && accountOfArn(source) !== account.id) {
    problems.push(failed("SNAPSHOT_AUTOMATED", `${source} is an automated snapshot of another account`));
  }
  return problems;
}

/** From the target: can this account use the key the (foreign) source is encrypted with? */
async function sourceKeyProblems(aws: AwsReader, account: AccountRef, source: string, info: SnapshotInfo) {
  const owner = accountOfArn(source);
  if (!info.encrypted || !info.kmsKeyId || owner === undefined || owner === account.id) return [];
  try {
    if (await describeKey(aws, account, info.kmsKeyId)) return [];
  } catch (err) {
    if (awsCategory(err) !== "access-denied") throw err;
  }
  return [
    failed(
      "SOURCE_KEY_NOT_USABLE",
      `${account.alias} (${account.id}) cannot use ${info.kmsKeyId}, the key of the shared snapshot`,
      `the key policy in ${owner} must admit arn:aws:iam::${account.id}:root (kms:Decrypt, kms:DescribeKey, kms:CreateGrant, kms:ReEncrypt*, kms:GenerateDataKey*) and IAM in ${account.alias} must allow the same on the key`,
    ),
  ];
}

export const rdsCopySnapshot = defineStep<RdsCopySnapshotParams>({
  type: "rds.copy-snapshot",
  description: "Copy an RDS/Aurora snapshot under a KMS key of this account (re-encrypt, or copy a shared snapshot).",
  params: rdsCopySnapshotParams,
  outputs: SNAPSHOT_OUTPUTS,
  concurrencyKeys: (_p, { account }) => [rdsQueue("rds-copy", account)],

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<RdsCopySnapshotParams>(rdsCopySnapshotParams, raw);
    const kind: SnapshotKind = known(params.kind) ? params.kind : "instance";
    const id = known(params.targetId) ? params.targetId : ctx.name("", 63);
    const forSharing = known(params.forSharing) && params.forSharing;

    const key = known(params.kmsKeyId)
      ? await checkOwnKey(ctx.aws, ctx.account, params.kmsKeyId, { forSharing })
      : undefined;
    problems.push(...(key?.problems ?? []));

    let source: SnapshotInfo | undefined;
    if (known(params.source)) {
      source = await describeSnapshot(ctx.aws, ctx.account, kind, params.source);
      problems.push(...sourceProblems(ctx.account, kind, params.source, source));
      if (source) problems.push(...(await sourceKeyProblems(ctx.aws, ctx.account, params.source, source)));
      else
        problems.push(
          passed("SOURCE_NOT_YET_PRESENT", `${params.source} does not exist yet (an earlier step makes it)`),
        );
    }

    const existing = isValidSnapshotId(id) ? await describeSnapshot(ctx.aws, ctx.account, kind, id) : undefined;
    if (existing && !looksOurs(existing.tags, ctx.tags())) {
      problems.push(failed("SNAPSHOT_ID_TAKEN", `${NOUN[kind]} ${id} already exists and is not this task's`));
    }
    const keyText = describeValue(params.kmsKeyId);
    const later = known(params.source) && !source ? " (source not present yet)" : "";
    const estimate = rdsEstimate(
      source?.sizeGb ?? existing?.sizeGb,
      source ? undefined : "size known once the source exists",
    );
    return {
      action: existing ? "already-done" : "copy",
      summary: existing
        ? `${NOUN[kind]} ${id} exists`
        : `copy ${describeValue(params.source)} to ${id} under ${keyText}${later}`,
      resources: [snapshotArn(ctx.account, kind, id)],
      preconditions: problems,
      ...(estimate ? { estimate } : {}),
      predictedOutputs: {
        snapshotId: id,
        snapshotArn: existing?.arn || snapshotArn(ctx.account, kind, id),
        kind,
        kmsKeyId: key?.meta?.Arn ?? params.kmsKeyId,
        encrypted: true,
        sizeGb: source?.sizeGb ?? existing?.sizeGb ?? null,
      },
      observations: {
        source: snapshotObservation(source),
        key: key?.meta ? { arn: key.meta.Arn ?? null, manager: key.meta.KeyManager ?? null } : null,
        snapshot: snapshotObservation(existing),
      },
    };
  },

  async run(ctx, params) {
    const kind = params.kind;
    const id = params.targetId ?? ctx.name("", 63);
    const key = await checkOwnKey(ctx.aws, ctx.account, params.kmsKeyId, { forSharing: params.forSharing });
    enforce(key.problems, ctx.log, params.kmsKeyId);
    const keyArn = key.meta?.Arn ?? params.kmsKeyId;

    let sizeGb: number | undefined;
    await createOrAdoptSnapshot(ctx, kind, id, async () => {
      let source = await describeSnapshot(ctx.aws, ctx.account, kind, params.source);
      if (!source) {
        throw new HikkoshiError(
          "SOURCE_NOT_FOUND",
          `${NOUN[kind]} ${params.source} not visible from ${ctx.account.alias}`,
          {
            hint: "a snapshot from another account must be shared with this account first and named by its ARN",
            resource: params.source,
          },
        );
      }
      enforce(sourceProblems(ctx.account, kind, params.source, source), ctx.log, params.source);
      if (source.status !== "available") source = await waitAvailable(ctx, kind, params.source, source.sizeGb);
      enforce(await sourceKeyProblems(ctx.aws, ctx.account, params.source, source), ctx.log, params.source);
      sizeGb = source.sizeGb;
      ctx.saveProgress({ targetId: id, kind, source: params.source, kmsKeyId: keyArn });
      const command = SNAPSHOT_COMMANDS[kind].copy(params.source, id, keyArn, ctx.tags());
      return ctx.aws.mutate(ctx.account.alias, "rds", command, id);
    });

    const info = await waitAvailable(ctx, kind, id, sizeGb);
    if (key.meta?.Arn && info.kmsKeyId && info.kmsKeyId !== key.meta.Arn) {
      throw new HikkoshiError("COPY_KEY_MISMATCH", `${id} is encrypted with ${info.kmsKeyId}, not ${key.meta.Arn}`, {
        hint: "an earlier attempt copied with another key: delete the copy and resume",
        resource: info.arn,
      });
    }
    return snapshotOutputs(info);
  },
});
