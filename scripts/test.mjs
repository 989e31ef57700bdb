#!/usr/bin/env node
// `npm test`: build, type-check, lint, then the whole vitest suite; ends with one plain summary line
// ("N passed, N failed, N skipped") that CI reads. The exit code is vitest's (or the first failure's).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";

const run = (cmd, args) => spawnSync(cmd, args, { stdio: "inherit", shell: false }).status ?? 1;
const npx = (...args) => run("npx", ["--no-install", ...args]);

for (const [label, args] of [
  ["build", ["tsc", "-p", "tsconfig.build.json"]],
  ["bundle", ["node", "scripts/bundle.mjs"]],
  ["typecheck", ["tsc", "-p", "tsconfig.json", "--noEmit"]],
  ["lint", ["node", "scripts/lint.mjs"]],
]) {
  const code = args[0] === "node" ? run(process.execPath, args.slice(1)) : npx(...args);
  if (code !== 0) {
    console.error(`\n${label} failed`);
    console.log("0 passed, 1 failed");
    process.exit(code);
  }
}

mkdirSync(".tmp", { recursive: true });
const extra = process.argv.slice(2);
const code = npx(
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  "--outputFile.json=.tmp/vitest.json",
  ...extra,
);
let summary = "0 passed, 1 failed";
try {
  const r = JSON.parse(readFileSync(".tmp/vitest.json", "utf8"));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
} catch {
  // no report: vitest itself failed to start; the failing line above stands
}
console.log(`\ntests: ${summary}`);
process.exit(code);
