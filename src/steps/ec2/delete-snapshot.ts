/**
 * ec2.delete-snapshot: remove an intermediate EBS snapshot this run created (the re-encrypted shared
 * copy, the snapshot of the volume) once the target's own copy completed. Destructive and irreversible:
 * flagged in the plan, confirmed before it acts, and it refuses anything without this run's tag.
 */
import { z } from "zod";
import { AwsError } from "../../aws/errors.js";
import { ec2 } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import { defineStep, type PlanResult } from "../define.js";
import { RUN_TAG } from "../shared/ownership.js";
import { describeValue, known, planParams } from "../shared/plan.js";
import { dryRunPreflight } from "./dry-run.js";
import { describeEbsSnapshot, ebsSnapshotObservation, snapshotArn } from "./read.js";
import { ebsSnapshotIdSchema } from "./schemas.js";
import { refuseUnlessOurs } from "./write.js";

export const ec2DeleteSnapshotParams = z.strictObject({
  snapshot: ebsSnapshotIdSchema.describe("EBS snapshot of this account that this run created."),
});
export type Ec2DeleteSnapshotParams = z.infer<typeof ec2DeleteSnapshotParams>;

export const ec2DeleteSnapshot = defineStep<Ec2DeleteSnapshotParams>({
  type: "ec2.delete-snapshot",
  description: "Delete an intermediate EBS snapshot created by this run (destructive; refuses anything else).",
  params: ec2DeleteSnapshotParams,
  outputs: { deleted: "Id of the deleted snapshot" },
  destructive: true,
  irreversible: true,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<Ec2DeleteSnapshotParams>(ec2DeleteSnapshotParams, raw);
    const base = {
      action: "delete" as const,
      destructive: true,
      irreversible: true,
      danger: "intermediate" as const,
      preconditions: problems,
    };
    if (!known(params.snapshot)) {
      return {
        ...base,
        summary: `delete ${describeValue(params.snapshot)} once the target copy completed (only if this run created it)`,
        resources: [],
      };
    }
    const info = await describeEbsSnapshot(ctx.aws, ctx.account, params.snapshot);
    if (info) {
      const dry = new ec2.DeleteSnapshotCommand({ SnapshotId: info.id, DryRun: true });
      problems.push(await dryRunPreflight(ctx.aws, ctx.account, dry));
    }
    return {
      ...base,
      summary: info
        ? `delete EBS snapshot ${info.id} (and every share of it), only if run tag ${RUN_TAG} is this run's`
        : `delete ${params.snapshot} after the target copy completed (not there yet: an earlier task makes it)`,
      resources: [snapshotArn(ctx.account, params.snapshot)],
      observations: { snapshot: ebsSnapshotObservation(info) },
    };
  },

  async run(ctx, params) {
    const arn = snapshotArn(ctx.account, params.snapshot);
    const info = await describeEbsSnapshot(ctx.aws, ctx.account, params.snapshot);
    if (!info) {
      ctx.log.info(`${params.snapshot} is already gone`);
      return { deleted: params.snapshot };
    }
    refuseUnlessOurs(ctx, "EBS snapshot", info.id, info.ownerId, info.tags, arn);
    ctx.saveProgress({ deleting: info.id });
    try {
      await ctx.aws.mutate(ctx.account.alias, "ec2", new ec2.DeleteSnapshotCommand({ SnapshotId: info.id }), arn);
    } catch (err) {
      // Deleted between our look and our call (a resumed attempt): the goal is reached.
      if ((await describeEbsSnapshot(ctx.aws, ctx.account, info.id)) !== undefined) {
        if (err instanceof AwsError && err.awsCode === "InvalidSnapshot.InUse") {
          throw new HikkoshiError("SNAPSHOT_IN_USE", `${info.id} still backs an AMI and cannot be deleted`, {
            hint: "deregister the AMI first (ec2.deregister-image deletes the snapshots this run made)",
            resource: arn,
            cause: err,
          });
        }
        throw err;
      }
    }
    return { deleted: info.id };
  },
});
