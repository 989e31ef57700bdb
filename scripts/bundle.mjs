#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the CLI (src/cli/main.ts and all it imports) into
// dist/bundle/, which bin/hikkoshi.js loads. Start-up (issue 14): `validate` resolved, read and compiled ~240
// small modules (ours, zod's and yaml's); from a handful of chunks it costs 0.40 s of CPU instead of 0.55 s
// (bench/startup.mjs). Every lazy `import()` (a command, the simulator, the live view) is its own chunk, so
// a command still loads only what it uses (test/cli/startup-imports.test.ts checks the chunks too).
// Left out, loaded from node_modules as before: better-sqlite3 (native) and the AWS SDK, which `aws/sdk.ts`
// loads on first use with `require`. Bundled, the SDK's clients cost more, not less (STS, RDS, KMS and the
// credential providers: 80 → 220 ms of CPU): their packages defer much of their code, one bundle does not.
// Not minified: it measured no faster, and a stack should read like the sources.
// tsc's dist/ stays: the simulator process (dist/sim/main.js), scripts/write-schema.mjs and the benches use it.
// Source maps are written next to the chunks; bin/hikkoshi.js turns them on with HIKKOSHI_DEBUG=1, so a
// stack names src/ files and lines.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}dist/bundle`;

const bundle = await rolldown({
  cwd: root,
  input: { main: "src/cli/main.ts" },
  platform: "node",
  tsconfig: "tsconfig.build.json",
  external: [/^@aws-sdk\//, /^@smithy\//, /^better-sqlite3$/, /^node:/],
  onLog(level, log, handler) {
    // A warning is a bundle that may not behave as the sources do: fail the build on it.
    if (level === "warn") handler("error", log);
    else handler(level, log);
  },
});
rmSync(out, { recursive: true, force: true });
await bundle.write({
  dir: out,
  format: "esm",
  sourcemap: true,
  sourcemapExcludeSources: true,
  chunkFileNames: "[name]-[hash].js",
});
await bundle.close();
