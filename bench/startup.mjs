#!/usr/bin/env node
// Start-up (issue 14): whole-process wall and CPU time of short `hikkoshi` commands, next to `node -e 0`
// measured in the same run. Prints figures, asserts nothing. Run `npm run build` first.
// Each command runs BENCH_RUNS times (default 5) as `node --import <hook> bin/hikkoshi.js …`: the hook only
// writes the process's own resource usage (user + system CPU, from its start, peak RSS) when it exits, so
// every figure includes Node's own start-up, module loading and exit. `node -e 0` gets the same hook.
// `plan` talks to a simulator the bench starts (`hikkoshi sim`, in its own process, not measured).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { mb } from "./lib/processes.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/hikkoshi.js");
const runs = Number(process.env.BENCH_RUNS ?? 5);
const work = mkdtempSync(join(tmpdir(), "hikkoshi-bench-startup-"));
const hook = join(work, "usage-hook.mjs");
writeFileSync(
  hook,
  `import { writeFileSync } from "node:fs";
process.on("exit", () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, peakRss: u.maxRSS * 1024 }));
});
`,
);

const SIM_CREDENTIALS = { AWS_ACCESS_KEY_ID: "AKSIM111111111111", AWS_SECRET_ACCESS_KEY: "simulator" };

/** One process: wall time from spawn to exit, CPU and peak RSS as the process itself counted them. */
function once(args, env, i) {
  const usageFile = join(work, `usage-${i}.json`);
  rmSync(usageFile, { force: true });
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--import", hook, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env, BENCH_USAGE_FILE: usageFile },
    maxBuffer: 1 << 26,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  try {
    return { wallMs, code: r.status, ...JSON.parse(readFileSync(usageFile, "utf8")), stderr: r.stderr };
  } catch {
    return { wallMs, code: r.status, error: (r.stderr || r.stdout).trim().split("\n")[0] };
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function measure(args, env = {}) {
  const all = [];
  for (let i = 0; i < runs; i++) {
    const r = once(typeof args === "function" ? args(i) : args, env, i);
    if (r.error) return r;
    all.push(r);
  }
  return {
    wallMs: median(all.map((r) => r.wallMs)),
    cpuMs: median(all.map((r) => r.cpuMs)),
    peakRss: median(all.map((r) => r.peakRss)),
    code: all[0]?.code,
  };
}

/** `hikkoshi sim` on a free port, seeded with the demo world; resolves with its URL. */
function startSim() {
  const proc = spawn(
    process.execPath,
    [bin, "sim", "--port", "0", "--seed", join(root, "runbooks/sim/demo-world.yaml")],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).once("line", (first) => {
      const url = /(http:\/\/\S+)/.exec(first)?.[1];
      if (url) resolve({ url, stop: () => proc.kill("SIGTERM") });
      else reject(new Error(`simulator said: ${first}`));
    });
    proc.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
let base;
function show(label, r) {
  if (r.error) return console.log(`${label.padEnd(44)} failed (exit ${r.code}): ${r.error}`);
  const ratio = base ? `${(r.cpuMs / base.cpuMs).toFixed(1)}×`.padStart(7) : "".padStart(7);
  console.log(
    `${label.padEnd(44)} ${s(r.wallMs).padStart(8)} wall ${s(r.cpuMs).padStart(8)} CPU ${ratio} ` +
      `${`${mb(r.peakRss)} MB`.padStart(7)} RSS  exit ${r.code}`,
  );
}

try {
  console.log(`median of ${runs} processes each; ×: CPU relative to node -e 0`);
  base = measure(["-e", "0"]);
  show("node -e 0", base);
  const cli = (...args) => [bin, ...args];
  show("hikkoshi --version", measure(cli("--version")));
  show("hikkoshi --help", measure(cli("--help")));
  show("hikkoshi validate runbooks/demo-split.yaml", measure(cli("validate", "runbooks/demo-split.yaml")));
  show("hikkoshi validate runbooks/demo-rds.yaml", measure(cli("validate", "runbooks/demo-rds.yaml")));
  // A state file that does not exist yet (a new one each time): created, then "no runs yet" (exit 2).
  show(
    "hikkoshi status (no state file yet)",
    measure((i) => cli("status", "--state", join(work, `state-${i}`, "hikkoshi.db"))),
  );
  show("hikkoshi schema", measure(cli("schema")));
  const sim = await startSim();
  try {
    const plan = cli("plan", "runbooks/demo-rds.yaml", "--endpoint", sim.url);
    show("hikkoshi plan runbooks/demo-rds.yaml (sim)", measure(plan, SIM_CREDENTIALS));
  } finally {
    sim.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
