/**
 * Plan-time helpers. At plan time a param may be an Unresolved marker (its value comes from a step that
 * has not run yet), so params are checked field by field and the markers are kept for the step to plan
 * around.
 */
import type { z } from "zod";
import type { Json } from "../../core/json.js";
import { isUnresolved, type Precondition, type Unresolved } from "../define.js";

export type Planned<T> = { [K in keyof T]: T[K] | Unresolved };

function hasUnresolved(value: unknown): boolean {
  if (isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(hasUnresolved);
  return false;
}

/**
 * Validates what is known: each field that holds no Unresolved marker against its schema (defaults
 * applied), and the object-level refinements when nothing is unresolved. Problems become preconditions.
 */
export function planParams<T>(
  schema: z.ZodObject<any>,
  raw: Record<string, unknown>,
): { params: Planned<T>; problems: Precondition[] } {
  const problems: Precondition[] = [];
  const params: Record<string, unknown> = {};
  let anyUnresolved = false;
  for (const [key, fieldSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const value = raw[key];
    if (hasUnresolved(value)) {
      anyUnresolved = true;
      params[key] = value;
      continue;
    }
    const parsed = fieldSchema.safeParse(value);
    if (parsed.success) {
      if (parsed.data !== undefined) params[key] = parsed.data;
    } else {
      problems.push(paramProblem(key, parsed.error.issues[0]?.message ?? "invalid"));
    }
  }
  if (!anyUnresolved && problems.length === 0) {
    const whole = schema.safeParse(raw);
    if (!whole.success) {
      for (const issue of whole.error.issues)
        problems.push(paramProblem(issue.path.join(".") || "with", issue.message));
    }
  }
  return { params: params as Planned<T>, problems };
}

function paramProblem(key: string, message: string): Precondition {
  return { ok: false, code: "PARAM_INVALID", message: `with.${key}: ${message}`, severity: "error" };
}

export function known<T>(value: T | Unresolved | undefined): value is T {
  return value !== undefined && !isUnresolved(value);
}

/** "key from steps.share-key.outputs.keyArn" for summaries. */
export function describeValue(value: unknown): string {
  if (isUnresolved(value)) return `(from ${value.$unresolved})`;
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function failed(code: string, message: string, hint?: string): Precondition {
  return { ok: false, code, message, severity: "error", ...(hint ? { hint } : {}) };
}

export function warning(code: string, message: string, hint?: string): Precondition {
  return { ok: false, code, message, severity: "warning", ...(hint ? { hint } : {}) };
}

/** A check that passed, kept for the record (the planner shows only failing ones). */
export function passed(code: string, message: string): Precondition {
  return { ok: true, code, message, severity: "warning" };
}

/** RDS copies and snapshots: ~24 s per GB is the documented heuristic we plan with. */
export const RDS_SECONDS_PER_GB = 24;

export function rdsEstimate(sizeGb: number | undefined, note?: string) {
  if (sizeGb === undefined) return note ? { note } : undefined;
  return {
    sizeGb,
    durationSeconds: Math.max(60, Math.round(sizeGb * RDS_SECONDS_PER_GB)),
    note: note ?? `~${RDS_SECONDS_PER_GB} s per GB (heuristic)`,
  };
}

export function jsonOrNull(value: Json | undefined): Json {
  return value === undefined ? null : value;
}

/** Marker for one of this task's own outputs that only the run will know. */
export function laterOutput(ctx: { stepId: string; itemKey: string | undefined }, name: string): Unresolved {
  const item = ctx.itemKey === undefined ? "" : `[${ctx.itemKey}]`;
  return { $unresolved: `steps.${ctx.stepId}${item}.outputs.${name}` };
}
