#!/usr/bin/env node
// `status`, `runs` and resume at 1k / 10k / 100k tasks (issue 14 item 3): prints figures, asserts nothing.
// Each size: a state file made through the store API (most tasks succeeded, some failed / waiting / running /
// pending / awaiting approval), then, median of 5 after one warm-up:
//  - `hikkoshi status` (text), `status --json` and `status --all`, whole process (node start-up included) and
//    in-process;
//  - the floors measured in the same run: `node -e 0`, and a child node that opens the file with better-sqlite3
//    and reads the narrow rows (`SELECT task_id, status, attempts, started_at, finished_at … WHERE run_id = ?`);
//  - `runs` whole process.
// Then the engine's start-up on resume of the largest run whose tasks all succeeded but one pending noop.
// BENCH_SIZES=1000,10000 picks sizes; BENCH_DIR=/some/dir keeps (and reuses) the state files.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runsCommand, statusCommand } from "../dist/cli/commands/status.js";
import { hashOf } from "../dist/core/hash.js";
import { openStore } from "../dist/state/index.js";
import { createBenchRun, executeNoAws } from "./lib/runs.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const REPEAT = 5;
const IDENTITIES = { source: "arn:aws:sts::111111111111:assumed-role/bench/bench" };
const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/hikkoshi.js");
const keep = process.env.BENCH_DIR;
const dir = keep ?? mkdtempSync(join(tmpdir(), "hikkoshi-bench-status-"));
mkdirSync(dir, { recursive: true });

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = (label, value) => console.log(`${label.padEnd(72)} ${value}`);

function spec(i, stepId, itemKey) {
  const base = {
    id: itemKey === undefined ? stepId : `${stepId}[${itemKey}]`,
    stepId,
    topStepId: stepId,
    ...(itemKey === undefined ? {} : { itemKey }),
    type: "noop",
    account: "source",
    with: { bucket: "bench-source-bucket", prefix: `data/${itemKey ?? i}/`, note: "a task of realistic size" },
    needs: [],
    location: { file: "bench.yaml", line: 1 + (i % 400), col: 3 },
  };
  return { ...base, defHash: hashOf(base) };
}

const output = (i) => ({ etag: `"${i.toString(16).padStart(32, "0")}"`, bytes: 1024 * i, key: `data/${i}/part-0` });

/** keys (1 task), bucket (60%), objects (the rest: most succeeded, 10 failed, 5 waiting, 5 running, 20 pending), gate. */
function buildStatusRun(path, n) {
  const store = openStore(path);
  const bucket = Math.floor(n * 0.6);
  const specs = [spec(0, "keys")];
  for (let i = 0; i < bucket; i++) specs.push(spec(i, "bucket", `b${i}`));
  for (let i = 0; specs.length < n - 1; i++) specs.push(spec(i, "objects", `o${i}`));
  specs.push(spec(n, "gate"));
  createBenchRun(store, "status", specs, IDENTITIES);
  const objects = specs.filter((s) => s.stepId === "objects");
  const tail = objects.length - 40;
  for (const [i, s] of specs.entries()) {
    if (s.stepId === "gate") continue;
    const k = s.stepId === "objects" ? i - bucket - 1 : -1;
    if (k >= tail + 20) continue; // pending
    store.startTask("status", s.id);
    if (k < tail) store.succeedTask("status", s.id, output(i));
    else if (k < tail + 10)
      store.failTask("status", s.id, { code: "AccessDenied", message: "no access", hint: "grant s3:GetObject" });
    else if (k < tail + 15) store.enterWait("status", s.id, { what: "copy job", deadlineAt: Date.now() + 3600_000 });
  }
  store.startTask("status", "gate");
  store.requestApproval("status", "gate");
  store.close();
}

/** Every task succeeded but the last, a pending noop: what a resume of a nearly finished run starts from. */
function buildResumeRun(path, n) {
  const store = openStore(path);
  const specs = Array.from({ length: n }, (_, i) => spec(i, "bucket", `b${i}`));
  createBenchRun(store, "resume", specs, IDENTITIES);
  for (const s of specs.slice(0, -1)) {
    store.startTask("resume", s.id);
    store.succeedTask("resume", s.id, output(0));
  }
  store.close();
}

function fileFor(name, n, build) {
  const path = join(dir, `${name}-${n}.db`);
  if (existsSync(path)) return path;
  const t0 = process.hrtime.bigint();
  build(path, n);
  console.log(`(made ${name}-${n}.db in ${(ms(t0) / 1000).toFixed(1)} s)`);
  return path;
}

function wholeProcess(args) {
  const times = [];
  let status = 0;
  let bytes = 0;
  for (let i = 0; i <= REPEAT; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 30 });
    if (i > 0) times.push(ms(t0));
    status = r.status;
    bytes = r.stdout.length;
  }
  return { ms: median(times), status, bytes };
}

function inProcess(fn) {
  const times = [];
  for (let i = 0; i <= REPEAT; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    if (i > 0) times.push(ms(t0));
  }
  return median(times);
}

const NARROW = `
  const Database = require(${JSON.stringify(join(root, "node_modules/better-sqlite3"))});
  const db = new Database(process.argv[1], { readonly: true });
  const rows = db.prepare("SELECT task_id, status, attempts, started_at, finished_at FROM tasks WHERE run_id = ?").all("status");
  process.stdout.write(rows.length + "\\n");`;

const fmt = (x) => `${x.toFixed(0)} ms`;
const nodeFloor = wholeProcess(["-e", "0"]).ms;
line("floor: node -e 0 (whole process)", fmt(nodeFloor));

for (const n of SIZES) {
  const path = fileFor("status", n, buildStatusRun);
  const io = { out: () => {}, err: () => {}, isTTY: false, canPrompt: false, env: {}, cwd: dir };
  const text = wholeProcess([bin, "status", "status", "--state", path]);
  const json = wholeProcess([bin, "status", "status", "--json", "--state", path]);
  const all = wholeProcess([bin, "status", "status", "--all", "--state", path]);
  const runs = wholeProcess([bin, "runs", "--state", path]);
  const narrow = wholeProcess(["-e", NARROW, path]);
  const textIn = inProcess(() => statusCommand(io, "status", { state: path }));
  const jsonIn = inProcess(() => statusCommand(io, "status", { state: path, json: true }));
  const allIn = inProcess(() => statusCommand(io, "status", { state: path, all: true }));
  const runsIn = inProcess(() => runsCommand(io, { state: path }));
  const label = `${n.toLocaleString("en-US")} tasks`;
  line(`${label}: status (text), whole process / in-process`, `${fmt(text.ms)} / ${fmt(textIn)}  (${text.bytes} B)`);
  line(`${label}: status --json, whole process / in-process`, `${fmt(json.ms)} / ${fmt(jsonIn)}  (${json.bytes} B)`);
  line(`${label}: status --all, whole process / in-process`, `${fmt(all.ms)} / ${fmt(allIn)}  (${all.bytes} B)`);
  line(`${label}: runs, whole process / in-process`, `${fmt(runs.ms)} / ${fmt(runsIn)}`);
  line(`${label}: floor: narrow SELECT in a child node (whole process)`, fmt(narrow.ms));
  if (text.status !== 0 || json.status !== 0) line(`${label}: exit codes`, `${text.status} / ${json.status}`);
}

// The engine's start-up on resume: everything done but one pending noop.
{
  const n = Math.max(...SIZES);
  const path = fileFor("resume", n, buildResumeRun);
  const store = openStore(path);
  const listed = inProcess(() => store.listTasks("resume"));
  // What the engine needs instead: every status, and the definitions of the pending tasks only.
  const narrow = store.taskStatuses
    ? inProcess(() => {
        store.taskStatuses("resume");
        store.listTasks("resume", { status: ["pending"] });
      })
    : undefined;
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    await executeNoAws(store, "resume");
    times.push(ms(t0));
    if (i < 2) {
      // put the one task back to pending for the next round
      const db = spawnSync(process.execPath, [
        "-e",
        `const D=require(${JSON.stringify(join(root, "node_modules/better-sqlite3"))});const d=new D(process.argv[1]);d.prepare("UPDATE tasks SET status='pending' WHERE run_id='resume' AND task_id=?").run(process.argv[2]);`,
        path,
        `bucket[b${n - 1}]`,
      ]);
      if (db.status !== 0) throw new Error(String(db.stderr));
    }
  }
  store.close();
  line(
    `resume of ${n.toLocaleString("en-US")} tasks, 1 pending: execute() in-process (median of 3)`,
    fmt(median(times)),
  );
  line(`resume of ${n.toLocaleString("en-US")} tasks: of which store.listTasks (every definition)`, fmt(listed));
  if (narrow !== undefined) {
    line(`resume of ${n.toLocaleString("en-US")} tasks: taskStatuses + listTasks(pending) instead`, fmt(narrow));
  }
}

if (!keep) rmSync(dir, { recursive: true, force: true });
