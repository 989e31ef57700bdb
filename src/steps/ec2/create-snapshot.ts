/**
 * ec2.create-snapshot: an EBS snapshot of a volume, tagged in the same request (CreateSnapshot has no
 * ClientToken, so the tags are how a resumed task finds it), waited on until completed.
 */
import { z } from "zod";
import { ec2 } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import { defineStep, type PlanResult } from "../define.js";
import { describeValue, failed, known, laterOutput, planParams } from "../shared/plan.js";
import { dryRunPreflight } from "./dry-run.js";
import { describeVolume, ebsSnapshotObservation, findTaggedSnapshots, snapshotArn, volumeArn } from "./read.js";
import { volumeIdSchema } from "./schemas.js";
import {
  adoptOrStartSnapshot,
  EBS_SNAPSHOT_OUTPUTS,
  ebsEstimate,
  ebsSnapshotOutputs,
  tagSpecs,
  waitSnapshotCompleted,
} from "./write.js";

export const ec2CreateSnapshotParams = z.strictObject({
  volumeId: volumeIdSchema.describe("EBS volume of this account to snapshot (vol-…)."),
  description: z.string().max(255).optional().describe("Snapshot description."),
});
export type Ec2CreateSnapshotParams = z.infer<typeof ec2CreateSnapshotParams>;

function createCommand(volumeId: string, description: string | undefined, tags: Record<string, string>, dry = false) {
  return new ec2.CreateSnapshotCommand({
    VolumeId: volumeId,
    ...(description !== undefined ? { Description: description } : {}),
    TagSpecifications: tagSpecs(["snapshot"], tags),
    ...(dry ? { DryRun: true } : {}),
  });
}

export const ec2CreateSnapshot = defineStep<Ec2CreateSnapshotParams>({
  type: "ec2.create-snapshot",
  description: "EBS snapshot of a volume, tagged for this run; waits until completed.",
  params: ec2CreateSnapshotParams,
  outputs: EBS_SNAPSHOT_OUTPUTS,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<Ec2CreateSnapshotParams>(ec2CreateSnapshotParams, raw);
    if (!known(params.volumeId)) {
      return {
        action: "create",
        summary: `snapshot volume ${describeValue(params.volumeId)}`,
        resources: [],
        preconditions: problems,
      };
    }
    const volume = await describeVolume(ctx.aws, ctx.account, params.volumeId);
    if (!volume) {
      problems.push(
        failed(
          "VOLUME_NOT_FOUND",
          `volume ${params.volumeId} not found in ${ctx.account.alias} (${ctx.account.region})`,
        ),
      );
    }
    const existing = (await findTaggedSnapshots(ctx.aws, ctx.account, ctx.tags()))[0];
    if (!existing) {
      const description = known(params.description) ? params.description : undefined;
      problems.push(
        await dryRunPreflight(ctx.aws, ctx.account, createCommand(params.volumeId, description, ctx.tags(), true)),
      );
    }
    const sizeGb = existing?.sizeGb ?? volume?.sizeGb;
    const estimate = ebsEstimate(sizeGb);
    return {
      action: existing ? "already-done" : "create",
      summary: existing
        ? `EBS snapshot ${existing.id} of ${params.volumeId} exists`
        : `snapshot volume ${params.volumeId}${volume?.encrypted ? ` (encrypted with ${volume.kmsKeyId})` : " (unencrypted)"}`,
      resources: [existing ? snapshotArn(ctx.account, existing.id) : volumeArn(ctx.account, params.volumeId)],
      preconditions: problems,
      ...(estimate ? { estimate } : {}),
      predictedOutputs: {
        snapshotId: existing?.id ?? laterOutput(ctx, "snapshotId"),
        snapshotArn: existing ? snapshotArn(ctx.account, existing.id) : laterOutput(ctx, "snapshotArn"),
        kmsKeyId: existing?.kmsKeyId ?? volume?.kmsKeyId ?? null,
        encrypted: existing?.encrypted ?? volume?.encrypted ?? false,
        sizeGb: sizeGb ?? null,
      },
      observations: {
        volume: volume
          ? {
              id: volume.id,
              encrypted: volume.encrypted,
              kmsKeyId: volume.kmsKeyId ?? null,
              sizeGb: volume.sizeGb ?? null,
            }
          : null,
        snapshot: ebsSnapshotObservation(existing),
      },
    };
  },

  async run(ctx, params) {
    let sizeGb: number | undefined;
    const { id } = await adoptOrStartSnapshot(ctx, async (recordIntent) => {
      const volume = await describeVolume(ctx.aws, ctx.account, params.volumeId);
      if (!volume) {
        throw new HikkoshiError("VOLUME_NOT_FOUND", `volume ${params.volumeId} not found in ${ctx.account.alias}`, {
          hint: "check the volume id, the account and the region",
          resource: params.volumeId,
        });
      }
      sizeGb = volume.sizeGb;
      recordIntent({ volumeId: params.volumeId });
      const command = createCommand(params.volumeId, params.description, ctx.tags());
      const out = await ctx.aws.mutate(ctx.account.alias, "ec2", command, params.volumeId);
      if (!out.SnapshotId) throw new HikkoshiError("EC2_NO_ID", `CreateSnapshot on ${params.volumeId} returned no id`);
      return out.SnapshotId;
    });
    const info = await waitSnapshotCompleted(ctx, id, sizeGb, {
      code: "EBS_SNAPSHOT_FAILED",
      hint: (sid) =>
        `EBS could not complete the snapshot; check the volume ${params.volumeId} and its KMS key, delete ${sid} and resume`,
    });
    if (info.volumeId !== undefined && info.volumeId !== params.volumeId) {
      throw new HikkoshiError(
        "SNAPSHOT_SOURCE_MISMATCH",
        `${info.id} was taken from ${info.volumeId}, not ${params.volumeId}`,
        {
          hint: "an earlier attempt of this task snapshotted another volume: delete that snapshot and resume",
          resource: snapshotArn(ctx.account, info.id),
        },
      );
    }
    return ebsSnapshotOutputs(ctx, info);
  },
});
