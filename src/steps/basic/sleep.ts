/**
 * sleep: wait a fixed time on the engine's clock. The wake-up time is saved before the wait, so a
 * resumed run sleeps only what is left.
 */
import { z } from "zod";
import { defineStep, type PlanResult } from "../define.js";
import { describeValue, planParams } from "../shared/plan.js";

const WEEK_SECONDS = 7 * 24 * 60 * 60;

export const sleepParams = z.strictObject({
  seconds: z.number().positive().max(WEEK_SECONDS).describe("How long to wait, in seconds (at most a week)."),
});
export type SleepParams = z.infer<typeof sleepParams>;

export const sleep = defineStep<SleepParams>({
  type: "sleep",
  description: "Wait a fixed number of seconds (resumable).",
  params: sleepParams,
  outputs: { until: "ISO time the sleep ended" },

  async plan(_ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<SleepParams>(sleepParams, raw);
    const seconds = typeof params.seconds === "number" ? params.seconds : undefined;
    return {
      action: "wait",
      summary: `sleep ${describeValue(params.seconds)} s`,
      resources: [],
      preconditions: problems,
      ...(seconds !== undefined ? { estimate: { durationSeconds: seconds } } : {}),
    };
  },

  async run(ctx, params) {
    const ms = params.seconds * 1000;
    const saved = ctx.progress?.until;
    const until = typeof saved === "number" ? saved : ctx.clock.now() + ms;
    if (typeof saved !== "number") ctx.saveProgress({ until });
    await ctx.wait<true>({
      what: `sleep until ${new Date(until).toISOString()}`,
      timeoutMs: ms + Math.max(60_000, ms / 10),
      intervalMs: Math.min(1_000, ms),
      maxIntervalMs: Math.max(1_000, Math.min(60_000, ms / 10)),
      poll: async () => {
        const left = until - ctx.clock.now();
        if (left <= 0) return { done: true, value: true, percent: 100 };
        return {
          done: false,
          percent: Math.round((100 * (ms - left)) / ms),
          message: `${Math.ceil(left / 1000)} s left`,
        };
      },
    });
    return { until: new Date(until).toISOString() };
  },
});
