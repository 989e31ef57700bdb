#!/usr/bin/env node
// Validate and plan at scale (issue 13): prints figures, asserts nothing. Run `npm run build` first.
// A forEach over N items (BENCH_ITEMS, default 1,000,10,000,100,000) of
//   noop                — one task per item (plan: only STS, against the simulator)
//   rds.move-snapshot   — a recipe, four tasks per item (validate only: its plan asks RDS about every item)
// Each command runs in its own process (`node bench/validate-scale.mjs child …`), the CLI in-process there:
// its wall time, CPU time and peak RSS are its own, start-up included. Baselines: `node -e` (printing its usage), and
// `validate` of a one-item runbook (the CLI's start-up: the step registry and the AWS SDK it loads).
// Validation and planning should grow linearly with the number of tasks.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mb, startSim } from "./lib/processes.mjs";

const ACCOUNT = "111111111111";

function runbook(kind, n) {
  const items = Array.from({ length: n }, (_, i) => `    - db-${String(i).padStart(6, "0")}`).join("\n");
  const head = `version: 1
name: bench-scale
accounts:
  source: { id: "${ACCOUNT}", region: ap-northeast-1 }
  target: { id: "222222222222", region: ap-northeast-1 }
params:
  items:
${items}
steps:
`;
  if (kind === "noop") {
    return `${head.replace(/ {2}target: .*\n/, "")}  - id: wait
    type: noop
    account: source
    forEach: \${{ params.items }}
`;
  }
  return `${head}  - id: db
    type: rds.move-snapshot
    forEach: \${{ params.items }}
    with:
      from: source
      to: target
      instance: \${{ item }}
      shareKey: arn:aws:kms:ap-northeast-1:${ACCOUNT}:key/share
      targetKey: arn:aws:kms:ap-northeast-1:222222222222:key/target
`;
}

/** One measured process; its last stdout line is JSON. */
function measure(args, env = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    encoding: "utf8",
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    maxBuffer: 1 << 26,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return { wallMs, ...JSON.parse(last) };
  } catch {
    return { wallMs, error: `exit ${r.status}: ${(r.stderr || last).trim().split("\n")[0]}` };
  }
}

const line = (label, value) => console.log(`${label.padEnd(56)} ${value}`);
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const show = (label, r) =>
  r.error
    ? line(label, `failed: ${r.error}`)
    : line(
        label,
        `${s(r.wallMs).padStart(9)} wall ${s(r.cpuMs).padStart(9)} CPU ${`${mb(r.peakRss)} MB`.padStart(8)} peak RSS` +
          (r.code === undefined ? "" : `  exit ${r.code}`) +
          (r.tasks === undefined ? "" : `, ${r.tasks.toLocaleString("en-US")} tasks`),
      );

async function parent() {
  const sizes = (process.env.BENCH_ITEMS ?? "1000,10000,100000").split(",").map(Number);
  const work = mkdtempSync(join(tmpdir(), "hikkoshi-bench-scale-"));
  const me = fileURLToPath(import.meta.url);
  try {
    const base = measure([
      "-e",
      "const u = process.resourceUsage(); console.log(JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, peakRss: u.maxRSS * 1024 }))",
    ]);
    show("baseline: node -e (process start-up)", base);
    const one = join(work, "noop-1.yaml");
    writeFileSync(one, runbook("noop", 1));
    show("baseline: validate, 1 item (CLI start-up)", measure([me, "child", "validate", one]));

    console.log("\nvalidate");
    for (const kind of ["noop", "rds.move-snapshot"]) {
      for (const n of sizes) {
        const file = join(work, `${kind}-${n}.yaml`);
        writeFileSync(file, runbook(kind, n));
        show(`  ${kind}, ${n.toLocaleString("en-US")} items`, measure([me, "child", "validate", file]));
      }
    }

    console.log("\nplan (noop: STS only, simulator in its own process)");
    const seed = join(work, "world.json");
    writeFileSync(
      seed,
      JSON.stringify({ accounts: { [ACCOUNT]: { name: "bench", regions: { "ap-northeast-1": {} } } } }),
    );
    const sim = await startSim(seed);
    try {
      const creds = { AWS_ACCESS_KEY_ID: `AKSIM${ACCOUNT}`, AWS_SECRET_ACCESS_KEY: "simulator" };
      for (const n of sizes) {
        const file = join(work, `noop-${n}.yaml`);
        show(`  noop, ${n.toLocaleString("en-US")} items`, measure([me, "child", "plan", file, sim.url], creds));
      }
    } finally {
      sim.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function child([command, file, endpoint]) {
  const { main } = await import("../dist/cli/main.js");
  let said = "";
  const io = {
    // validate says one line (with the task count); a plan of 100,000 tasks is only counted, not kept.
    out: (t) => {
      if (said.length < 4096) said += t;
    },
    err: (t) => process.stderr.write(`${t}\n`),
    isTTY: false,
    canPrompt: false,
    cwd: process.cwd(),
    env: process.env,
  };
  const args = ["node", "hikkoshi", command, file, ...(endpoint ? ["--endpoint", endpoint] : [])];
  const code = await main(args, io);
  // Start-up included: the process's own CPU time and peak RSS, from its start.
  const usage = process.resourceUsage();
  const tasks = /expanding to (\d+) task/.exec(said)?.[1];
  console.log(
    JSON.stringify({
      code,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      peakRss: usage.maxRSS * 1024,
      ...(tasks === undefined ? {} : { tasks: Number(tasks) }),
    }),
  );
}

const [role, ...rest] = process.argv.slice(2);
if (role === "child") await child(rest);
else await parent();
