import type { Json } from "../core/json.js";
import type { DiagnosticSink } from "./diagnostics.js";
import type { RawStep } from "./raw.js";
import { type Scope, substitute, unescapeValue } from "./scope.js";
import type { AccountSpec } from "./types.js";

export interface Item {
  key: string;
  value: Json;
}

const KEY = /^[A-Za-z0-9._:/-]+$/;

/** An item's key: itself if a string/number, else its key/name/id field, else its index. */
export function itemKey(value: Json, index: number): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const f of ["key", "name", "id"]) {
      const v = value[f];
      if (typeof v === "string" || typeof v === "number") return String(v);
    }
  }
  return String(index);
}

/**
 * Resolve a step's forEach to its items. Undefined when the step has no forEach; null when it is broken
 * (already reported).
 */
export function resolveForEach(
  step: RawStep,
  params: Record<string, Json>,
  accounts: Record<string, AccountSpec>,
  sink: DiagnosticSink,
): Item[] | undefined | null {
  if (!step.forEach) return undefined;
  const node = step.forEach.node;
  let failed = false;
  const scope: Scope = {
    params,
    accounts,
    forEach: false,
    itemMode: "resolve",
    steps: "forbid",
    report: (code, message, raw, _path, hint) => {
      failed = true;
      sink.report(code, `forEach: ${message}`, { node, find: raw }, hint === undefined ? {} : { hint });
    },
  };
  // Items are data: a `${{` that a param's value holds is text in them (and escaped again where used).
  const value = unescapeValue(substitute(step.forEach.value, scope));
  if (failed) return null;
  if (!Array.isArray(value)) {
    sink.report(
      "RB_FOREACH_NOT_LIST",
      `forEach must be a list, but it resolves to ${describe(value)}`,
      { node },
      {
        hint: "write a list ([a, b]) or reference a list param: ${{ params.<name> }}",
      },
    );
    return null;
  }
  const items: Item[] = [];
  const seen = new Set<string>();
  value.forEach((v, i) => {
    const key = itemKey(v as Json, i);
    if (!KEY.test(key)) {
      failed = true;
      sink.report(
        "RB_FOREACH_BAD_KEY",
        `forEach item key '${key}' has characters outside [A-Za-z0-9._:/-]`,
        { node },
        {
          hint: "give object items a 'key' field made of letters, digits and . _ : / -",
        },
      );
    } else if (seen.has(key)) {
      failed = true;
      sink.report(
        "RB_FOREACH_DUPLICATE_KEY",
        `forEach has the item key '${key}' twice`,
        { node },
        {
          hint: "items become tasks keyed by their value (or key/name/id field); make them unique",
        },
      );
    }
    seen.add(key);
    items.push({ key, value: v as Json });
  });
  return failed ? null : items;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} '${String(v)}'`;
}
