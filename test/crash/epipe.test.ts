/**
 * The other side crashing: the process reading the CLI's output goes away (`hikkoshi log --json | head -1`,
 * a pager quit early, a CI step killed). The CLI must end quietly, not with Node's "Unhandled 'error'
 * event" stack trace for EPIPE (exit 1, "unexpected error").
 *
 * Found by this suite (the process died with exit 1 and an "Unhandled 'error' event" EPIPE stack trace);
 * fixed in src/cli/io.ts (`quietOnClosedPipe`). Kept as a regression test.
 */

import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, cliEnv, freezeBuild, killAll, ROOT, tempDir } from "./harness.js";

const tmp = tempDir();
beforeAll(() => freezeBuild(tmp.dir), 90_000);
afterAll(() => {
  killAll();
  tmp.cleanup();
});

/** Run the CLI with a stdout pipe whose reading end is closed before anything is written. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin(), ...args], {
    cwd: ROOT,
    env: cliEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.destroy();
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

describe("the reader of the CLI's output goes away", () => {
  for (const args of [["schema"], ["runs", "--json"]]) {
    it(`hikkoshi ${args.join(" ")} into a closed pipe ends without an EPIPE stack trace`, async () => {
      const r = await withClosedStdout(["--state", join(tmp.dir, "state.db"), ...args]);
      expect(r.stderr).not.toContain("Unhandled 'error' event");
      expect(r.stderr).not.toContain("EPIPE");
      expect(r.code, r.stderr).not.toBe(1);
    });
  }
});
