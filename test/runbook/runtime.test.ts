import { describe, expect, it } from "vitest";
import { HikkoshiError } from "../../src/core/errors.js";
import { evaluateCondition, resolveTaskParams, type TaskSpec } from "../../src/runbook/index.js";
import { fixture, load } from "./helpers.js";

const rb = load(fixture("valid/split.yaml"));
const task = (id: string): TaskSpec => rb.tasks.find((t) => t.id === id)!;

describe("resolveTaskParams", () => {
  const outputs: Record<string, Record<string, unknown>> = {
    "db.reencrypt[staging-api-db]": { snapshotArn: "arn:snap:re" },
    "target-key": { keyArn: "arn:key:target" },
    "db.copy[staging-api-db]": { snapshotArn: "arn:snap:copy" },
  };
  const lookup = (id: string) => outputs[id];

  it("run mode replaces references with outputs, keeping their type and interpolating text", () => {
    expect(resolveTaskParams(task("db.copy[staging-api-db]"), lookup, "run")).toEqual({
      source: "arn:snap:re",
      kmsKeyId: "arn:key:target",
    });
    expect(resolveTaskParams(task("report"), lookup, "run")).toEqual({
      message: "api copy is arn:snap:copy in 222222222222",
    });
  });

  it("run mode throws RB_OUTPUT_MISSING when an output is absent", () => {
    const t = task("db.copy[staging-batch-db]");
    expect(() => resolveTaskParams(t, lookup, "run")).toThrow(HikkoshiError);
    try {
      resolveTaskParams(t, lookup, "run");
    } catch (err) {
      expect((err as HikkoshiError).code).toBe("RB_OUTPUT_MISSING");
    }
  });

  it("plan mode marks missing outputs as unresolved", () => {
    expect(resolveTaskParams(task("db.copy[staging-batch-db]"), lookup, "plan")).toEqual({
      source: { $unresolved: "steps.db.reencrypt[staging-batch-db].outputs.snapshotArn" },
      kmsKeyId: "arn:key:target",
    });
    expect(resolveTaskParams(task("report"), () => undefined, "plan")).toEqual({
      message: { $unresolved: "api copy is ${{ steps.db.copy[staging-api-db].outputs.snapshotArn }} in 222222222222" },
    });
    // predicted outputs may themselves be unresolved
    const predicted = { "target-key": { keyArn: { $unresolved: "x" } } };
    expect(
      resolveTaskParams(task("db.copy[staging-api-db]"), (id) => predicted[id as "target-key"], "plan").kmsKeyId,
    ).toEqual({
      $unresolved: "steps.target-key.outputs.keyArn",
    });
  });
});

describe("evaluateCondition", () => {
  const outputs = (id: string) =>
    ({ a: { state: "available", n: 3, ok: true }, "b[x]": { state: "gone" } })[id] as
      | Record<string, unknown>
      | undefined;

  it.each([
    ['steps.a.outputs.state == "available"', true],
    ["steps.a.outputs.state != 'available'", false],
    ["steps.a.outputs.n == 3 && steps.a.outputs.ok", true],
    ["!steps.a.outputs.ok || steps.b[x].outputs.state == 'gone'", true],
    ["!(steps.a.outputs.ok && steps.b[x].outputs.state == 'gone')", false],
    ["${{ steps.a.outputs.ok }}", true],
    ["null == steps.a.outputs.missing || true", true],
    ["false", false],
  ])("%s → %s", (expr, expected) => {
    expect(evaluateCondition(expr, (id) => (id === "a" ? { ...outputs(id), missing: null } : outputs(id)), "run")).toBe(
      expected,
    );
  });

  it("plan mode is undefined while an output is unknown, unless a known side decides", () => {
    expect(evaluateCondition("steps.c.outputs.x == 1", outputs, "plan")).toBeUndefined();
    expect(evaluateCondition("steps.c.outputs.x == 1 || steps.a.outputs.ok", outputs, "plan")).toBe(true);
    expect(evaluateCondition("steps.c.outputs.x == 1 && !steps.a.outputs.ok", outputs, "plan")).toBe(false);
  });

  it("run mode throws on a missing output", () => {
    expect(() => evaluateCondition("steps.c.outputs.x", outputs, "run")).toThrow(/has no output/);
  });

  it("rejects what is not a condition", () => {
    expect(() => evaluateCondition("steps.a.outputs.n = 3", outputs, "run")).toThrow();
    expect(() => evaluateCondition("params.x", outputs, "run")).toThrow(/not a step output/);
  });
});
