/** noop: does nothing; a join point for `needs`, or a placeholder. */
import { z } from "zod";
import { defineStep, type PlanResult } from "../define.js";

export const noopParams = z.strictObject({});
export type NoopParams = z.infer<typeof noopParams>;

export const noop = defineStep<NoopParams>({
  type: "noop",
  description: "Does nothing (a join point for needs).",
  params: noopParams,
  outputs: {},
  async plan(): Promise<PlanResult> {
    return { action: "noop", summary: "nothing to do", resources: [], preconditions: [] };
  },
  async run() {
    return {};
  },
});
