import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { type Diagnostic, ValidationFailed } from "../../src/core/errors.js";
import { type LoadOptions, parseRunbook, type Runbook } from "../../src/runbook/index.js";
import { testRegistry } from "./registry-fixture.js";

export const FIXTURES = join(import.meta.dirname, "fixtures");

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}

export function load(text: string, options: LoadOptions = {}): Runbook {
  return parseRunbook(text, "rb.yaml", testRegistry, options);
}

/** The diagnostics a load fails with (the test fails if it succeeds). */
export function failures(text: string, options: LoadOptions = {}, file = "rb.yaml"): Diagnostic[] {
  try {
    parseRunbook(text, file, testRegistry, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationFailed);
    return (err as ValidationFailed).diagnostics;
  }
  throw new Error("expected the runbook to be rejected");
}

/** "CODE@line:col" for compact assertions. */
export function brief(ds: Diagnostic[]): string[] {
  return ds.filter((d) => d.severity === "error").map((d) => `${d.code}@${d.location?.line}:${d.location?.col}`);
}

/** A runbook header with two accounts and a list param; append `steps:` items. */
export function withSteps(steps: string, extra = ""): string {
  return `version: 1
name: t
accounts:
  source: { id: "111111111111", region: ap-northeast-1 }
  target: { id: "222222222222", region: ap-northeast-1 }
params:
  instances: [api-db, batch-db]
  other: [x, y]
  flag: true
${extra}steps:
${steps}`;
}
