import type { RunContext } from "../define.js";

/** The progress field a step saved, when it is a string. */
export function savedString(ctx: RunContext, key: string): string | undefined {
  const value = ctx.progress?.[key];
  return typeof value === "string" ? value : undefined;
}
