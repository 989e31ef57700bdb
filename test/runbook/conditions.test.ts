import { describe, expect, it } from "vitest";
import { parseExpression } from "../../src/runbook/index.js";
import { brief, failures, fixture, load, withSteps } from "./helpers.js";

describe("expressions", () => {
  it("parse paths with bracket keys, string escapes and precedence", () => {
    expect(parseExpression("steps.db.copy['a b'].outputs.x")).toEqual({
      kind: "path",
      segs: [{ name: "steps" }, { name: "db" }, { name: "copy" }, { index: "a b" }, { name: "outputs" }, { name: "x" }],
      text: "steps.db.copy['a b'].outputs.x",
    });
    expect(parseExpression(`'it''s' == "q\\"x" || !a && b`)).toMatchObject({
      kind: "bin",
      op: "||",
      left: { kind: "bin", op: "==", left: { value: "it's" }, right: { value: 'q"x' } },
      right: { kind: "bin", op: "&&", left: { kind: "not" } },
    });
  });

  it.each(["a ==", "(a", "a b", "a = b", "'open", "a[", "a.", "1 == == 2"])("rejects %s", (src) => {
    expect(() => parseExpression(src)).toThrow();
  });
});

describe("`if` in a runbook", () => {
  it("reports a syntax error at the condition", () => {
    const ds = failures(withSteps("  - id: a\n    type: noop\n    account: source\n    if: params.flag ==\n"));
    expect(brief(ds)).toEqual(["RB_BAD_EXPRESSION@14:9"]);
  });

  it("reports references in the condition where they are written", () => {
    const ds = failures(
      withSteps(`  - id: a
    type: noop
    account: source
    if: params.flag && steps.nope.outputs.value == 1 && item == 'x'
`),
    );
    expect(brief(ds)).toEqual(["RB_UNKNOWN_STEP_REF@14:24", "RB_ITEM_OUTSIDE_FOREACH@14:57"]);
  });

  it("makes the step need what its condition reads", () => {
    const rb = load(
      withSteps(`  - id: b
    type: noop
    account: source
    if: \${{ steps.a.outputs.value != 'skip' }}
  - id: a
    type: noop
    account: source
`),
    );
    expect(rb.tasks.map((t) => t.id)).toEqual(["a", "b"]);
    expect(rb.tasks[1]).toMatchObject({ if: 'steps.a.outputs.value != "skip"', needs: ["a"] });
  });
});

describe("format details", () => {
  it("accepts an empty with, needs as one id, and an endpoint", () => {
    const rb = load(
      withSteps(
        `  - id: a
    type: noop
    account: source
    with:
  - id: b
    type: noop
    account: source
    needs: a
`,
        "endpoint: http://127.0.0.1:4566\n",
      ),
    );
    expect(rb.endpoint).toBe("http://127.0.0.1:4566");
    expect(rb.tasks.map((t) => [t.id, t.with, t.needs])).toEqual([
      ["a", {}, []],
      ["b", {}, ["a"]],
    ]);
  });

  it("reports a duplicate YAML key and keeps validating", () => {
    const ds = failures(withSteps("  - id: a\n    type: noop\n    type: nope\n    account: sorce\n"));
    expect(brief(ds)).toEqual(["RB_DUPLICATE_KEY@13:5", "RB_UNKNOWN_STEP_TYPE@13:11", "RB_UNKNOWN_ACCOUNT@14:14"]);
  });

  it("returns warnings with the runbook", () => {
    const rb = load(
      fixture("valid/split.yaml").replace(
        "    type: rds.move-snapshot\n",
        "    type: rds.move-snapshot\n    account: source\n",
      ),
    );
    expect(rb.warnings?.map((w) => [w.code, w.severity, w.location?.line])).toEqual([
      ["RB_ACCOUNT_IGNORED", "warning", 42],
    ]);
    expect(load(fixture("valid/split.yaml")).warnings).toBeUndefined();
  });
});
