/**
 * ec2.copy-snapshot: copy an EBS snapshot (own, or shared by another account) under a KMS key of this
 * account — the re-encryption that makes a snapshot shareable, or the target side of a move. CopySnapshot
 * has no ClientToken: the copy carries our tags from its creating request, and a resumed task adopts it.
 */
import { z } from "zod";
import { ec2 } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import { type AccountRef, type AwsReader, defineStep, type PlanResult, type Precondition } from "../define.js";
import { checkOwnKey, enforce } from "../kms/key-checks.js";
import { namesAwsManagedAlias } from "../kms/keys.js";
import { describeValue, known, laterOutput, passed, planParams, warning } from "../shared/plan.js";
import { dryRunPreflight } from "./dry-run.js";
import { copyFailureHint, foreignKeyProblems } from "./keys.js";
import {
  describeEbsSnapshot,
  type EbsSnapshot,
  ebsSnapshotObservation,
  findTaggedSnapshots,
  snapshotArn,
} from "./read.js";
import { ebsSnapshotIdSchema, ec2CopyQueues, regionSchema } from "./schemas.js";
import { PLACEHOLDER } from "./share.js";
import {
  adoptOrStartSnapshot,
  EBS_SNAPSHOT_OUTPUTS,
  ebsEstimate,
  ebsSnapshotOutputs,
  tagSpecs,
  waitSnapshotCompleted,
} from "./write.js";

export const ec2CopySnapshotParams = z
  .strictObject({
    source: ebsSnapshotIdSchema.describe("Source snapshot id: this account's, or one another account shared."),
    sourceRegion: regionSchema,
    kmsKeyId: z
      .string()
      .min(1)
      .describe("KMS key of THIS account for the copy: key id, key ARN, alias name or alias ARN."),
    forSharing: z
      .boolean()
      .default(false)
      .describe("The copy will be shared: refuse an AWS managed key (aws/ebs), which can be shared with nobody."),
    description: z.string().max(255).optional().describe("Description of the copy."),
  })
  .refine((p) => !(p.forSharing && namesAwsManagedAlias(p.kmsKeyId)), {
    message: "an AWS managed key (alias/aws/...) cannot encrypt a snapshot meant for sharing",
    path: ["kmsKeyId"],
  });
export type Ec2CopySnapshotParams = z.infer<typeof ec2CopySnapshotParams>;

interface CopyInput {
  source: string;
  sourceRegion: string;
  kmsKeyId: string | undefined;
  description: string | undefined;
  tags: Record<string, string>;
}

function copyCommand(input: CopyInput, dry = false) {
  return new ec2.CopySnapshotCommand({
    SourceSnapshotId: input.source,
    SourceRegion: input.sourceRegion,
    Encrypted: true,
    ...(input.kmsKeyId !== undefined ? { KmsKeyId: input.kmsKeyId } : {}),
    ...(input.description !== undefined ? { Description: input.description } : {}),
    TagSpecifications: tagSpecs(["snapshot"], input.tags),
    ...(dry ? { DryRun: true } : {}),
  });
}

/** A foreign source: this account must be able to use its key. */
async function sourceProblems(aws: AwsReader, account: AccountRef, info: EbsSnapshot): Promise<Precondition[]> {
  if (!info.encrypted || !info.kmsKeyId || info.ownerId === undefined || info.ownerId === account.id) return [];
  return foreignKeyProblems(aws, account, info.kmsKeyId, info.ownerId, `snapshot ${info.id} shared by ${info.ownerId}`);
}

export const ec2CopySnapshot = defineStep<Ec2CopySnapshotParams>({
  type: "ec2.copy-snapshot",
  description: "Copy an EBS snapshot (own or shared) under a KMS key of this account; waits until completed.",
  params: ec2CopySnapshotParams,
  outputs: EBS_SNAPSHOT_OUTPUTS,
  concurrencyKeys: (p, { account }) => ec2CopyQueues(account, p.sourceRegion),

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<Ec2CopySnapshotParams>(ec2CopySnapshotParams, raw);
    const forSharing = known(params.forSharing) && params.forSharing;
    const sourceRegion = known(params.sourceRegion) ? params.sourceRegion : ctx.account.region;
    const sameRegion = sourceRegion === ctx.account.region;

    const key = known(params.kmsKeyId)
      ? await checkOwnKey(ctx.aws, ctx.account, params.kmsKeyId, { forSharing })
      : undefined;
    problems.push(...(key?.problems ?? []));

    let source: EbsSnapshot | undefined;
    if (known(params.source) && sameRegion) {
      source = await describeEbsSnapshot(ctx.aws, ctx.account, params.source);
      if (source) problems.push(...(await sourceProblems(ctx.aws, ctx.account, source)));
      else
        problems.push(
          passed("SOURCE_NOT_YET_PRESENT", `${params.source} is not visible yet (an earlier step makes or shares it)`),
        );
    } else if (known(params.source)) {
      problems.push(
        warning("SOURCE_NOT_CHECKED", `${params.source} is in ${sourceRegion}: plan does not look into other regions`),
      );
    }

    const existing = (await findTaggedSnapshots(ctx.aws, ctx.account, ctx.tags()))[0];
    if (!existing) {
      const keyArn = key?.meta?.Arn ?? (known(params.kmsKeyId) ? params.kmsKeyId : undefined);
      const input: CopyInput = {
        source: known(params.source) ? params.source : PLACEHOLDER.snapshot,
        sourceRegion,
        kmsKeyId: keyArn,
        description: known(params.description) ? params.description : undefined,
        tags: ctx.tags(),
      };
      problems.push(await dryRunPreflight(ctx.aws, ctx.account, copyCommand(input, true)));
    }
    const later = known(params.source) && sameRegion && !source ? " (source not present yet)" : "";
    const sizeGb = source?.sizeGb ?? existing?.sizeGb;
    const estimate = ebsEstimate(sizeGb, sizeGb === undefined ? "size known once the source exists" : undefined);
    return {
      action: existing ? "already-done" : "copy",
      summary: existing
        ? `EBS snapshot ${existing.id} (copy of ${describeValue(params.source)}) exists`
        : `copy ${describeValue(params.source)} under ${describeValue(params.kmsKeyId)}${later}`,
      resources: [
        ...(known(params.source) ? [snapshotArn({ ...ctx.account, region: sourceRegion }, params.source)] : []),
        ...(existing ? [snapshotArn(ctx.account, existing.id)] : []),
      ],
      preconditions: problems,
      ...(estimate ? { estimate } : {}),
      predictedOutputs: {
        snapshotId: existing?.id ?? laterOutput(ctx, "snapshotId"),
        snapshotArn: existing ? snapshotArn(ctx.account, existing.id) : laterOutput(ctx, "snapshotArn"),
        kmsKeyId: key?.meta?.Arn ?? laterOutput(ctx, "kmsKeyId"),
        encrypted: true,
        sizeGb: sizeGb ?? null,
      },
      observations: {
        source: ebsSnapshotObservation(source),
        key: key?.meta ? { arn: key.meta.Arn ?? null, manager: key.meta.KeyManager ?? null } : null,
        snapshot: ebsSnapshotObservation(existing),
      },
    };
  },

  async run(ctx, params) {
    const key = await checkOwnKey(ctx.aws, ctx.account, params.kmsKeyId, { forSharing: params.forSharing });
    enforce(key.problems, ctx.log, params.kmsKeyId);
    const keyArn = key.meta?.Arn ?? params.kmsKeyId;
    const sourceRegion = params.sourceRegion ?? ctx.account.region;
    const sameRegion = sourceRegion === ctx.account.region;
    // Described up front (read-only) so a failed copy's hint can name the source key even when adopted.
    let source = sameRegion ? await describeEbsSnapshot(ctx.aws, ctx.account, params.source) : undefined;

    const { id } = await adoptOrStartSnapshot(ctx, async (recordIntent) => {
      if (sameRegion) {
        if (!source) {
          throw new HikkoshiError(
            "SOURCE_NOT_FOUND",
            `EBS snapshot ${params.source} is not visible from ${ctx.account.alias}`,
            {
              hint: "a snapshot of another account must be shared with this account first (ec2.share-snapshot)",
              resource: params.source,
            },
          );
        }
        enforce(await sourceProblems(ctx.aws, ctx.account, source), ctx.log, params.source);
        if (source.state !== "completed") {
          source = await waitSnapshotCompleted(ctx, source.id, source.sizeGb, {
            code: "SOURCE_SNAPSHOT_FAILED",
            hint: () => `the source snapshot ${params.source} failed; make a new one and point this step at it`,
          });
        }
      }
      recordIntent({ source: params.source, sourceRegion, kmsKeyId: keyArn });
      const input = {
        source: params.source,
        sourceRegion,
        kmsKeyId: keyArn,
        description: params.description,
        tags: ctx.tags(),
      };
      const out = await ctx.aws.mutate(ctx.account.alias, "ec2", copyCommand(input), params.source);
      if (!out.SnapshotId) throw new HikkoshiError("EC2_NO_ID", `CopySnapshot of ${params.source} returned no id`);
      return out.SnapshotId;
    });

    const info = await waitSnapshotCompleted(ctx, id, source?.sizeGb, {
      code: "EBS_COPY_FAILED",
      hint: (sid) =>
        copyFailureHint(ctx.account, { source: source?.kmsKeyId, sourceOwner: source?.ownerId, target: keyArn }, sid),
    });
    if (key.meta?.Arn && info.kmsKeyId && info.kmsKeyId !== key.meta.Arn) {
      throw new HikkoshiError("COPY_KEY_MISMATCH", `${id} is encrypted with ${info.kmsKeyId}, not ${key.meta.Arn}`, {
        hint: "an earlier attempt copied with another key: delete the copy and resume",
        resource: snapshotArn(ctx.account, id),
      });
    }
    return ebsSnapshotOutputs(ctx, info);
  },
});
