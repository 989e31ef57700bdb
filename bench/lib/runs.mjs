// Shared by the benchmarks that drive the engine directly (not a benchmark): a run of given task specs recorded
// in a store, and the executor over it with no AWS (every task a `noop`).
import { systemClock } from "../../dist/core/clock.js";
import { EventBus } from "../../dist/engine/events.js";
import { execute } from "../../dist/engine/executor.js";
import { nonInteractiveOperator } from "../../dist/engine/operator.js";
import { builtinRegistry } from "../../dist/steps/index.js";

export function createBenchRun(store, id, specs, identities = {}) {
  store.createRun({
    id,
    runbookName: "bench",
    runbookPath: "bench.yaml",
    runbookHash: "h",
    runbookText: "",
    params: {},
    operator: "bench",
    identities,
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

const noAws = { read: async () => ({}), mutate: async () => ({}) };

/** The executor over `runId`'s pending tasks, 32 at once; `stop` as the runner would get it. */
export function executeNoAws(store, runId, stop = () => {}) {
  return execute({
    runId,
    runbookName: "bench",
    store,
    registry: builtinRegistry(),
    accounts: { source: { alias: "source", id: "111111111111", region: "ap-northeast-1" } },
    awsFor: () => noAws,
    bus: new EventBus(),
    clock: systemClock,
    parallel: 32,
    poll: {},
    operator: nonInteractiveOperator("bench"),
    signal: new AbortController().signal,
    confirmed: () => "bench",
    stepMode: false,
    stop,
  });
}
