import { describe, expect, it } from "vitest";
import { diffRunbooks, parseDuration, runbookJsonSchema, tryParseDuration } from "../../src/runbook/index.js";
import { fixture, load } from "./helpers.js";
import { testRegistry } from "./registry-fixture.js";

describe("runbookJsonSchema", () => {
  const schema = runbookJsonSchema(testRegistry) as any;

  it("has a `with` schema for every registered type, selected by `type`", () => {
    const step = schema.$defs.step;
    expect(step.properties.type.enum).toEqual(testRegistry.types());
    const selected = step.allOf.map((b: any) => b.if.properties.type.const);
    expect(selected).toEqual(testRegistry.types());
    for (const type of testRegistry.types()) expect(schema.$defs[`with:${type}`]).toBeDefined();
  });

  it("derives params from zod and accepts templates where a value is not a plain string", () => {
    const kms = schema.$defs["with:kms.create-key"];
    expect(kms.required).toEqual(["alias"]);
    expect(kms.additionalProperties).toBe(false);
    const allow = kms.properties.allowAccounts;
    expect(allow.anyOf[0].type).toBe("array");
    expect(allow.anyOf[1].pattern).toContain("\\$\\{\\{");
    expect(schema.$defs["with:noop"].properties.count.anyOf).toHaveLength(2);
    expect(schema.$defs["with:noop"].properties.message).toEqual({ type: "string" });
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});

describe("diffRunbooks", () => {
  it("sorts tasks into added, removed, changed and unchanged", () => {
    const before = load(fixture("valid/split.yaml")).tasks;
    const after = load(fixture("valid/split.yaml").replace("alias: staging/rds", "alias: staging/rds2"), {
      paramOverrides: { instances: "[staging-api-db, staging-new-db]" },
    }).tasks;
    const d = diffRunbooks(
      before.map((t) => ({ id: t.id, defHash: t.defHash })),
      after,
    );
    expect(d.added.map((t) => t.id)).toEqual([
      "db.snapshot[staging-new-db]",
      "db.reencrypt[staging-new-db]",
      "db.copy[staging-new-db]",
    ]);
    expect(d.removed).toEqual([
      "db.snapshot[staging-batch-db]",
      "db.reencrypt[staging-batch-db]",
      "db.copy[staging-batch-db]",
    ]);
    // target-key changed its alias; report needs every db task, and that set changed
    expect(d.changed.map((t) => t.id)).toEqual(["target-key", "report"]);
    expect(d.unchanged.map((t) => t.id)).toEqual([
      "freeze",
      "share-key",
      "db.snapshot[staging-api-db]",
      "db.reencrypt[staging-api-db]",
      "db.copy[staging-api-db]",
    ]);
  });
});

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["90m", 5_400_000],
    ["72h", 259_200_000],
    ["2d", 172_800_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it("rejects what is not a duration", () => {
    for (const bad of ["90", "m", "1x", "", "-5m", "0s"]) expect(tryParseDuration(bad)).toBeUndefined();
    expect(() => parseDuration("soon")).toThrow(/not a duration/);
  });
});
