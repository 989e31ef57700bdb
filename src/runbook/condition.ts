import { stableStringify } from "../core/hash.js";
import { type Expr, printExpr, soleTemplate } from "./expr.js";
import { interpretPath } from "./refs.js";
import { resolveRef, type Scope } from "./scope.js";

export const UNKNOWN: unique symbol = Symbol("unknown");

export function truthy(v: unknown): boolean {
  return Boolean(v);
}

/** Equality on values: deep, by stable JSON (so 1 == 1, "a" == "a", [1] == [1]; "1" != 1). */
export function same(a: unknown, b: unknown): boolean {
  return stableStringify(a ?? null) === stableStringify(b ?? null);
}

/**
 * Evaluate with three-valued logic: `path` returns a value or UNKNOWN; `&&`/`||` short-circuit so a known
 * side can decide the result even when the other is unknown.
 */
export function evaluate(e: Expr, path: (p: Extract<Expr, { kind: "path" }>) => unknown): unknown {
  switch (e.kind) {
    case "lit":
      return e.value;
    case "path":
      return path(e);
    case "not": {
      const v = evaluate(e.expr, path);
      return v === UNKNOWN ? UNKNOWN : !truthy(v);
    }
    case "bin": {
      const l = evaluate(e.left, path);
      if (e.op === "&&" && l !== UNKNOWN && !truthy(l)) return l;
      if (e.op === "||" && l !== UNKNOWN && truthy(l)) return l;
      const r = evaluate(e.right, path);
      if (e.op === "&&" || e.op === "||") {
        if (l !== UNKNOWN) return r;
        if (r !== UNKNOWN && (e.op === "&&" ? !truthy(r) : truthy(r))) return r;
        return UNKNOWN;
      }
      if (l === UNKNOWN || r === UNKNOWN) return UNKNOWN;
      return e.op === "==" ? same(l, r) : !same(l, r);
    }
  }
}

/**
 * Fold a step's `if` for one task: params/accounts/item become values, step outputs become canonical
 * paths. Returns true/false when decided now, a residual expression text when it depends on outputs,
 * or undefined when it failed (reported through the scope).
 */
export function foldCondition(e: Expr, scope: Scope): boolean | string | undefined {
  let failed = false;
  // Lists and mappings cannot be printed back as literals: they stay placeholders, fine if folded away.
  const consts = new Map<Expr, unknown>();
  const residual = (x: Expr): Expr => {
    if (x.kind === "path") {
      const ref = interpretPath(x.segs);
      if (typeof ref === "string") {
        failed = true;
        scope.report("RB_BAD_REFERENCE", ref, x.text, []);
        return x;
      }
      const r = resolveRef(ref, x.text, scope, []);
      if ("failed" in r) failed = true;
      if ("keep" in r) return { kind: "path", segs: x.segs, text: (soleTemplate(r.keep) ?? x.text).trim() };
      if (!("value" in r)) return x;
      const v = r.value ?? null;
      if (v === null || typeof v !== "object") return { kind: "lit", value: v as string | number | boolean | null };
      const placeholder: Expr = { kind: "path", segs: [], text: x.text };
      consts.set(placeholder, v);
      return placeholder;
    }
    if (x.kind === "not") return { kind: "not", expr: residual(x.expr) };
    if (x.kind === "bin") return { ...x, left: residual(x.left), right: residual(x.right) };
    return x;
  };
  const rewritten = residual(e);
  if (failed) return undefined;
  const known = evaluate(rewritten, (p) => (consts.has(p) ? consts.get(p) : UNKNOWN));
  if (known !== UNKNOWN) return truthy(known);
  if (consts.size > 0) {
    const text = [...consts.keys()].map((k) => (k as { text: string }).text).join(", ");
    scope.report("RB_BAD_EXPRESSION", `'${text}' is a list or mapping; compare scalars with step outputs`, text, []);
    return undefined;
  }
  return printExpr(simplify(rewritten));
}

/** Drop literals that do not change a condition's truth: `true && x` → x, `false || x` → x, `!true` → false. */
function simplify(e: Expr): Expr {
  if (e.kind === "not") {
    const inner = simplify(e.expr);
    return inner.kind === "lit" ? { kind: "lit", value: !truthy(inner.value) } : { kind: "not", expr: inner };
  }
  if (e.kind !== "bin" || (e.op !== "&&" && e.op !== "||")) return e;
  const l = simplify(e.left);
  const r = simplify(e.right);
  const decisive = e.op !== "&&";
  for (const [lit, other] of [
    [l, r],
    [r, l],
  ] as const) {
    if (lit.kind !== "lit") continue;
    // In a boolean position a literal either decides the result or drops out.
    return truthy(lit.value) === decisive ? { kind: "lit", value: decisive } : other;
  }
  return { ...e, left: l, right: r };
}
