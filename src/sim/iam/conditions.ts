/**
 * Condition operators of IAM policies, as the IAM JSON policy reference ("Condition operators") defines
 * them. A key missing from the request context makes a positive operator false and a negated one
 * (StringNotEquals, ArnNotLike…) true; `…IfExists` is true for a missing key; `Null` tests presence. The
 * simulator knows only some keys (see enforce.ts, requestContext): any other key is missing, so an Allow
 * that depends on it never applies. Operators the simulator does not implement are refused in the seed.
 */
import { arnMatches, globMatches } from "./match.js";

type Compare = (requestValue: string, policyValue: string) => boolean;

const POSITIVE: Record<string, Compare> = {
  StringEquals: (r, p) => r === p,
  StringEqualsIgnoreCase: (r, p) => r.toLowerCase() === p.toLowerCase(),
  StringLike: (r, p) => globMatches(p, r, false),
  ArnEquals: (r, p) => arnMatches(p, r),
  ArnLike: (r, p) => arnMatches(p, r),
  Bool: (r, p) => r.toLowerCase() === p.toLowerCase(),
};

const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
};

/** The operators the simulator evaluates (each also with the `IfExists` suffix, except Null). */
export function operatorKnown(operator: string): boolean {
  if (operator === "Null") return true;
  const base = operator.replace(/IfExists$/, "");
  return base in POSITIVE || base in NEGATED;
}

/** Request context keys, lower-cased (condition keys are case-insensitive), each with its values. */
export type RequestContext = ReadonlyMap<string, readonly string[]>;

function holds(operator: string, values: readonly string[] | undefined, policyValues: readonly string[]): boolean {
  if (operator === "Null") {
    const absent = values === undefined || values.length === 0;
    return policyValues.some((p) => (p.toLowerCase() === "true") === absent);
  }
  const ifExists = operator.endsWith("IfExists");
  const base = operator.replace(/IfExists$/, "");
  const missing = values === undefined || values.length === 0;
  if (missing) return ifExists || base in NEGATED;
  const negatedOf = NEGATED[base];
  if (negatedOf !== undefined) {
    const compare = POSITIVE[negatedOf]!;
    return !values.some((r) => policyValues.some((p) => compare(r, p)));
  }
  const compare = POSITIVE[base];
  // Unknown operators cannot get here (the seed refuses them); false keeps an Allow from applying.
  return compare !== undefined && values.some((r) => policyValues.some((p) => compare(r, p)));
}

/** Every operator and every key of a Condition block must hold (AND); a key's values are alternatives (OR). */
export function conditionsHold(
  condition: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> | undefined,
  context: RequestContext,
): boolean {
  if (condition === undefined) return true;
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, policyValues]) => holds(operator, context.get(key.toLowerCase()), policyValues)),
  );
}
