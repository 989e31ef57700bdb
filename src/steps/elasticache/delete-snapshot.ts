/**
 * elasticache.delete-snapshot: remove a snapshot this run created (the move's intermediate) once its files
 * are copied and verified. Destructive: confirmed before it acts, and it refuses a snapshot that does not
 * carry this run's tag. A snapshot already gone is done (an attempt that crashed after the call).
 */
import { z } from "zod";
import { elasticache } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import { defineStep, type PlanResult } from "../define.js";
import { RUN_TAG } from "../shared/ownership.js";
import { describeValue, failed, known, planParams } from "../shared/plan.js";
import { describeSnapshot, resourceTags, type SnapshotKind } from "./read.js";

export const elasticacheDeleteSnapshotParams = z.strictObject({
  snapshot: z.string().min(1).describe("Snapshot this run created (the snapshotName output of create-snapshot)."),
  kind: z.enum(["node-based", "serverless"]).default("node-based").describe('"node-based" or "serverless".'),
});
export type ElasticacheDeleteSnapshotParams = z.infer<typeof elasticacheDeleteSnapshotParams>;

export const elasticacheDeleteSnapshot = defineStep<ElasticacheDeleteSnapshotParams>({
  type: "elasticache.delete-snapshot",
  description: "Delete an ElastiCache snapshot this run created (destructive; refuses anything else).",
  params: elasticacheDeleteSnapshotParams,
  outputs: { deleted: "name of the deleted snapshot" },
  destructive: true,
  irreversible: true,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<ElasticacheDeleteSnapshotParams>(elasticacheDeleteSnapshotParams, raw);
    const base = {
      action: "delete" as const,
      destructive: true,
      irreversible: true,
      danger: "intermediate" as const,
      resources: [] as string[],
      preconditions: problems,
    };
    if (!known(params.snapshot)) {
      return {
        ...base,
        summary: `delete ${describeValue(params.snapshot)} once its files are copied (only if this run created it)`,
      };
    }
    const snap = await describeSnapshot(
      ctx.aws,
      ctx.account,
      params.snapshot,
      (params.kind ?? "node-based") as SnapshotKind,
    );
    if (snap) {
      const tags = await resourceTags(ctx.aws, ctx.account.alias, snap.arn);
      if (tags[RUN_TAG] === undefined) {
        problems.push(failed("RESOURCE_NOT_OURS", `snapshot ${params.snapshot} was not created by hikkoshi`));
      }
    }
    return { ...base, summary: `delete snapshot ${params.snapshot} (this run's intermediate)` };
  },

  async run(ctx, params) {
    const kind = params.kind as SnapshotKind;
    const snap = await describeSnapshot(ctx.aws, ctx.account, params.snapshot, kind);
    if (!snap) return { deleted: params.snapshot };
    const tags = await resourceTags(ctx.aws, ctx.account.alias, snap.arn);
    const runTag = ctx.tags()[RUN_TAG];
    if (tags[RUN_TAG] !== runTag) {
      throw new HikkoshiError(
        "RESOURCE_NOT_OURS",
        `refusing to delete snapshot ${params.snapshot}: it does not carry this run's tag (${RUN_TAG}=${runTag})`,
        { hint: "hikkoshi deletes only what this run created", resource: params.snapshot },
      );
    }
    if (snap.status !== "deleting") {
      await ctx.aws.mutate(
        ctx.account.alias,
        "elasticache",
        kind === "serverless"
          ? new elasticache.DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: params.snapshot })
          : new elasticache.DeleteSnapshotCommand({ SnapshotName: params.snapshot }),
        params.snapshot,
      );
    }
    return { deleted: params.snapshot };
  },
});
