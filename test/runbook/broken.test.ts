import { describe, expect, it } from "vitest";
import { RUNBOOK_CODES } from "../../src/runbook/index.js";
import { brief, failures, fixture } from "./helpers.js";

/** Each broken fixture with every error it must produce (code@line:col), in file order. */
const TABLE: { file: string; expect: string[]; hints?: Record<string, string> }[] = [
  {
    file: "unknown-type.yaml",
    expect: ["RB_UNKNOWN_STEP_TYPE@14:11"],
    hints: { RB_UNKNOWN_STEP_TYPE: "did you mean 'kms.create-key'?" },
  },
  {
    file: "misspelled-with-key.yaml",
    expect: ["RB_MISSING_PARAM@17:7", "RB_UNKNOWN_PARAM@17:7"],
    hints: { RB_UNKNOWN_PARAM: "did you mean 'alias'?" },
  },
  {
    file: "unknown-alias.yaml",
    expect: ["RB_UNKNOWN_ACCOUNT@15:14", "RB_UNKNOWN_ACCOUNT@18:31"],
    hints: { RB_UNKNOWN_ACCOUNT: "did you mean 'source'?" },
  },
  {
    file: "accounts.yaml",
    expect: [
      "RB_ACCOUNT_ID_NOT_STRING@5:9",
      "RB_BAD_ACCOUNT_ID@8:9",
      "RB_ACCOUNT_AUTH_CONFLICT@11:5",
      "RB_UNKNOWN_FIELD@12:5",
    ],
    hints: { RB_ACCOUNT_ID_NOT_STRING: 'quote it: id: "111111111111" (numbers lose leading zeros)' },
  },
  {
    file: "dangling-step-ref.yaml",
    expect: ["RB_UNKNOWN_STEP_REF@23:17"],
    hints: { RB_UNKNOWN_STEP_REF: "did you mean 'share-key'?" },
  },
  { file: "unknown-output.yaml", expect: ["RB_UNKNOWN_OUTPUT@24:17", "RB_UNKNOWN_OUTPUT@30:16"] },
  { file: "cycle.yaml", expect: ["RB_CYCLE@13:9"] },
  { file: "duplicate-id.yaml", expect: ["RB_DUPLICATE_STEP_ID@16:9"] },
  {
    file: "unknown-top-field.yaml",
    expect: ["RB_UNKNOWN_FIELD@3:1"],
    hints: { RB_UNKNOWN_FIELD: "did you mean 'description'?" },
  },
  { file: "bad-duration.yaml", expect: ["RB_BAD_DURATION@16:14", "RB_BAD_DURATION@20:14"] },
  { file: "item-outside-foreach.yaml", expect: ["RB_ITEM_OUTSIDE_FOREACH@17:17"] },
  { file: "ambiguous-ref.yaml", expect: ["RB_AMBIGUOUS_ITEM_REF@23:16"] },
  { file: "foreach-not-list.yaml", expect: ["RB_FOREACH_NOT_LIST@16:14"] },
  // `count: ${{ steps.a.outputs.value }}` is unknown until run time: no issue for it.
  { file: "invalid-param.yaml", expect: ["RB_INVALID_PARAM@17:14", "RB_INVALID_PARAM@23:13"] },
  { file: "yaml-syntax.txt", expect: ["RB_YAML_SYNTAX@5:1"] },
  {
    file: "several.yaml",
    expect: [
      "RB_BAD_VERSION@1:10",
      "RB_BAD_NAME@2:7",
      "RB_ACCOUNT_ID_NOT_STRING@5:9",
      "RB_UNKNOWN_ACCOUNT@10:14",
      "RB_UNKNOWN_NEEDS@11:13",
      "RB_BAD_DURATION@12:14",
      "RB_MISSING_PARAM@17:7",
      "RB_UNKNOWN_PARAM@17:7",
      "RB_DUPLICATE_STEP_ID@18:9",
      "RB_UNKNOWN_PARAM_REF@22:14",
      "RB_UNKNOWN_FIELD@23:5",
    ],
  },
];

describe("broken runbooks", () => {
  it.each(TABLE)("$file", ({ file, expect: expected, hints }) => {
    const ds = failures(fixture(`broken/${file}`), {}, `broken/${file}`);
    expect(brief(ds)).toEqual(expected);
    for (const d of ds) {
      expect(d.location?.file).toBe(`broken/${file}`);
      expect(d.message.length).toBeGreaterThan(0);
      expect(Object.keys(RUNBOOK_CODES)).toContain(d.code);
    }
    for (const [code, hint] of Object.entries(hints ?? {})) expect(ds.find((d) => d.code === code)?.hint).toBe(hint);
  });

  it("names the cycle path in dependency order", () => {
    const [d] = failures(fixture("broken/cycle.yaml"));
    expect(d?.message).toBe("dependency cycle: a → c → b → a");
  });

  it("keeps the offending text", () => {
    const ds = failures(fixture("broken/dangling-step-ref.yaml"));
    expect(ds[0]?.text).toBe("${{ steps.share-kye.outputs.keyArn }}");
  });

  it("reports an undeclared --param at the params block", () => {
    const ds = failures(fixture("broken/unknown-type.yaml").replace("kms.create-kye", "kms.create-key"), {
      paramOverrides: { instancs: "[a]" },
    });
    expect(brief(ds)).toEqual(["RB_UNDECLARED_PARAM@10:1"]);
    expect(ds[0]?.hint).toBe("did you mean 'instances'?");
    expect(ds[0]?.text).toBe("--param instancs=[a]");
  });

  it("lists every code with a meaning", () => {
    for (const [code, meaning] of Object.entries(RUNBOOK_CODES)) {
      expect(code).toMatch(/^RB_[A-Z_]+$/);
      expect(meaning.length).toBeGreaterThan(10);
    }
  });
});
