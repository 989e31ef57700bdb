import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type Pair } from "yaml";
import type { DiagnosticSink } from "./diagnostics.js";
import { suggest } from "./diagnostics.js";
import type { RegionCatalog } from "./types.js";

/** What every reader needs: the document (for aliases and toJS) and the sink. */
export interface ReadCtx {
  doc: Document;
  sink: DiagnosticSink;
  regions?: RegionCatalog;
}

export interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

export function deref(ctx: ReadCtx, node: unknown): Node | null {
  if (!isAlias(node)) return (node as Node | null) ?? null;
  const target = node.resolve(ctx.doc) as Node | undefined;
  if (!target) {
    ctx.sink.report("RB_YAML_ALIAS", `alias *${node.source} has no anchor &${node.source} before it`, { node });
    return null;
  }
  return target;
}

/** How many times one value may expand aliases (yaml's own default): a "billion laughs" stops here. */
export const MAX_ALIAS_EXPANSIONS = 100;

/**
 * A node as plain data. An alias that is undefined, that contains itself or that expands too often is
 * reported at the node, and the result is undefined.
 */
export function toJs(ctx: ReadCtx, node: Node | null): unknown {
  if (!node) return null;
  const problem = (message: string, find?: string) => {
    ctx.sink.report("RB_YAML_ALIAS", message, find === undefined ? { node } : { node, find }, {
      hint: "an alias (*name) repeats the value anchored with &name earlier in the file; use each a few times at most",
    });
    return undefined;
  };
  let value: unknown;
  try {
    value = node.toJS(ctx.doc, { maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (err) {
    const message = aliasProblem(err);
    if (message === undefined) throw err;
    return problem(message);
  }
  return containsItself(value) ? problem(SELF_ALIAS) : value;
}

export const SELF_ALIAS = "this value contains itself through an alias";

/** What went wrong with aliases, for the ReferenceErrors yaml throws while converting; else undefined. */
export function aliasProblem(err: unknown): string | undefined {
  if (!(err instanceof ReferenceError)) return undefined;
  const name = /^Unresolved alias.*: (.+)$/.exec(err.message)?.[1];
  if (name !== undefined) return `alias *${name} has no anchor &${name} before it`;
  return `aliases expand this value more than ${MAX_ALIAS_EXPANSIONS} times (an alias bomb?)`;
}

/** True when the value is cyclic (an alias inside its own anchor). Shared, acyclic parts are fine. */
export function containsItself(value: unknown): boolean {
  const open = new Set<object>();
  const done = new Set<object>();
  // Iterative: a deeply nested value must not overflow the stack here.
  const stack: { v: object; children: unknown[] | undefined }[] = [];
  const enter = (v: unknown): boolean => {
    if (v === null || typeof v !== "object" || done.has(v)) return false;
    if (open.has(v)) return true;
    open.add(v);
    stack.push({ v, children: undefined });
    return false;
  };
  if (enter(value)) return true;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    top.children ??= Array.isArray(top.v) ? [...top.v] : Object.values(top.v);
    const next = top.children.pop();
    if (next === undefined && top.children.length === 0) {
      open.delete(top.v);
      done.add(top.v);
      stack.pop();
    } else if (enter(next)) return true;
  }
  return false;
}

export function kindOf(node: Node | null): string {
  if (node === null || (isScalar(node) && node.value === null)) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return typeof node.value === "string" ? "a string" : `a ${typeof node.value}`;
  return "an unknown value";
}

export function isNullNode(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/**
 * Read a mapping with a fixed set of fields: unknown fields (with did-you-mean) and missing required ones
 * are reported. `at` is where a missing field is reported when `node` is not a mapping at all.
 */
export function readFields(
  ctx: ReadCtx,
  node: Node | null,
  what: string,
  fields: { required: readonly string[]; optional: readonly string[] },
  at: Node | null,
): Map<string, Entry> | undefined {
  const out = new Map<string, Entry>();
  if (!isMap(node)) {
    ctx.sink.report("RB_WRONG_TYPE", `${what} must be a mapping, not ${kindOf(node)}`, { node: node ?? at });
    return undefined;
  }
  const known = [...fields.required, ...fields.optional];
  for (const pair of node.items as Pair<unknown, unknown>[]) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    if (key === undefined) {
      ctx.sink.report("RB_WRONG_TYPE", `${what}: keys must be plain names`, { node: keyNode });
      continue;
    }
    if (!known.includes(key)) {
      ctx.sink.report(
        "RB_UNKNOWN_FIELD",
        `${what}: unknown field '${key}'`,
        { node: keyNode },
        { hint: suggest(key, known, "allowed fields") },
      );
      continue;
    }
    out.set(key, { key, keyNode, value: deref(ctx, pair.value) });
  }
  for (const req of fields.required) {
    if (!out.has(req))
      ctx.sink.report("RB_MISSING_FIELD", `${what}: missing required field '${req}'`, { node: at ?? node });
  }
  return out;
}

/** A scalar string field; reports RB_WRONG_TYPE otherwise. */
export function readString(ctx: ReadCtx, e: Entry | undefined, what: string): string | undefined {
  if (!e) return undefined;
  if (isScalar(e.value) && typeof e.value.value === "string") return e.value.value;
  ctx.sink.report("RB_WRONG_TYPE", `${what} must be a string, not ${kindOf(e.value)}`, { node: e.value ?? e.keyNode });
  return undefined;
}

/** Entries of any mapping (names are free: account aliases, params, `with`). */
export function mapEntries(ctx: ReadCtx, node: Node | null): Entry[] {
  if (!isMap(node)) return [];
  const out: Entry[] = [];
  for (const pair of node.items as Pair<unknown, unknown>[]) {
    const keyNode = pair.key as Node;
    if (!isScalar(keyNode)) {
      ctx.sink.report("RB_WRONG_TYPE", "keys must be plain names", { node: keyNode });
      continue;
    }
    out.push({ key: String(keyNode.value), keyNode, value: deref(ctx, pair.value) });
  }
  return out;
}

/** The value node at a JS path inside a node, or the deepest node reached (for locating issues). */
export function nodeAt(
  ctx: ReadCtx,
  node: Node | null,
  path: readonly PropertyKey[],
): { node: Node | null; keyNode?: Node } {
  let cur = node;
  let keyNode: Node | undefined;
  for (const seg of path) {
    if (isMap(cur)) {
      const pair = (cur.items as Pair<unknown, unknown>[]).find(
        (p) => isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return { node: cur, keyNode };
      keyNode = pair.key as Node;
      cur = deref(ctx, pair.value) ?? keyNode;
    } else if (isSeq(cur) && typeof seg === "number") {
      const item = deref(ctx, cur.items[seg]);
      if (!item) return { node: cur, keyNode };
      cur = item;
      keyNode = undefined;
    } else return { node: cur, keyNode };
  }
  return { node: cur, keyNode };
}

/** True when the entry holds a mapping; reports RB_WRONG_TYPE otherwise. */
export function expectMap(ctx: ReadCtx, e: Entry, what: string): boolean {
  if (isMap(e.value)) return true;
  ctx.sink.report("RB_WRONG_TYPE", `${what} must be a mapping, not ${kindOf(e.value)}`, { node: e.value ?? e.keyNode });
  return false;
}
