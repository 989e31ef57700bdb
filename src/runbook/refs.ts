import type { Segment } from "./expr.js";

/** A reference path interpreted by its root. `rest` is field/element access into the value. */
export type Ref =
  | { root: "params"; name: string; rest: Segment[] }
  | { root: "accounts"; alias: string; field: string }
  | { root: "item"; rest: Segment[] }
  | { root: "steps"; stepId: string; key: string | undefined; output: string };

export const ACCOUNT_FIELDS = ["id", "region", "alias"] as const;
export const ROOTS = ["params", "accounts", "item", "steps"] as const;

/** Interpret a parsed path; returns an error message (string) when its shape is wrong. */
export function interpretPath(segs: Segment[]): Ref | string {
  const [head, ...tail] = segs;
  const root = head && "name" in head ? head.name : undefined;
  switch (root) {
    case "params": {
      const [name, ...rest] = tail;
      if (!name || !("name" in name)) return "expected 'params.<name>'";
      return { root, name: name.name, rest };
    }
    case "accounts": {
      const [alias, field, ...extra] = tail;
      if (!alias || !("name" in alias) || !field || !("name" in field) || extra.length > 0)
        return "expected 'accounts.<alias>.id', '.region' or '.alias'";
      if (!(ACCOUNT_FIELDS as readonly string[]).includes(field.name))
        return `accounts have no field '${field.name}' (use id, region or alias)`;
      return { root, alias: alias.name, field: field.name };
    }
    case "item":
      return { root, rest: tail };
    case "steps":
      return interpretStepPath(tail);
    default:
      return `unknown reference root '${root ?? "?"}' (expected params, accounts, item or steps)`;
  }
}

function interpretStepPath(tail: Segment[]): Ref | string {
  const shape = "expected 'steps.<id>.outputs.<name>' or 'steps.<id>[<key>].outputs.<name>'";
  const at = tail.findIndex((s, i) => i > 0 && "name" in s && s.name === "outputs");
  if (at < 0 || at !== tail.length - 2) return shape;
  const out = tail[at + 1]!;
  if (!("name" in out)) return shape;
  const idSegs = tail.slice(0, at);
  let key: string | undefined;
  const last = idSegs[idSegs.length - 1]!;
  if ("index" in last) {
    key = last.index;
    idSegs.pop();
  }
  if (idSegs.length === 0 || idSegs.some((s) => !("name" in s))) return shape;
  const stepId = idSegs.map((s) => (s as { name: string }).name).join(".");
  return { root: "steps", stepId, key, output: out.name };
}

/** "steps.<stepId>[<key>].outputs.<name>" — the canonical reference text (no "[…]" without an item). */
export function canonicalStepPath(stepId: string, key: string | undefined, output: string): string {
  return `steps.${stepId}${key === undefined ? "" : `[${key}]`}.outputs.${output}`;
}

export function taskIdOf(stepId: string, key: string | undefined): string {
  return key === undefined ? stepId : `${stepId}[${key}]`;
}

/** Walk `rest` into a value; returns `{ missing }` naming the first segment that is absent. */
export function access(value: unknown, rest: Segment[]): { value: unknown } | { missing: string } {
  let v = value;
  for (const s of rest) {
    const k = "name" in s ? s.name : s.index;
    if (v !== null && typeof v === "object" && Object.hasOwn(v, k)) v = (v as Record<string, unknown>)[k];
    else return { missing: k };
  }
  return { value: v };
}
