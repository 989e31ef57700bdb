#!/usr/bin/env node
// Engine benchmarks (issues 3, 14): prints figures, asserts nothing. Run with `npm run bench` (builds first).
//  1. engine overhead per task at 1k and 10k (100k with BENCH_BIG=1) `noop` tasks, --parallel 32, state on disk,
//     against a floor of two bare SQLite transactions per task, each size in its own process (peak RSS)
//  2. `hikkoshi status` on a 10,000-task run (in-process command time, and the whole CLI process)
//  3. resume scan of a crashed 10,000-task run (recover in-flight work, list tasks, ready to schedule)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { statusCommand } from "../dist/cli/commands/status.js";
import { hashOf } from "../dist/core/hash.js";
import { openStore } from "../dist/state/index.js";
import { createBenchRun, executeNoAws } from "./lib/runs.mjs";

const N = Number(process.env.BENCH_TASKS ?? 10_000);
const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "hikkoshi-bench-"));

function tasks(n) {
  return Array.from({ length: n }, (_, i) => {
    const base = {
      id: `noop[${i}]`,
      stepId: "noop",
      topStepId: "noop",
      itemKey: String(i),
      type: "noop",
      account: "source",
      with: {},
      needs: [],
      location: { file: "bench.yaml", line: 1, col: 1 },
    };
    return { ...base, defHash: hashOf(base) };
  });
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const line = (label, value) => console.log(`${label.padEnd(58)} ${value}`);

// 1. Engine overhead against a floor, each size in its own process (peak RSS is per process).
//    engine: the executor over `noop` tasks with the store fenced as the runner drives it (each write checks the
//    lock in its transaction); floor: two bare SQLite transactions per task (start, succeed) with the same pragmas.
//    The run is recorded by a separate process first, so the engine's peak RSS is what executing needs, not what
//    building 100,000 task specs in the benchmark itself left behind.
if (process.argv[2] === "--child") {
  const [, , , what, n, path] = process.argv;
  const count = Number(n);
  const out = { what, n: count };
  if (what === "seed") {
    const store = openStore(path);
    createBenchRun(store, "bench1", tasks(count));
    store.close();
  } else if (what === "floor") {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec("CREATE TABLE t (id TEXT PRIMARY KEY, status TEXT NOT NULL, at INTEGER)");
    const insert = db.prepare("INSERT INTO t (id, status, at) VALUES (?, 'pending', 0)");
    db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(`noop[${i}]`);
    })();
    const set = db.prepare("UPDATE t SET status = ?, at = ? WHERE id = ?");
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      db.transaction(() => set.run("running", Date.now(), `noop[${i}]`)).immediate();
      db.transaction(() => set.run("succeeded", Date.now(), `noop[${i}]`)).immediate();
    }
    out.ms = ms(t0);
    db.close();
  } else {
    const raw = openStore(path);
    const held = raw.acquireLock("bench1", {
      pid: process.pid,
      host: "bench",
      token: "t",
      now: Date.now(),
      staleAfterMs: 60_000,
    });
    const store = raw.fenced("bench1", "t", held.generation);
    const t0 = process.hrtime.bigint();
    const result = await executeNoAws(store, "bench1", (err) => {
      throw err;
    });
    out.ms = ms(t0);
    out.succeeded = raw.taskCounts("bench1").succeeded;
    out.failed = result.failed.length;
    raw.close();
  }
  out.rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify(out));
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const child = (what, n, path) => {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", what, String(n), path], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${what} ${n}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
};
const sizes = [1_000, N, ...(process.env.BENCH_BIG ? [100_000] : [])];
console.log("engine vs floor (noop tasks, --parallel 32, state on disk; floor = 2 bare transactions per task)");
console.log(
  `${"tasks".padStart(8)} ${"engine ms/task".padStart(15)} ${"floor ms/task".padStart(14)} ${"ratio".padStart(6)} ${"engine RSS".padStart(11)} ${"floor RSS".padStart(10)}`,
);
for (const n of sizes) {
  const enginePath = join(dir, `engine-${n}.db`);
  child("seed", n, enginePath);
  const e = child("engine", n, enginePath);
  const f = child("floor", n, join(dir, `floor-${n}.db`));
  if (e.succeeded !== n) throw new Error(`engine ${n}: ${e.succeeded} succeeded, ${e.failed} failed`);
  console.log(
    `${String(n).padStart(8)} ${(e.ms / n).toFixed(3).padStart(15)} ${(f.ms / n).toFixed(3).padStart(14)} ${(e.ms / f.ms).toFixed(1).padStart(6)} ${`${e.rssMb} MB`.padStart(11)} ${`${f.rssMb} MB`.padStart(10)}`,
  );
}
console.log(
  "targets (issue 14): engine ≤ 0.2 ms/task and ≤ 2× the floor; the ratio flat and RSS independent of task count",
);

// 2. status on a 10,000-task run
{
  const path = join(dir, "status.db");
  const store = openStore(path);
  const specs = tasks(N);
  createBenchRun(store, "bench2", specs);
  for (let i = 0; i < N / 2; i++) {
    store.startTask("bench2", specs[i].id);
    store.succeedTask("bench2", specs[i].id, { n: i });
  }
  store.close();
  const io = { out: () => {}, err: () => {}, isTTY: false, canPrompt: false, env: {}, cwd: dir };
  const t0 = process.hrtime.bigint();
  statusCommand(io, "bench2", { state: path });
  line(`status: ${N}-task run, in-process (target < 300 ms)`, `${ms(t0).toFixed(0)} ms`);
  const t1 = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [join(root, "bin/hikkoshi.js"), "status", "bench2", "--state", path], {
    encoding: "utf8",
  });
  line("status: whole CLI process incl. node start-up", `${ms(t1).toFixed(0)} ms (exit ${child.status})`);
}

// 3. resume scan of a crashed 10,000-task run
{
  const path = join(dir, "resume.db");
  let store = openStore(path);
  const specs = tasks(N);
  createBenchRun(store, "bench3", specs);
  for (let i = 0; i < N; i++) {
    store.startTask("bench3", specs[i].id);
    if (i < N / 2) store.succeedTask("bench3", specs[i].id, { n: i });
  }
  store.close(); // the crash: half the tasks were in flight
  const t0 = process.hrtime.bigint();
  store = openStore(path);
  store.markUnknownAwsCalls("bench3");
  const recovered = store.recoverInFlight("bench3");
  store.retryFailed("bench3");
  const pending = store.listTasks("bench3").filter((t) => t.status === "pending").length;
  line(
    `resume scan: ${N}-task run, ${recovered.length} in flight (target < 1 s)`,
    `${ms(t0).toFixed(0)} ms (${pending} ready)`,
  );
  store.close();
}

rmSync(dir, { recursive: true, force: true });
