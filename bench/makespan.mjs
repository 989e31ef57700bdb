#!/usr/bin/env node
// Makespan of the 29-bucket night (runbooks/demo-split.yaml on the simulator) at --parallel 1, 4 and 16,
// against the sum of the per-bucket chains and the longest one (issue 4; target: within 10 % of the longest
// chain at 16). Wall-clock figures with the simulator's virtual clock; prints, asserts nothing.
// BENCH_PARALLEL="4,16" picks the levels (parallel 1 takes several minutes).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../dist/cli/main.js";
import { startSimulator } from "../dist/sim/index.js";
import { openStore } from "../dist/state/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const levels = (process.env.BENCH_PARALLEL ?? "1,4,16").split(",").map(Number);
process.env.AWS_ACCESS_KEY_ID = "AKSIM111111111111";
process.env.AWS_SECRET_ACCESS_KEY = "bench";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
for (const k of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"]) delete process.env[k];

for (const parallel of levels) {
  const dir = mkdtempSync(join(tmpdir(), "hikkoshi-makespan-"));
  const sim = await startSimulator({ seed: join(root, "runbooks/sim/demo-split-world.yaml"), port: 0, speed: 7200 });
  const state = join(dir, "state.db");
  const io = {
    out: () => {},
    err: (t) => process.stderr.write(`${t}\n`),
    isTTY: false,
    canPrompt: false,
    env: { ...process.env, HIKKOSHI_POLL_MS: "100" },
    cwd: dir,
  };
  const args = ["node", "hikkoshi", "run", join(root, "runbooks/demo-split.yaml"), "--endpoint", sim.url];
  const common = ["--state", state, "--yes", "--parallel", String(parallel)];
  const t0 = Date.now();
  let code = await main([...args, ...common], io);
  // The manual steps stop the run (exit 5): approve them as an operator would, and resume.
  const store = openStore(state);
  const runId = store.latestRun()?.id;
  for (let i = 0; code === 5 && i < 5; i++) {
    for (const t of store.listTasks(runId).filter((x) => x.status === "awaiting_approval")) {
      store.approveTask(runId, t.taskId, "bench");
    }
    code = await main(["node", "hikkoshi", "resume", runId, "--endpoint", sim.url, ...common], io);
  }
  const wall = Date.now() - t0;
  const chains = new Map();
  for (const t of store.listTasks(runId)) {
    if (t.topStepId !== "bucket" || t.startedAt === undefined) continue;
    const c = chains.get(t.itemKey) ?? { start: Number.POSITIVE_INFINITY, end: 0 };
    c.start = Math.min(c.start, t.startedAt);
    c.end = Math.max(c.end, t.finishedAt ?? c.end);
    chains.set(t.itemKey, c);
  }
  const bucketTasks = store.listTasks(runId).filter((t) => t.topStepId === "bucket");
  const makespan =
    Math.max(...bucketTasks.map((t) => t.finishedAt ?? 0)) -
    Math.min(...bucketTasks.map((t) => t.startedAt ?? Number.POSITIVE_INFINITY));
  const durations = [...chains.values()].map((c) => c.end - c.start);
  const sum = durations.reduce((a, b) => a + b, 0);
  const longest = Math.max(...durations);
  console.log(
    `--parallel ${String(parallel).padEnd(3)} exit ${code}  wall ${(wall / 1000).toFixed(1)} s  bucket makespan ${(makespan / 1000).toFixed(1)} s  ` +
      `sum of chains ${(sum / 1000).toFixed(1)} s  longest chain ${(longest / 1000).toFixed(1)} s  ` +
      `makespan/longest ${(makespan / longest).toFixed(2)}`,
  );
  store.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
