import { z } from "zod";
import type { AccountParams } from "../steps/define.js";
import type { DiagnosticSink, Where } from "./diagnostics.js";
import { suggest } from "./diagnostics.js";
import { hasTemplate, unescapeTemplate } from "./expr.js";
import { unescapeValue } from "./scope.js";
import type { AccountSpec } from "./types.js";

export interface ParamsTarget {
  params: z.ZodType<unknown>;
  accountParams?: AccountParams;
}

export interface CheckArgs {
  target: ParamsTarget;
  /**
   * The step's `with` after substitution; templates left in it are step-output references (and `$${{` is
   * a `${{` that came from a value: text).
   */
  value: Record<string, unknown>;
  accounts: Record<string, AccountSpec>;
  sink: DiagnosticSink;
  /** Prefix for messages, e.g. "step 'db'" or "db.copy (from recipe rds.move-snapshot)". */
  label: string;
  /** Where a path points: its key (for unknown keys) or its value. */
  where(path: PropertyKey[], part: "key" | "value", find?: string): Where;
}

/** Validate `with` against the type's zod schema; issues under a step-output reference are dropped. */
export function checkParams(a: CheckArgs): void {
  const schema = a.target.params;
  const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, unknown>) : undefined;
  const names = shape ? Object.keys(shape) : [];
  // A plain z.object strips unknown keys silently; a misspelt key must still be reported.
  if (shape && (schema as z.ZodObject).def.catchall === undefined) {
    for (const k of Object.keys(a.value)) if (!names.includes(k)) unknownKey(a, [k], names);
  }
  // What the step type will be given (escapes removed); references are left to the run.
  const view = unescapeValue(a.value);
  const res = schema.safeParse(view);
  if (!res.success) {
    for (const issue of res.error.issues) {
      const path = issue.path as PropertyKey[];
      if (underReference(a.value, path)) continue;
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys) unknownKey(a, [...path, k], path.length === 0 ? names : []);
      } else if (issue.code === "invalid_type" && valueAt(view, path) === undefined) {
        a.sink.report(
          "RB_MISSING_PARAM",
          `${a.label}: missing required parameter '${dotted(path)}'`,
          a.where(path.slice(0, -1), "value"),
          {
            hint: `add '${String(path[path.length - 1])}:' under with (expected ${issue.expected})`,
          },
        );
      } else {
        const v = valueAt(view, path);
        const find = typeof v === "string" ? v : undefined;
        a.sink.report(
          "RB_INVALID_PARAM",
          `${a.label}: parameter '${dotted(path)}': ${issue.message}`,
          a.where(path, "value", find),
        );
      }
    }
  }
  checkAccountParams(a);
}

function unknownKey(a: CheckArgs, path: PropertyKey[], candidates: string[]): void {
  const key = String(path[path.length - 1]);
  const hint = suggest(key, candidates, "parameters");
  a.sink.report(
    "RB_UNKNOWN_PARAM",
    `${a.label}: unknown parameter '${dotted(path)}'`,
    a.where(path, "key"),
    hint === undefined ? {} : { hint },
  );
}

function checkAccountParams(a: CheckArgs): void {
  const aliases = Object.keys(a.accounts);
  const check = (written: unknown, path: PropertyKey[], allowId: boolean) => {
    if (typeof written !== "string" || hasTemplate(written)) return;
    const v = unescapeTemplate(written);
    if (Object.hasOwn(a.accounts, v)) return;
    if (allowId && /^\d{12}$/.test(v)) return;
    const hint = suggest(v, aliases, "accounts");
    a.sink.report(
      "RB_UNKNOWN_ACCOUNT",
      `unknown account '${v}'`,
      a.where(path, "value", v),
      hint === undefined ? {} : { hint },
    );
  };
  for (const k of a.target.accountParams?.single ?? []) check(a.value[k], [k], false);
  for (const k of a.target.accountParams?.list ?? []) {
    const list = a.value[k];
    if (!Array.isArray(list)) continue;
    for (const [i, v] of list.entries()) check(v, [k, i], true);
  }
}

function valueAt(v: unknown, path: PropertyKey[]): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** True when the value at the path, or at any prefix of it, still holds a step-output reference. */
function underReference(v: unknown, path: PropertyKey[]): boolean {
  for (let i = 0; i <= path.length; i++) {
    const x = valueAt(v, path.slice(0, i));
    if (typeof x === "string" && hasTemplate(x)) return true;
  }
  return false;
}

function dotted(path: PropertyKey[]): string {
  return path.map(String).join(".");
}
