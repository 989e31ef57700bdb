/**
 * The runbook JSON Schema as editors and other validators use it: compiled by Ajv at draft 2020-12, every
 * shipped runbook valid, broken ones refused for the reason the runbook layer refuses them, no `$ref` to
 * nothing, every parameter described; and runbook.schema.json (written by `npm run build`) up to date.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { ValidationFailed } from "../../src/core/errors.js";
import { parseRunbook, runbookJsonSchema } from "../../src/runbook/index.js";
import { defineStep } from "../../src/steps/define.js";
import { builtinRegistry } from "../../src/steps/index.js";
import { createRegistry } from "../../src/steps/registry.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SCHEMA_FILE = join(ROOT, "runbook.schema.json");
const registry = builtinRegistry();
const schema = runbookJsonSchema(registry) as any;

/** Ajv at draft 2020-12, strict; `uri` is a format it knows only with ajv-formats, and matters little here. */
function compile(s: object): ValidateFunction {
  return new Ajv2020({ allErrors: true, strict: true, strictRequired: false, formats: { uri: true } }).compile(s);
}
let compiled: ValidateFunction | undefined;
/** Compiled on first use, so that a schema Ajv cannot compile fails the tests that use it, not the file. */
function validate(): ValidateFunction {
  compiled ??= compile(schema);
  return compiled;
}

/** Runbooks shipped under runbooks/ (runbooks/sim/ holds simulator worlds, another format). */
const RUNBOOKS = readdirSync(join(ROOT, "runbooks"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => join("runbooks", f));
/** Not shipped, but it uses every step type. */
const EVERY_STEP = "test/fixtures/integration/every-step.yaml";

function errorsOf(text: string): ErrorObject[] {
  const v = validate();
  return v(parse(text)) ? [] : (v.errors ?? []);
}

describe("runbook.schema.json", () => {
  it("is what the build writes from the step types (else run `npm run build` and commit it)", () => {
    const file = JSON.parse(readFileSync(SCHEMA_FILE, "utf8"));
    expect(file, "stale: run `npm run build` and commit it").toEqual(runbookJsonSchema(registry));
  });

  it.each(RUNBOOKS)("%s points its editor at it on its first line", (file) => {
    const first = readFileSync(join(ROOT, file), "utf8").split("\n", 1)[0]!;
    const target = /^# yaml-language-server: \$schema=(\S+)$/.exec(first)?.[1];
    expect(target, first).toBeDefined();
    expect(relative(ROOT, resolve(dirname(join(ROOT, file)), target!))).toBe("runbook.schema.json");
  });
});

describe("the runbook JSON Schema", () => {
  it("has no reference to something it does not define", () => {
    const refs: string[] = [];
    const walk = (x: unknown): void => {
      if (x === null || typeof x !== "object") return;
      for (const [k, v] of Object.entries(x)) {
        if (k === "$ref" && typeof v === "string") refs.push(v);
        else walk(v);
      }
    };
    walk(schema);
    expect(refs.length).toBeGreaterThan(registry.types().length);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split("/")
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce<any>((node, segment) => node?.[segment], schema);
      expect(target, ref).toBeTypeOf("object");
    }
  });

  it("describes every step type and each of its parameters", () => {
    for (const type of registry.types()) {
      const withSchema = schema.$defs[`with:${type}`];
      expect(withSchema.description, type).toBe(registry.get(type)!.description);
      const params = registry.get(type)!.params;
      expect(params, type).toBeInstanceOf(z.ZodObject);
      // What an editor completes under `with:`.
      expect(Object.keys(withSchema.properties), type).toEqual(Object.keys((params as z.ZodObject).shape));
      for (const [name, property] of Object.entries(withSchema.properties as Record<string, any>)) {
        expect(property.description, `${type}: ${name}`).toMatch(/\S/);
      }
    }
  });

  it("describes every field of a runbook, an account and a step", () => {
    for (const node of [schema, schema.$defs.account, schema.$defs.step]) {
      for (const [name, property] of Object.entries(node.properties as Record<string, any>)) {
        expect(property.description, name).toMatch(/\S/);
      }
    }
  });

  it("keeps each parameter's enums and default as zod states them", () => {
    for (const type of registry.types()) {
      const params = registry.get(type)!.params as z.ZodObject;
      for (const [name, field] of Object.entries(params.shape)) {
        const own = z.toJSONSchema(field as z.ZodType, { io: "input", unrepresentable: "any" }) as any;
        const ours = schema.$defs[`with:${type}`].properties[name];
        expect(ours.default, `${type}: ${name}`).toEqual(own.default);
        expect(enumsIn(ours), `${type}: ${name}`).toEqual(enumsIn(own));
      }
    }
  });

  it.each([...RUNBOOKS, EVERY_STEP])("accepts %s", (file) => {
    expect(errorsOf(readFileSync(join(ROOT, file), "utf8"))).toEqual([]);
  });

  it("accepts references wherever a value goes, and text around them in a string with a pattern", () => {
    const text = runbook(`
  - id: wait
    type: rds.wait-snapshot
    forEach: \${{ params.snapshots }}
    account: source
    with: { snapshot: "\${{ item }}", kind: "\${{ params.kind }}" }
  - id: key
    type: kms.create-key
    account: source
    with: { alias: "hikkoshi/\${{ params.kind }}", allowAccounts: "\${{ params.accounts }}" }`);
    expect(errorsOf(text)).toEqual([]);
    expect(codesOf(text)).toEqual([]);
  });
});

describe("definitions zod makes for a step type's params", () => {
  type Tree = { name: string; children?: Tree[] };
  const tree: z.ZodType<Tree> = z.lazy(() => z.strictObject({ name: z.string(), children: z.array(tree).optional() }));
  const step = (type: string) =>
    defineStep({
      type,
      description: `${type} (test double)`,
      params: z.strictObject({
        tree: tree.describe("a recursive schema, the same one in both types"),
        value: z.json().describe("zod's own recursive JSON value"),
      }),
      outputs: {},
      plan: async () => ({ action: "noop", summary: "", resources: [], preconditions: [] }),
      run: async () => ({}),
    });
  const recursive = createRegistry([step("a.one"), step("a.two")]);

  it("end up in the document's own $defs, for every type that uses them", () => {
    const own = runbookJsonSchema(recursive) as any;
    expect(Object.keys(own.$defs).filter((k) => !/^(with:|account$|step$)/.test(k))).not.toEqual([]);
    const check = compile(own);
    const doc = (type: string, tree: unknown) =>
      parse(runbook(`\n  - id: s\n    type: ${type}\n    with: ${JSON.stringify({ tree, value: { x: [1] } })}`));
    const deep = { name: "a", children: [{ name: "b", children: [{ name: "c" }] }] };
    for (const type of recursive.types()) {
      expect(check(doc(type, deep)), JSON.stringify(check.errors)).toBe(true);
      expect(check(doc(type, { name: "a", children: [{ name: 1 }] }))).toBe(false);
    }
  });
});

describe("a broken runbook", () => {
  const cases: [string, string, Partial<ErrorObject>, string][] = [
    [
      "an unknown step type",
      "type: kms.create-kee\n    with: { alias: hikkoshi/test }",
      { instancePath: "/steps/0/type", keyword: "enum" },
      "RB_UNKNOWN_STEP_TYPE",
    ],
    [
      "a key the type does not take",
      "type: kms.create-key\n    with: { alias: hikkoshi/test, allowAcounts: [target] }",
      {
        instancePath: "/steps/0/with",
        keyword: "additionalProperties",
        params: { additionalProperty: "allowAcounts" },
      },
      "RB_UNKNOWN_PARAM",
    ],
    [
      "a value of the wrong type",
      "type: kms.create-key\n    with: { alias: hikkoshi/test, allowAccounts: 5 }",
      { instancePath: "/steps/0/with/allowAccounts", keyword: "type", params: { type: "array" } },
      "RB_INVALID_PARAM",
    ],
    [
      "a value outside the type's enum",
      "type: rds.wait-snapshot\n    with: { snapshot: snap, kind: volume }",
      { instancePath: "/steps/0/with/kind", keyword: "enum" },
      "RB_INVALID_PARAM",
    ],
  ];

  it.each(cases)("is refused by the schema for %s, as by the runbook layer", (_, step, expected, code) => {
    const text = runbook(`\n  - id: broken\n    account: source\n    ${step}`);
    expect(errorsOf(text)).toContainEqual(expect.objectContaining(expected));
    expect(codesOf(text)).toEqual([code]);
  });
});

/** The codes `hikkoshi validate` reports for the text. */
function codesOf(text: string): string[] {
  try {
    parseRunbook(text, "broken.yaml", registry);
  } catch (err) {
    if (err instanceof ValidationFailed) return err.diagnostics.map((d) => d.code);
    throw err;
  }
  return [];
}

function runbook(steps: string): string {
  return `version: 1
name: t
accounts:
  source: { id: "111111111111", region: ap-northeast-1 }
  target: { id: "222222222222", region: ap-northeast-1 }
params:
  snapshots: [a, b]
  kind: cluster
  accounts: [target]
steps:${steps}
`;
}

/** Every `enum` in a schema, wherever it is nested, in document order. */
function enumsIn(s: unknown): unknown[] {
  if (s === null || typeof s !== "object") return [];
  return Object.entries(s).flatMap(([k, v]) => (k === "enum" ? [v] : enumsIn(v)));
}
