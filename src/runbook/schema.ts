import { z } from "zod";
import type { AnyStepDefinition } from "../steps/define.js";
import type { StepRegistry } from "../steps/registry.js";

type Schema = Record<string, unknown>;

const TEMPLATE: Schema = {
  type: "string",
  pattern: "^\\s*\\$\\{\\{.*\\}\\}\\s*$",
  description: "a ${{ … }} reference",
};
const DURATION: Schema = {
  type: "string",
  pattern: "^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$",
  description: "e.g. 30s, 90m, 72h",
};

/**
 * JSON Schema (draft 2020-12) of the runbook format, with each step type's `with` derived from its zod
 * params. Editors use it through `# yaml-language-server: $schema=…`.
 */
export function runbookJsonSchema(registry: StepRegistry): Schema {
  const types = registry.types();
  const defs: Schema = {};
  const branches = types.map((type) => {
    const def = registry.get(type)!;
    defs[refName(type)] = withSchema(def);
    return {
      if: { properties: { type: { const: type } }, required: ["type"] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema if/then, not a thenable
      then: { properties: { with: { $ref: `#/$defs/${refName(type)}` } } },
    };
  });
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://hikkoshi.dev/schema/runbook-v1.json",
    title: "hikkoshi runbook (version 1)",
    type: "object",
    additionalProperties: false,
    required: ["version", "name", "accounts", "steps"],
    properties: {
      version: { const: 1 },
      name: { type: "string", pattern: "^[a-z][a-z0-9-]{0,62}$" },
      description: { type: "string" },
      endpoint: { type: "string", format: "uri" },
      accounts: { type: "object", additionalProperties: { $ref: "#/$defs/account" } },
      params: { type: "object", description: "name → default value; override with --param name=value" },
      steps: { type: "array", minItems: 1, items: { $ref: "#/$defs/step" } },
    },
    $defs: {
      ...defs,
      account: {
        type: "object",
        additionalProperties: false,
        required: ["id", "region"],
        properties: {
          id: { type: "string", pattern: "^\\d{12}$", description: "quoted 12-digit account id" },
          region: { type: "string" },
          profile: { type: "string" },
          roleArn: { type: "string", pattern: "^arn:aws[a-z-]*:iam::\\d{12}:role/.+$" },
          externalId: { type: "string" },
          sessionName: { type: "string" },
          endpoint: { type: "string", format: "uri" },
        },
        not: { required: ["profile", "roleArn"] },
      },
      step: {
        type: "object",
        additionalProperties: false,
        required: ["id", "type"],
        properties: {
          id: { type: "string", pattern: "^[a-z][a-z0-9-]*$" },
          type: { enum: types },
          account: { type: "string" },
          description: { type: "string" },
          with: { type: "object" },
          needs: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
          forEach: { anyOf: [{ type: "array" }, TEMPLATE] },
          if: { anyOf: [{ type: "string" }, { type: "boolean" }] },
          timeout: DURATION,
        },
        allOf: branches,
      },
    },
  };
}

function refName(type: string): string {
  return `with:${type}`;
}

function withSchema(def: AnyStepDefinition): Schema {
  const json = z.toJSONSchema(def.params, { io: "input", unrepresentable: "any" }) as Schema;
  delete json.$schema;
  const out = allowTemplates(json, true) as Schema;
  out.description = def.description;
  return out;
}

/** Wherever a value is not a plain string, a `${{ … }}` template is accepted too. */
function allowTemplates(s: unknown, root = false): unknown {
  if (Array.isArray(s)) return s.map((x) => allowTemplates(x));
  if (s === null || typeof s !== "object") return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "properties" || k === "$defs" || k === "patternProperties") {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, x]) => [p, allowTemplates(x)]));
    } else if (["items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems", "not"].includes(k)) {
      out[k] = allowTemplates(v);
    } else out[k] = v;
  }
  const t = out.type;
  const nonString = t !== undefined && t !== "string" && !(Array.isArray(t) && t.every((x) => x === "string"));
  const constrained =
    t === "string" && (out.enum !== undefined || out.pattern !== undefined || out.format !== undefined);
  if (root) return out;
  if (nonString || constrained || (t === undefined && (out.enum !== undefined || out.const !== undefined))) {
    const { description, default: dflt, ...rest } = out;
    return {
      anyOf: [rest, TEMPLATE],
      ...(description === undefined ? {} : { description }),
      ...(dflt === undefined ? {} : { default: dflt }),
    };
  }
  return out;
}
