import type { Json } from "../core/json.js";
import type { RunbookCode } from "./codes.js";
import { suggest } from "./diagnostics.js";
import {
  type Expr,
  ExprError,
  escapeTemplate,
  hasTemplate,
  parseExpression,
  splitTemplate,
  unescapeTemplate,
} from "./expr.js";
import { access, interpretPath, type Ref } from "./refs.js";
import type { AccountSpec } from "./types.js";

export type StepRef = Extract<Ref, { root: "steps" }>;

/** What `${{ … }}` can see while substituting one value of one task (or of a recipe before expansion). */
export interface Scope {
  params: Record<string, Json>;
  accounts: Record<string, AccountSpec>;
  /** Whether the step has forEach, and (when resolving) the current item. */
  forEach: boolean;
  item?: { key: string; value: Json };
  /** "keep": leave `item` templates as written (recipe input before expansion). */
  itemMode: "resolve" | "keep";
  /** Steps references: "keep" as written, "forbid" here, or canonicalize (returns the path text). */
  steps: "keep" | "forbid" | ((ref: StepRef, raw: string, path: PropertyKey[]) => string | undefined);
  report(code: RunbookCode, message: string, raw: string, path: PropertyKey[], hint?: string): void;
  /** Parsed `${{ }}` sources, shared by the tasks of a runbook (the same template is in every item's task). */
  parsed?: Map<string, Expr>;
}

/** A reference resolved to a value, to a path text that stays a template, or failed (already reported). */
export type Resolved = { value: unknown } | { keep: string } | { failed: true };

export function resolveRef(ref: Ref, raw: string, scope: Scope, path: PropertyKey[]): Resolved {
  const fail = (code: RunbookCode, message: string, hint?: string): Resolved => {
    scope.report(code, message, raw, path, hint);
    return { failed: true };
  };
  switch (ref.root) {
    case "params": {
      if (!Object.hasOwn(scope.params, ref.name))
        return fail(
          "RB_UNKNOWN_PARAM_REF",
          `unknown param '${ref.name}'`,
          suggest(ref.name, Object.keys(scope.params), "declared params"),
        );
      const got = access(scope.params[ref.name], ref.rest);
      return "missing" in got ? fail("RB_BAD_REFERENCE", `params.${ref.name} has no field '${got.missing}'`) : got;
    }
    case "accounts": {
      const acc = scope.accounts[ref.alias];
      if (!acc)
        return fail(
          "RB_UNKNOWN_ACCOUNT",
          `unknown account '${ref.alias}'`,
          suggest(ref.alias, Object.keys(scope.accounts), "accounts"),
        );
      return { value: acc[ref.field as "id" | "region" | "alias"] };
    }
    case "item": {
      if (!scope.forEach)
        return fail(
          "RB_ITEM_OUTSIDE_FOREACH",
          "'item' is only available in a step with forEach",
          "add forEach to the step, or use params.<name>",
        );
      if (scope.itemMode === "keep" || !scope.item) return { keep: raw };
      const got = access(scope.item.value, ref.rest);
      return "missing" in got
        ? fail("RB_ITEM_FIELD_MISSING", `item '${scope.item.key}' has no field '${got.missing}'`)
        : got;
    }
    case "steps": {
      if (scope.steps === "keep") return { keep: raw };
      if (scope.steps === "forbid")
        return fail("RB_BAD_EXPRESSION", "step outputs are not known here (only params, accounts and item are)");
      const canon = scope.steps(ref, raw, path);
      return canon === undefined ? { failed: true } : { keep: `\${{ ${canon} }}` };
    }
  }
}

/** Substitute every `${{ … }}` in a value (deeply). Unresolvable parts are kept as written. */
export function substitute(value: unknown, scope: Scope, path: PropertyKey[] = []): unknown {
  if (typeof value === "string") return substituteString(value, scope, path);
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, scope, [...path, i]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, scope, [...path, k]);
    return out;
  }
  return value;
}

function substituteString(s: string, scope: Scope, path: PropertyKey[]): unknown {
  if (!hasTemplate(s)) return s;
  let parts: ReturnType<typeof splitTemplate>;
  try {
    parts = splitTemplate(s);
  } catch (err) {
    scope.report("RB_BAD_EXPRESSION", (err as Error).message, s, path);
    return s;
  }
  const resolved = parts.map((p) => (p.kind === "text" ? { value: p.text } : resolvePart(p.src, p.raw, scope, path)));
  // A string that is exactly one template (blanks around allowed) keeps the referenced value's type.
  const sole =
    parts.filter((p) => p.kind === "expr").length === 1 &&
    parts.every((p) => p.kind === "expr" || p.text.trim() === "");
  // Values are data: a `${{` inside one is escaped, so neither this layer nor the run ever evaluates it.
  if (sole) {
    const only = resolved[parts.findIndex((p) => p.kind === "expr")]!;
    return "value" in only ? escapeValue(only.value) : "keep" in only ? only.keep : s;
  }
  return resolved
    .map((r, i) => {
      if ("value" in r) return escapeTemplate(typeof r.value === "string" ? r.value : JSON.stringify(r.value));
      if ("keep" in r) return r.keep;
      const p = parts[i]!;
      return p.kind === "expr" ? p.raw : escapeTemplate(p.text);
    })
    .join("");
}

/** Data → the template-level value that means it: strings holding `${{` escaped (copied only then). */
export function escapeValue(v: unknown): unknown {
  return mapStrings(v, escapeTemplate);
}

/** Template-level value → data, for values without references (forEach items, account aliases, checks). */
export function unescapeValue(v: unknown): unknown {
  return mapStrings(v, unescapeTemplate);
}

function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === "string") return f(v);
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out = v.map((x) => mapStrings(x, f));
    return out.every((x, i) => x === v[i]) ? v : out;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = mapStrings(x, f);
    if (out[k] !== x) changed = true;
  }
  return changed ? out : v;
}

function resolvePart(src: string, raw: string, scope: Scope, path: PropertyKey[]): Resolved {
  try {
    let e = scope.parsed?.get(src);
    if (!e) {
      e = parseExpression(src);
      scope.parsed?.set(src, e);
    }
    if (e.kind !== "path") {
      scope.report(
        "RB_BAD_EXPRESSION",
        "only a reference is allowed inside a value's ${{ }}",
        raw,
        path,
        "operators belong in 'if'",
      );
      return { failed: true };
    }
    const ref = interpretPath(e.segs);
    if (typeof ref === "string") {
      scope.report("RB_BAD_REFERENCE", ref, raw, path);
      return { failed: true };
    }
    return resolveRef(ref, raw, scope, path);
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    scope.report("RB_BAD_EXPRESSION", `${err.message} in '${raw}'`, raw, path);
    return { failed: true };
  }
}
