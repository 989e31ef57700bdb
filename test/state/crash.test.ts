/**
 * A real crash: a child process drives a run through the store and is killed with SIGKILL mid-flight
 * (no close, no cleanup). A new store on the same file must see every committed write and resume.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { newRun, tempDir, tempStore } from "./helpers.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));

/** Compile the store (and the core it imports) to plain JS a bare `node` can run. */
function compileStore(): string {
  const out = tempDir();
  const tsc = createRequire(import.meta.url).resolve("typescript/lib/tsc.js");
  execFileSync(process.execPath, [
    tsc,
    ...["--outDir", out, "--rootDir", repo, "--module", "NodeNext", "--moduleResolution", "NodeNext"],
    ...["--target", "ES2022", "--types", "node", "--esModuleInterop", "--skipLibCheck", "--strict"],
    join(repo, "src/state/index.ts"),
  ]);
  writeFileSync(join(out, "package.json"), '{ "type": "module" }');
  symlinkSync(join(repo, "node_modules"), join(out, "node_modules"), "dir");
  return out;
}

const CHILD = `
import { openStore } from "./src/state/index.js";
const store = openStore(process.argv[2], { now: () => 1000 });
store.createRun(${JSON.stringify(newRun("run-1"))});
const host = process.argv[3];
store.acquireLock("run-1", { pid: process.pid, host, token: "child", now: 1000, staleAfterMs: 3600000 });
store.startTask("run-1", "t0");
store.succeedTask("run-1", "t0", { bucket: "b" });
store.startTask("run-1", "t1");
store.saveProgress("run-1", "t1", { copied: 42 });
store.journalAppend({ runId: "run-1", taskId: "t1", kind: "aws-call", action: "rds:CopyDBSnapshot", outcome: "pending" });
store.enterWait("run-1", "t1", { what: "snapshot copy", deadlineAt: 50000 });
store.startTask("run-1", "t2");
process.kill(process.pid, "SIGKILL");
`;

describe("crash", () => {
  it("a store killed mid-run loses nothing committed, and a new process resumes it", () => {
    const out = compileStore();
    writeFileSync(join(out, "child.mjs"), CHILD);
    const dbPath = join(tempDir(), "state", "runs.db");
    const child = spawnSync(process.execPath, [join(out, "child.mjs"), dbPath, hostname()], { encoding: "utf8" });
    expect(child.stderr).toBe("");
    expect(child.signal).toBe("SIGKILL");

    const store = tempStore(dbPath, { now: () => 2_000 });
    expect(store.getRun("run-1")?.lock).toMatchObject({ host: hostname(), heartbeatAt: 1_000 });
    expect(store.listTasks("run-1").map((t) => [t.taskId, t.status])).toEqual([
      ["t0", "succeeded"],
      ["t1", "waiting"],
      ["t2", "running"],
    ]);
    expect(store.getTask("run-1", "t0")?.outputs).toEqual({ bucket: "b" });

    // resume, as the engine does it
    const lock = store.acquireLock("run-1", {
      pid: process.pid,
      host: hostname(),
      token: "me",
      now: 2_000,
      staleAfterMs: 3_600_000,
    });
    expect(lock).toMatchObject({ ok: true, tookOverFrom: { reason: "dead-pid", pid: child.pid } });
    expect(store.pendingAwsCalls("run-1").map((j) => j.action)).toEqual(["rds:CopyDBSnapshot"]);
    expect(store.markUnknownAwsCalls("run-1")).toBe(1);
    expect(store.recoverInFlight("run-1")).toEqual(["t1", "t2"]);
    const t1 = store.startTask("run-1", "t1");
    expect(t1).toMatchObject({ attempts: 2, progress: { copied: 42 }, deadlineAt: 50_000 });
    expect(store.enterWait("run-1", "t1", { what: "snapshot copy", deadlineAt: 99_000 })).toBe(50_000);
    expect(store.listAttempts("run-1", "t2").map((a) => a.outcome)).toEqual(["interrupted"]);
  });
});
