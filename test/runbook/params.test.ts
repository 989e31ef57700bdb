import { describe, expect, it } from "vitest";
import { brief, failures, fixture, load, withSteps } from "./helpers.js";

describe("--param overrides", () => {
  it("parses values as YAML: a flow list replaces the default list", () => {
    const rb = load(fixture("valid/split.yaml"), {
      paramOverrides: { instances: "[staging-api-db,b,c]", keyAlias: "hikkoshi/other" },
    });
    expect(rb.params.instances).toEqual(["staging-api-db", "b", "c"]);
    expect(rb.tasks.filter((t) => t.stepId === "db.copy").map((t) => t.itemKey)).toEqual(["staging-api-db", "b", "c"]);
    expect(rb.tasks.find((t) => t.id === "share-key")?.with.alias).toBe("hikkoshi/other");
  });

  it("keeps scalar types", () => {
    const rb = load(withSteps("  - id: a\n    type: noop\n    account: source\n    if: ${{ params.flag }}\n"), {
      paramOverrides: { flag: "false" },
    });
    expect(rb.params.flag).toBe(false);
    expect(rb.tasks[0]?.if).toBe("false");
  });

  it("rejects an override that is not YAML", () => {
    const ds = failures(withSteps("  - id: a\n    type: noop\n    account: source\n"), {
      paramOverrides: { other: "[a, b" },
    });
    expect(brief(ds)).toEqual(["RB_BAD_PARAM_OVERRIDE@6:1"]);
  });
});

describe("params with unresolved references", () => {
  it("validates everything but the values that come from step outputs", () => {
    const rb = load(
      withSteps(`  - id: a
    type: noop
    account: source
  - id: b
    type: noop
    account: source
    with:
      count: \${{ steps.a.outputs.value }}
      flag: \${{ params.flag }}
`),
    );
    expect(rb.tasks[1]?.with).toEqual({ count: "${{ steps.a.outputs.value }}", flag: true });
  });

  it("substitutes a whole-string reference with its type and interpolates otherwise", () => {
    const rb = load(
      withSteps(`  - id: a
    type: kms.create-key
    account: source
    with:
      alias: "k-\${{ accounts.source.region }}-\${{ accounts.target.alias }}"
      allowAccounts: \${{ params.other }}
`).replace("other: [x, y]", "other: [target, '333333333333']"),
    );
    expect(rb.tasks[0]?.with).toEqual({ alias: "k-ap-northeast-1-target", allowAccounts: ["target", "333333333333"] });
  });

  it("checks account params after substitution", () => {
    const ds = failures(
      withSteps(`  - id: a
    type: kms.create-key
    account: source
    with:
      alias: k
      allowAccounts: \${{ params.other }}
`),
    );
    // Both come from the one template, so both point at it.
    expect(brief(ds)).toEqual(["RB_UNKNOWN_ACCOUNT@16:22", "RB_UNKNOWN_ACCOUNT@16:22"]);
    expect(ds.map((d) => d.message)).toEqual(["unknown account 'x'", "unknown account 'y'"]);
  });
});
