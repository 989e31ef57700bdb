/**
 * The `with` of every step type as JSON Schema, from the types' zod params.
 *
 * All types go through one `z.toJSONSchema` call, over an object with one property per type. zod moves a
 * recursive schema (`z.json()`, a `z.lazy`) or one with an `id` into the `$defs` of the document it
 * builds and points at it with `#/$defs/…`, a reference from the root of that document. Converted one
 * type at a time, each type was its own document: its `$defs` ended up nested under `$defs/with:<type>`
 * while its references still pointed at the root, where nothing was. One document gives one `$defs`, which
 * moves to the root of the runbook schema (renamed, so it cannot collide with ours).
 */
import { z } from "zod";
import type { StepRegistry } from "../steps/registry.js";

export type Schema = Record<string, unknown>;

/** A value that is exactly one `${{ … }}`: it takes the referenced value's type. */
export const TEMPLATE: Schema = {
  type: "string",
  pattern: "^\\s*\\$\\{\\{.*\\}\\}\\s*$",
  description: "a ${{ … }} reference",
};
/** A string with a `${{ … }}` inside: whatever the text around it, the result is known only once resolved. */
const INTERPOLATED: Schema = {
  type: "string",
  pattern: "\\$\\{\\{.*\\}\\}",
  description: "text with a ${{ … }} reference",
};

export function withRef(type: string): string {
  return `with:${type}`;
}

/** `$defs` name → JSON Pointer fragment (RFC 6901 escapes). */
export function defRef(name: string): string {
  return `#/$defs/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/** `with:<type>` for every registered type, plus the definitions they share, all for the root `$defs`. */
export function paramsDefs(registry: StepRegistry): Schema {
  const types = registry.types();
  const all = z.object(Object.fromEntries(types.map((type) => [type, registry.get(type)!.params])));
  const doc = z.toJSONSchema(all, { io: "input", unrepresentable: "any" }) as Schema;
  const shared = (doc.$defs ?? {}) as Record<string, Schema>;
  const names = new Map(Object.keys(shared).map((id) => [defRef(id), defRef(`shared:${id}`)]));
  const rename = (s: unknown) => renameRefs(s, names);

  const out: Schema = {};
  const properties = doc.properties as Record<string, Schema>;
  for (const type of types) {
    const def = registry.get(type)!;
    const schema = allowTemplates(rename(properties[type]), true) as Schema;
    // The runbook layer reports a key a plain z.object would strip (params-check.ts): so does the schema.
    if (def.params instanceof z.ZodObject && def.params.def.catchall === undefined) schema.additionalProperties = false;
    schema.description = def.description;
    out[withRef(type)] = schema;
  }
  for (const [id, schema] of Object.entries(shared)) out[`shared:${id}`] = allowTemplates(rename(schema));
  return out;
}

function renameRefs(s: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(s)) return s.map((x) => renameRefs(x, names));
  if (s === null || typeof s !== "object") return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "$ref" && typeof v === "string") {
      const to = names.get(v);
      if (to === undefined) throw new Error(`zod made a reference to nothing it defined: ${v}`);
      out[k] = to;
    } else out[k] = renameRefs(v, names);
  }
  return out;
}

const SUBSCHEMA_MAPS = ["properties", "$defs", "patternProperties"];
const SUBSCHEMAS = ["items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems", "not"];

/** Wherever a value is not a plain string, a `${{ … }}` template is accepted too. */
function allowTemplates(s: unknown, root = false): unknown {
  if (Array.isArray(s)) return s.map((x) => allowTemplates(x));
  if (s === null || typeof s !== "object") return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (SUBSCHEMA_MAPS.includes(k)) {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, x]) => [p, allowTemplates(x)]));
    } else if (SUBSCHEMAS.includes(k)) {
      out[k] = allowTemplates(v);
    } else out[k] = v;
  }
  if (root) return out;
  const t = out.type;
  const nonString = t !== undefined && t !== "string" && !(Array.isArray(t) && t.every((x) => x === "string"));
  const constrained =
    t === "string" && (out.enum !== undefined || out.pattern !== undefined || out.format !== undefined);
  const untyped = t === undefined && (out.enum !== undefined || out.const !== undefined);
  if (!nonString && !constrained && !untyped) return out;
  // Description and default stay beside the choice, where editors look for them.
  const { description, default: dflt, ...rest } = out;
  return {
    anyOf: [rest, nonString || untyped ? TEMPLATE : INTERPOLATED],
    ...(description === undefined ? {} : { description }),
    ...(dflt === undefined ? {} : { default: dflt }),
  };
}
