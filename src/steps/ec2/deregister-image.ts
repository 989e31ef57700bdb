/**
 * ec2.deregister-image: remove an intermediate AMI this run created (the re-encrypted shared copy) and,
 * after deregistering it, the snapshots behind it that carry this run's tag. Destructive and
 * irreversible; refuses an AMI without this run's tag. Snapshots someone else made are left alone.
 */
import { z } from "zod";
import { ec2 } from "../../aws/sdk.js";
import { defineStep, type PlanResult } from "../define.js";
import { RUN_TAG } from "../shared/ownership.js";
import { describeValue, known, planParams } from "../shared/plan.js";
import { dryRunPreflight } from "./dry-run.js";
import { amiObservation, describeAmi, describeEbsSnapshot, imageArn, snapshotArn } from "./read.js";
import { amiIdSchema } from "./schemas.js";
import { refuseUnlessOurs } from "./write.js";

export const ec2DeregisterImageParams = z.strictObject({
  image: amiIdSchema.describe("AMI of this account that this run created."),
});
export type Ec2DeregisterImageParams = z.infer<typeof ec2DeregisterImageParams>;

function savedSnapshots(progress: Record<string, unknown> | undefined): string[] {
  const list = progress?.snapshots;
  return Array.isArray(list) ? list.filter((s): s is string => typeof s === "string") : [];
}

export const ec2DeregisterImage = defineStep<Ec2DeregisterImageParams>({
  type: "ec2.deregister-image",
  description: "Deregister an intermediate AMI created by this run and delete its snapshots this run made.",
  params: ec2DeregisterImageParams,
  outputs: { deregistered: "Id of the deregistered AMI", deletedSnapshots: "Snapshots deleted after it" },
  destructive: true,
  irreversible: true,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<Ec2DeregisterImageParams>(ec2DeregisterImageParams, raw);
    const base = {
      action: "delete" as const,
      destructive: true,
      irreversible: true,
      danger: "intermediate" as const,
      preconditions: problems,
    };
    if (!known(params.image)) {
      return {
        ...base,
        summary: `deregister ${describeValue(params.image)} and delete its snapshots once the target copy is available (only if this run created them)`,
        resources: [],
      };
    }
    const image = await describeAmi(ctx.aws, ctx.account, params.image);
    const snapshots = image?.devices.flatMap((d) => (d.snapshotId ? [d.snapshotId] : [])) ?? [];
    if (image) {
      const dry = new ec2.DeregisterImageCommand({ ImageId: image.id, DryRun: true });
      problems.push(await dryRunPreflight(ctx.aws, ctx.account, dry));
    }
    return {
      ...base,
      summary: image
        ? `deregister AMI ${image.id} and delete ${snapshots.join(", ") || "its snapshots"} (only what carries run tag ${RUN_TAG} of this run)`
        : `deregister ${params.image} after the target copy is available (not there yet: an earlier task makes it)`,
      resources: [imageArn(ctx.account, params.image), ...snapshots.map((s) => snapshotArn(ctx.account, s))],
      observations: { image: amiObservation(image) },
    };
  },

  async run(ctx, params) {
    const arn = imageArn(ctx.account, params.image);
    const image = await describeAmi(ctx.aws, ctx.account, params.image);
    // The snapshot list is saved before deregistering: afterwards the AMI no longer tells it.
    let snapshots = savedSnapshots(ctx.progress);
    if (image && image.state !== "deregistered") {
      refuseUnlessOurs(ctx, "AMI", image.id, image.ownerId, image.tags, arn);
      snapshots = image.devices.flatMap((d) => (d.snapshotId ? [d.snapshotId] : []));
      ctx.saveProgress({ image: image.id, snapshots });
      await ctx.aws.mutate(ctx.account.alias, "ec2", new ec2.DeregisterImageCommand({ ImageId: image.id }), arn);
    }
    const deleted: string[] = [];
    for (const id of snapshots) {
      const info = await describeEbsSnapshot(ctx.aws, ctx.account, id);
      if (!info) {
        deleted.push(id); // gone already (an earlier attempt deleted it)
        continue;
      }
      const ours = info.tags[RUN_TAG] === ctx.tags()[RUN_TAG] && info.ownerId === ctx.account.id;
      if (!ours) {
        ctx.log.warn(`${id} (behind ${params.image}) was not created by this run: left in place`);
        continue;
      }
      await ctx.aws.mutate(
        ctx.account.alias,
        "ec2",
        new ec2.DeleteSnapshotCommand({ SnapshotId: id }),
        snapshotArn(ctx.account, id),
      );
      deleted.push(id);
    }
    return { deregistered: params.image, deletedSnapshots: deleted };
  },
});
