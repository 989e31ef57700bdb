/** rds.wait-snapshot: wait until a snapshot made elsewhere (another tool, another account) is available. */
import { z } from "zod";
import { defineStep, type PlanResult } from "../define.js";
import { describeValue, failed, known, planParams, rdsEstimate, warning } from "../shared/plan.js";
import { describeSnapshot, isFailedStatus, NOUN, snapshotObservation } from "./read.js";
import { snapshotKindSchema } from "./schemas.js";
import { SNAPSHOT_OUTPUTS, snapshotOutputs, waitAvailable } from "./write.js";

export const rdsWaitSnapshotParams = z.strictObject({
  snapshot: z.string().min(1).describe("Snapshot identifier in this account, or the ARN of a snapshot shared with it."),
  kind: snapshotKindSchema,
});
export type RdsWaitSnapshotParams = z.infer<typeof rdsWaitSnapshotParams>;

export const rdsWaitSnapshot = defineStep<RdsWaitSnapshotParams>({
  type: "rds.wait-snapshot",
  description: "Wait until an RDS/Aurora snapshot is available (one this runbook did not create).",
  params: rdsWaitSnapshotParams,
  outputs: SNAPSHOT_OUTPUTS,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<RdsWaitSnapshotParams>(rdsWaitSnapshotParams, raw);
    const kind = known(params.kind) ? params.kind : "instance";
    if (!known(params.snapshot)) {
      return {
        action: "wait",
        summary: `wait for ${describeValue(params.snapshot)}`,
        resources: [],
        preconditions: problems,
      };
    }
    const info = await describeSnapshot(ctx.aws, ctx.account, kind, params.snapshot);
    if (!info) {
      problems.push(
        warning(
          "SNAPSHOT_NOT_FOUND_YET",
          `${NOUN[kind]} ${params.snapshot} is not visible from ${ctx.account.alias} yet`,
        ),
      );
    } else if (isFailedStatus(info.status)) {
      problems.push(failed("SNAPSHOT_FAILED", `${NOUN[kind]} ${info.id} is ${info.status}`));
    }
    const estimate = info && info.status !== "available" ? rdsEstimate(info.sizeGb) : undefined;
    return {
      action: info?.status === "available" ? "already-done" : "wait",
      summary: info ? `${NOUN[kind]} ${info.id} is ${info.status}` : `wait for ${params.snapshot}`,
      resources: [info?.arn || params.snapshot],
      preconditions: problems,
      ...(estimate ? { estimate } : {}),
      ...(info ? { predictedOutputs: snapshotOutputs(info) } : {}),
      observations: { snapshot: snapshotObservation(info) },
    };
  },

  async run(ctx, params) {
    return snapshotOutputs(await waitAvailable(ctx, params.kind, params.snapshot));
  },
});
