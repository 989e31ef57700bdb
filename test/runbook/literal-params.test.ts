/**
 * Params (defaults and `--param` values), items and account fields are data: a `${{ … }}` inside one is
 * text, never an expression, here or at run time. `$${{` is how a runbook writes a literal `${{` itself.
 */
import { describe, expect, it } from "vitest";
import { evaluateCondition, type Runbook, resolveTaskParams } from "../../src/runbook/index.js";
import { brief, failures, load, withSteps } from "./helpers.js";

const REF = "${{ steps.a.outputs.value }}";
const noOutputs = () => undefined;

const aAndB = (withB: string, extra = "") =>
  withSteps(
    `  - id: a
    type: noop
    account: source
  - id: b
    type: noop
    account: source
${extra}    with: ${withB}
`,
  ).replace("  flag: true\n", "  flag: true\n  note: hello\n");

function taskB(rb: Runbook, waitsForA = false) {
  const t = rb.tasks.find((x) => x.id === "b")!;
  expect(t.needs).toEqual(waitsForA ? ["a"] : []);
  return t;
}

describe("a --param value holding ${{ }}", () => {
  it.each([
    { how: "as the whole value", withB: "{ message: '${{ params.note }}' }", text: REF },
    { how: "inside text", withB: "{ message: 'x ${{ params.note }} y' }", text: `x ${REF} y` },
    { how: "next to a real reference", withB: `{ message: '\${{ params.note }} / ${REF}' }`, text: `${REF} / out` },
  ])("stays text $how: the task waits for step a only for a real reference", ({ withB, text }) => {
    const rb = load(aAndB(withB), { paramOverrides: { note: REF } });
    const real = withB.includes("/ ${{");
    const b = taskB(rb, real);
    const outputs = (id: string) => (id === "a" ? { value: "out" } : undefined);
    expect(resolveTaskParams(b, real ? outputs : noOutputs, "run")).toEqual({ message: text });
    expect(resolveTaskParams(b, real ? outputs : noOutputs, "plan")).toEqual({ message: text });
  });

  it("stays text in a list param, an item and a recipe's children", () => {
    const rb = load(
      withSteps(`  - id: db
    type: rds.move-snapshot
    forEach: \${{ params.names }}
    with:
      from: source
      to: target
      instance: \${{ item.db }}
      shareKey: \${{ params.note }}
      targetKey: k
`).replace("  flag: true\n", "  flag: true\n  note: hello\n  names: []\n"),
      { paramOverrides: { note: REF, names: `[{ key: one, db: "${REF}" }]` } },
    );
    expect(rb.params.note).toBe(REF);
    const snap = rb.tasks.find((t) => t.id === "db.snapshot[one]")!;
    const reencrypt = rb.tasks.find((t) => t.id === "db.reencrypt[one]")!;
    expect(snap.item).toEqual({ key: "one", db: REF });
    expect(resolveTaskParams(snap, noOutputs, "run")).toEqual({ instance: REF });
    const outputs = (id: string) => (id === "db.snapshot[one]" ? { snapshotArn: "arn:snap" } : undefined);
    expect(resolveTaskParams(reencrypt, outputs, "run")).toMatchObject({ source: "arn:snap", kmsKeyId: REF });
    expect(reencrypt.needs).toEqual(["db.snapshot[one]"]);
  });

  it("is a literal in an `if` too (compared as text at run time)", () => {
    const rb = load(aAndB("{}", `    if: \${{ steps.a.outputs.value == params.note }}\n`), {
      paramOverrides: { note: "${{ oops" },
    });
    const b = rb.tasks.find((x) => x.id === "b")!;
    expect(b.if).toBe('steps.a.outputs.value == "${{ oops"');
    expect(evaluateCondition(b.if!, () => ({ value: "${{ oops" }), "run")).toBe(true);
    expect(evaluateCondition(b.if!, () => ({ value: "other" }), "run")).toBe(false);
  });

  it("is checked as the text it is: a step type's schema sees it", () => {
    const ds = failures(aAndB("{ count: '${{ params.note }}' }"), { paramOverrides: { note: REF } });
    expect(ds.map((d) => [d.code, d.message])).toEqual([
      ["RB_INVALID_PARAM", "step 'b': parameter 'count': Invalid input: expected number, received string"],
    ]);
  });

  it("defaults in the file are data in the same way", () => {
    const rb = load(aAndB("{ message: '${{ params.note }}' }").replace("note: hello", `note: "${REF}"`));
    expect(resolveTaskParams(taskB(rb), noOutputs, "run")).toEqual({ message: REF });
  });
});

describe("$${{ in a runbook", () => {
  it("is a literal ${{", () => {
    const rb = load(aAndB("{ message: 'costs $${{ 5 }}: ${{ params.note }}' }"));
    expect(resolveTaskParams(taskB(rb), noOutputs, "run")).toEqual({ message: "costs ${{ 5 }}: hello" });
  });
});

describe("aliases", () => {
  const BOMB = `  b0: &a0 [x, x, x, x, x, x, x, x, x, x]
  b1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
  b2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
`;
  const withParams = (params: string, steps = "  - id: a\n    type: noop\n    account: source\n") =>
    withSteps(steps).replace("  flag: true\n", `  flag: true\n${params}`);

  it.each([
    {
      what: "an alias bomb in params",
      text: withParams(BOMB),
      expected: ["RB_YAML_ALIAS@12:11"],
      message: "aliases expand this value more than 100 times (an alias bomb?)",
    },
    {
      what: "an alias bomb in a step's with",
      text: withParams(BOMB, "  - id: a\n    type: noop\n    account: source\n    with: { message: *a2 }\n"),
      expected: ["RB_YAML_ALIAS@12:11", "RB_YAML_ALIAS@17:11"],
      message: "aliases expand this value more than 100 times (an alias bomb?)",
    },
    {
      what: "an alias that contains itself",
      text: withParams("  loop: &l [a, *l]\n"),
      expected: ["RB_YAML_ALIAS@10:12"],
      message: "this value contains itself through an alias",
    },
    {
      what: "an alias without its anchor",
      text: withParams("  lost: *nowhere\n"),
      expected: ["RB_YAML_ALIAS@10:9"],
      message: "alias *nowhere has no anchor &nowhere before it",
    },
  ])("$what is an error at its place", ({ text, expected, message }) => {
    const ds = failures(text);
    expect(brief(ds)).toEqual(expected);
    expect(ds[0]?.message).toBe(message);
  });

  it("a forEach whose aliases fail expands to nothing more than its error", () => {
    const ds = failures(withParams(BOMB, "  - id: a\n    type: noop\n    account: source\n    forEach: *a2\n"));
    expect(brief(ds)).toEqual(["RB_YAML_ALIAS@12:11"]);
  });

  it.each([
    {
      what: "an alias bomb",
      value: "[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]]",
    },
    { what: "a value that contains itself", value: "&l [a, *l]" },
    { what: "an alias without its anchor", value: "[*nope]" },
  ])("a --param holding $what is RB_BAD_PARAM_OVERRIDE", ({ value }) => {
    const ds = failures(withParams(""), { paramOverrides: { other: value } });
    expect(brief(ds)).toEqual(["RB_BAD_PARAM_OVERRIDE@6:1"]);
    expect(ds[0]?.message).toMatch(/^--param other: (aliases expand|this value contains itself|alias \*nope has no)/);
  });

  it("shared anchors used a few times are fine", () => {
    const rb = load(withParams("  base: &b { n: 1 }\n  both: [*b, *b]\n"));
    expect(rb.params.both).toEqual([{ n: 1 }, { n: 1 }]);
  });
});
