/**
 * rds.delete-snapshot: remove an intermediate snapshot this run created (the re-encrypted, shared copy and
 * the manual snapshot it came from) once the target's own copy is available. Destructive and irreversible:
 * flagged in the plan, confirmed before it acts, and it refuses anything this run did not create.
 */
import { z } from "zod";
import { rds } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import { defineStep, type PlanResult } from "../define.js";
import { RUN_TAG } from "../shared/ownership.js";
import { describeValue, known, planParams } from "../shared/plan.js";
import { describeSnapshot, NOUN, snapshotObservation } from "./read.js";
import { snapshotKindSchema } from "./schemas.js";

export const rdsDeleteSnapshotParams = z.strictObject({
  snapshot: z.string().min(1).describe("Identifier of a manual snapshot in this account that this run created."),
  kind: snapshotKindSchema,
});
export type RdsDeleteSnapshotParams = z.infer<typeof rdsDeleteSnapshotParams>;

const GONE_TIMEOUT_MS = 2 * 60 * 60 * 1000;

export const rdsDeleteSnapshot = defineStep<RdsDeleteSnapshotParams>({
  type: "rds.delete-snapshot",
  description: "Delete an intermediate snapshot created by this run (destructive; refuses anything else).",
  params: rdsDeleteSnapshotParams,
  outputs: { deleted: "Identifier of the deleted snapshot" },
  destructive: true,
  irreversible: true,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<RdsDeleteSnapshotParams>(rdsDeleteSnapshotParams, raw);
    const kind = known(params.kind) ? params.kind : "instance";
    if (!known(params.snapshot)) {
      return {
        action: "delete",
        summary: `delete ${describeValue(params.snapshot)} once the target copy is available (only if this run created it)`,
        resources: [],
        destructive: true,
        irreversible: true,
        danger: "intermediate",
        preconditions: problems,
      };
    }
    const info = await describeSnapshot(ctx.aws, ctx.account, kind, params.snapshot);
    return {
      action: "delete",
      summary: info
        ? `delete ${NOUN[kind]} ${info.id} (and every share of it)`
        : `delete ${params.snapshot} after the target copy is available (not there yet: an earlier task makes it)`,
      resources: [info?.arn ?? params.snapshot],
      destructive: true,
      irreversible: true,
      danger: "intermediate",
      preconditions: problems,
      observations: { snapshot: snapshotObservation(info) },
    };
  },

  async run(ctx, params) {
    const { kind, snapshot } = params;
    const ours = ctx.tags()[RUN_TAG];
    const info = await describeSnapshot(ctx.aws, ctx.account, kind, snapshot);
    if (info && info.status !== "deleting") {
      if (info.type !== "manual" || info.tags[RUN_TAG] !== ours) {
        throw new HikkoshiError(
          "NOT_OURS",
          `${NOUN[kind]} ${info.id} was not created by run ${ours}; hikkoshi deletes only its own intermediates`,
          { hint: "delete it yourself after checking it is not needed", resource: info.arn },
        );
      }
      const command =
        kind === "instance"
          ? new rds.DeleteDBSnapshotCommand({ DBSnapshotIdentifier: info.id })
          : new rds.DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: info.id });
      ctx.saveProgress({ deleting: info.id });
      try {
        await ctx.aws.mutate(ctx.account.alias, "rds", command, info.arn);
      } catch (err) {
        // Deleted between our look and our call (a resumed attempt): the goal is reached.
        if ((await describeSnapshot(ctx.aws, ctx.account, kind, snapshot)) !== undefined) throw err;
      }
    }
    await ctx.wait({
      what: `${NOUN[kind]} ${snapshot} deleted`,
      timeoutMs: GONE_TIMEOUT_MS,
      intervalMs: 10_000,
      poll: async () => ({ done: (await describeSnapshot(ctx.aws, ctx.account, kind, snapshot)) === undefined }),
    });
    return { deleted: snapshot };
  },
});
