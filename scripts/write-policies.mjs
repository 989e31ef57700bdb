#!/usr/bin/env node
// `npm run policies`: regenerates docs/policies/<runbook>/ for the example runbooks with `hikkoshi policy`
// (the README's IAM section shows and links them; test/policy/committed.test.ts fails when they are stale).
// Run `npm run build` first.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
for (const runbook of ["demo-rds", "demo-split", "staging-rds"]) {
  const dir = `docs/policies/${runbook}`;
  rmSync(`${root}${dir}`, { recursive: true, force: true });
  execFileSync(process.execPath, ["bin/hikkoshi.js", "policy", `runbooks/${runbook}.yaml`, "--out-dir", dir], {
    cwd: root,
    stdio: "inherit",
  });
}
