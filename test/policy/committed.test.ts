/**
 * The policies the README shows for the example runbooks (docs/policies/) are what `hikkoshi policy` writes
 * today: a change to a step type's permissions or to a runbook fails here until `npm run policies` is run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatePolicies, policyFiles } from "../../src/policy/generate.js";
import { loadRunbook } from "../../src/runbook/index.js";
import { builtinRegistry } from "../../src/steps/index.js";

const REPO = join(import.meta.dirname, "../..");

describe("docs/policies", () => {
  it.each(["demo-rds", "demo-split", "staging-rds"])(
    "%s is current (else: npm run build && npm run policies)",
    (name) => {
      const g = generatePolicies(loadRunbook(join(REPO, "runbooks", `${name}.yaml`), builtinRegistry()));
      const dir = join(REPO, "docs/policies", name);
      const expected = policyFiles(g);
      expect(readdirSync(dir).sort()).toEqual(Object.keys(expected).sort());
      for (const [file, text] of Object.entries(expected))
        expect(readFileSync(join(dir, file), "utf8"), file).toBe(text);
    },
  );
});
