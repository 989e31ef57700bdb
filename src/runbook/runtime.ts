import { HikkoshiError } from "../core/errors.js";
import type { Unresolved } from "../steps/define.js";
import { evaluate, truthy, UNKNOWN } from "./condition.js";
import { type Expr, parseExpression, soleTemplate, splitTemplate } from "./expr.js";
import { interpretPath, taskIdOf } from "./refs.js";
import type { TaskSpec } from "./types.js";

export type OutputLookup = (taskId: string) => Record<string, unknown> | undefined;
export type ResolveMode = "run" | "plan";

function isUnresolvedValue(v: unknown): v is Unresolved {
  return typeof v === "object" && v !== null && "$unresolved" in v;
}

/** The output a canonical path names, or UNKNOWN in plan mode when it is not there (yet). */
function lookupPath(text: string, outputs: OutputLookup, mode: ResolveMode, taskId: string | undefined): unknown {
  const e = parseExpression(text);
  const ref = e.kind === "path" ? interpretPath(e.segs) : "not a reference";
  if (typeof ref === "string" || ref.root !== "steps")
    throw new HikkoshiError("RB_BAD_EXPRESSION", `'${text}' is not a step output reference`, {
      hint: "tasks hold only canonical step references",
    });
  const target = taskIdOf(ref.stepId, ref.key);
  const out = outputs(target);
  if (out && Object.hasOwn(out, ref.output) && !(mode === "plan" && isUnresolvedValue(out[ref.output])))
    return out[ref.output];
  if (mode === "plan") return UNKNOWN;
  throw new HikkoshiError("RB_OUTPUT_MISSING", `task ${target} has no output '${ref.output}'`, {
    hint: out
      ? "the step finished without this output; check the step type's outputs"
      : "the task it comes from has not finished",
    ...(taskId === undefined ? {} : { resource: taskId }),
  });
}

/**
 * A task's params with step-output references replaced. "run": missing outputs throw RB_OUTPUT_MISSING.
 * "plan": a missing output becomes `{ $unresolved: "<reference text>" }`; a string that interpolates one
 * becomes `{ $unresolved: "<the whole string>" }`.
 */
export function resolveTaskParams(task: TaskSpec, outputs: OutputLookup, mode: ResolveMode): Record<string, unknown> {
  return resolveValue(task.with, outputs, mode, task.id) as Record<string, unknown>;
}

function resolveValue(v: unknown, outputs: OutputLookup, mode: ResolveMode, taskId: string): unknown {
  if (typeof v === "string") return resolveString(v, outputs, mode, taskId);
  if (Array.isArray(v)) return v.map((x) => resolveValue(x, outputs, mode, taskId));
  if (v !== null && typeof v === "object") {
    if (isUnresolvedValue(v)) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveValue(x, outputs, mode, taskId)]));
  }
  return v;
}

function resolveString(s: string, outputs: OutputLookup, mode: ResolveMode, taskId: string): unknown {
  if (!s.includes("${{")) return s;
  const sole = soleTemplate(s);
  if (sole !== undefined) {
    const v = lookupPath(sole.trim(), outputs, mode, taskId);
    return v === UNKNOWN ? { $unresolved: sole.trim() } : v;
  }
  let unknown = false;
  const text = splitTemplate(s)
    .map((p) => {
      if (p.kind === "text") return p.text;
      const v = lookupPath(p.src.trim(), outputs, mode, taskId);
      if (v === UNKNOWN) unknown = true;
      return typeof v === "string" ? v : JSON.stringify(v);
    })
    .join("");
  return unknown ? { $unresolved: s } : text;
}

/**
 * Evaluate a task's `if` (as stored in TaskSpec.if; a `${{ }}` wrapper is accepted too). "run": a
 * boolean, missing outputs throw. "plan": undefined when it depends on an output not known yet.
 */
export function evaluateCondition(expr: string, outputs: OutputLookup, mode: "run"): boolean;
export function evaluateCondition(expr: string, outputs: OutputLookup, mode: "plan"): boolean | undefined;
export function evaluateCondition(expr: string, outputs: OutputLookup, mode: ResolveMode): boolean | undefined;
export function evaluateCondition(expr: string, outputs: OutputLookup, mode: ResolveMode): boolean | undefined {
  // Stored conditions are bare expressions; a string literal in one may hold `${{` (from a param's value).
  const wrapped = expr.trimStart().startsWith("${{") ? soleTemplate(expr) : undefined;
  const ast = parseExpression(wrapped ?? expr);
  const v = evaluate(ast, (p: Extract<Expr, { kind: "path" }>) => lookupPath(p.text, outputs, mode, undefined));
  return v === UNKNOWN ? undefined : truthy(v);
}
