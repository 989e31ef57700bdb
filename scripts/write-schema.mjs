#!/usr/bin/env node
// Part of `npm run build`, after tsc: writes runbook.schema.json at the repository root from the built
// step registry, as `hikkoshi schema` prints it: the file every runbook's first line points editors at.
// The file is committed. Under CI (where `npm ci` runs this through `prepare` in a fresh clone) it does not
// write: rewriting it there would hide a stale committed file from test/runbook/json-schema.test.ts, which
// then fails with what to do (the install itself goes on).
import { existsSync, readFileSync, writeFileSync } from "node:fs";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { runbookJsonSchema } = await import("../dist/runbook/index.js");
const { builtinRegistry } = await import("../dist/steps/index.js");
const file = new URL("../runbook.schema.json", import.meta.url);
const text = `${JSON.stringify(runbookJsonSchema(builtinRegistry()), null, 2)}\n`;

if (process.env.CI) {
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
    console.error("runbook.schema.json is missing or stale: run `npm run build` and commit runbook.schema.json");
  }
} else writeFileSync(file, text);
