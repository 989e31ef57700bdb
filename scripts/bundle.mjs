#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the CLI (src/cli/main.ts and all it imports) into
// dist/bundle/, which bin/hikkoshi.js loads. Start-up (issue 14): resolving, reading and compiling the ~240
// small modules `validate` reached (ours, zod's and yaml's) cost more CPU than the command's own work; the
// bundle is a handful of files. Every lazy `import()` (a command, the simulator, the live view) is its own
// chunk, so a command still loads only what it uses (test/cli/startup-imports.test.ts).
// Left out, loaded from node_modules as before: better-sqlite3 (native) and the AWS SDK, which `aws/sdk.ts`
// loads on first use with `require` and which is CommonJS built for Node already.
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
