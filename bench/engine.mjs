#!/usr/bin/env node
// Engine benchmarks (issue 3): prints figures, asserts nothing. Run with `npm run bench` (builds first).
//  1. engine overhead per task: 10,000 `noop` tasks, --parallel 32, state on disk
//  2. `hikkoshi status` on a 10,000-task run (in-process command time, and the whole CLI process)
//  3. resume scan of a crashed 10,000-task run (recover in-flight work, list tasks, ready to schedule)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { statusCommand } from "../dist/cli/commands/status.js";
import { systemClock } from "../dist/core/clock.js";
import { hashOf } from "../dist/core/hash.js";
import { EventBus } from "../dist/engine/events.js";
import { execute } from "../dist/engine/executor.js";
import { nonInteractiveOperator } from "../dist/engine/operator.js";
import { openStore } from "../dist/state/index.js";
import { builtinRegistry } from "../dist/steps/index.js";

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

function createRun(store, id, specs) {
  store.createRun({
    id,
    runbookName: "bench",
    runbookPath: "bench.yaml",
    runbookHash: "h",
    runbookText: "",
    params: {},
    operator: "bench",
    identities: {},
    options: {},
    tasks: specs.map((t, seq) => ({
      taskId: t.id,
      seq,
      stepId: t.stepId,
      topStepId: t.topStepId,
      itemKey: t.itemKey,
      type: t.type,
      accountAlias: t.account,
      defHash: t.defHash,
      defJson: t,
    })),
  });
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const line = (label, value) => console.log(`${label.padEnd(58)} ${value}`);

// 1. Engine overhead
{
  const store = openStore(join(dir, "engine.db"));
  createRun(store, "bench1", tasks(N));
  const bus = new EventBus();
  let events = 0;
  bus.on(() => events++);
  const noAws = { read: async () => ({}), mutate: async () => ({}) };
  const t0 = process.hrtime.bigint();
  const result = await execute({
    runId: "bench1",
    runbookName: "bench",
    store,
    registry: builtinRegistry(),
    accounts: { source: { alias: "source", id: "111111111111", region: "ap-northeast-1" } },
    awsFor: () => noAws,
    bus,
    clock: systemClock,
    parallel: 32,
    poll: {},
    operator: nonInteractiveOperator("bench"),
    signal: new AbortController().signal,
    confirmed: () => "bench",
    stepMode: false,
  });
  const total = ms(t0);
  const counts = store.taskCounts("bench1");
  line(`engine: ${N} noop tasks, --parallel 32, state on disk`, `${total.toFixed(0)} ms total`);
  line("engine: overhead per task (target < 1 ms)", `${(total / N).toFixed(3)} ms/task`);
  line("engine: succeeded / failed / events", `${counts.succeeded} / ${result.failed.length} / ${events}`);
  store.close();
}

// 2. status on a 10,000-task run
{
  const path = join(dir, "status.db");
  const store = openStore(path);
  const specs = tasks(N);
  createRun(store, "bench2", specs);
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
  createRun(store, "bench3", specs);
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
