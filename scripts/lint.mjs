#!/usr/bin/env node
// Formatter + linter (Biome). The registry these machines reach serves only Biome's linux-x64 binary, so
// the platform package is an optional dependency called directly; elsewhere lint is skipped, loudly.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../node_modules/@biomejs/cli-linux-x64/biome", import.meta.url));
if (!existsSync(bin)) {
  console.warn("lint skipped: Biome's binary for this platform is not installed (CI runs it on linux-x64)");
  process.exit(0);
}
const args = process.argv.slice(2);
const result = spawnSync(bin, args.length ? args : ["check", "src", "test", "bench"], { stdio: "inherit" });
process.exit(result.status ?? 1);
