/**
 * Processes opening one fresh state file at the same instant (two runs of one migration started together,
 * a `status` racing them) all open it: switching a new file to WAL answers SQLITE_BUSY without SQLite's
 * busy handler, and the store tries again within its busy timeout. A race: on a busy machine (CI running
 * beside it) about one process in twenty failed here with "database is locked" before (an unexpected error,
 * exit 1); on a quiet one it may not show. The retry itself is tested deterministically in
 * test/state/busy.test.ts.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freezeBuild, tempDir } from "./harness.js";

const tmp = tempDir("hikkoshi-state-open-");
const ROUNDS = 10;
const PROCESSES = 6;

beforeAll(async () => {
  await freezeBuild(tmp.dir);
  // Each child waits for the same instant, then opens the store (migrations included) and closes it.
  writeFileSync(
    join(tmp.dir, "open.mjs"),
    `import { openStore } from ${JSON.stringify(join(tmp.dir, "dist/state/index.js"))};
const [path, at] = process.argv.slice(2);
while (Date.now() < Number(at)) {}
try { openStore(path).close(); console.log("ok"); }
catch (e) { console.log(e.code + " " + e.message); }
`,
  );
}, 120_000);
afterAll(() => tmp.cleanup());

function opener(path: string, at: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(tmp.dir, "open.mjs"), path, String(at)]);
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.on("exit", () => resolve(out.trim()));
  });
}

describe("opening a fresh state file", () => {
  it(`${ROUNDS} rounds of ${PROCESSES} processes at the same instant: every one opens it`, async () => {
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const path = join(tmp.dir, `state-${round}.db`);
      // Far enough ahead that every child has started and is spinning on the same instant.
      const at = Date.now() + 800;
      const outs = await Promise.all(Array.from({ length: PROCESSES }, () => opener(path, at)));
      failures.push(...outs.filter((o) => o !== "ok"));
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
