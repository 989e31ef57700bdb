/** manual: show instructions and block until someone approves (interactively or `hikkoshi approve`). */
import { z } from "zod";
import { HikkoshiError } from "../../core/errors.js";
import { defineStep, type PlanResult } from "../define.js";
import { describeValue, planParams } from "../shared/plan.js";

export const manualParams = z.strictObject({
  instructions: z
    .string()
    .min(1)
    .describe("What the operator must do before approving. Shown when the step is reached."),
});
export type ManualParams = z.infer<typeof manualParams>;

export const manual = defineStep<ManualParams>({
  type: "manual",
  description: "A human step: show instructions and wait for approval.",
  params: manualParams,
  outputs: { approved: "true once approved" },

  async plan(_ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<ManualParams>(manualParams, raw);
    const first = describeValue(params.instructions).split("\n")[0] ?? "";
    return { action: "manual", summary: `manual: ${first}`, resources: [], preconditions: problems };
  },

  async run(ctx, params) {
    const outcome = await ctx.awaitApproval(params.instructions);
    if (outcome === "rejected") {
      throw new HikkoshiError("APPROVAL_REJECTED", `manual step ${ctx.taskId} was rejected`, {
        hint: "fix what the operator found, then `hikkoshi resume` asks again (or edit the runbook)",
        resource: ctx.taskId,
      });
    }
    return { approved: true };
  },
});
