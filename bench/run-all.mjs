#!/usr/bin/env node
// Runs every benchmark in this folder in turn; each prints its own figures.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
for (const file of readdirSync(here)
  .filter((f) => f.endsWith(".mjs") && f !== "run-all.mjs")
  .sort()) {
  console.log(`\n## ${file}`);
  const r = spawnSync(process.execPath, [`${here}${file}`], { stdio: "inherit" });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}
