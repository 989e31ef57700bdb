/**
 * Engine tests drive the real executor and the real SQLite store with small in-test step types, so the
 * scheduling rules are checked without AWS. (AWS-backed steps are covered on the simulator elsewhere.)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { systemClock } from "../../src/core/clock.js";
import { hashOf } from "../../src/core/hash.js";
import { type EngineEvent, EventBus } from "../../src/engine/events.js";
import { execute } from "../../src/engine/executor.js";
import type { Operator } from "../../src/engine/operator.js";
import type { TaskSpec } from "../../src/runbook/types.js";
import { openStore, type Store } from "../../src/state/index.js";
import { type AwsWriter, defineStep, type RunContext } from "../../src/steps/define.js";
import { createRegistry } from "../../src/steps/registry.js";

export function tempStore(): { store: Store; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "hikkoshi-engine-"));
  const path = join(dir, "state.db");
  return { store: openStore(path), path };
}

export function spec(
  id: string,
  type: string,
  options: { needs?: string[]; with?: Record<string, unknown>; if?: string } = {},
): TaskSpec {
  const base = {
    id,
    stepId: id,
    topStepId: id,
    type,
    account: "source",
    with: options.with ?? {},
    needs: options.needs ?? [],
    location: { file: "test.yaml", line: 1, col: 1 },
    ...(options.if ? { if: options.if } : {}),
  };
  return { ...base, defHash: hashOf(base) };
}

export interface Probe {
  calls: Map<string, number>;
  active: number;
  maxActive: number;
  failing: Set<string>;
  released: boolean;
  /** Called as a `t.work` step starts running (before its work). */
  onRun?: (ctx: RunContext) => void;
}

export function probe(): Probe {
  return { calls: new Map(), active: 0, maxActive: 0, failing: new Set(), released: false };
}

const count = (p: Probe, ctx: RunContext) => p.calls.set(ctx.taskId, (p.calls.get(ctx.taskId) ?? 0) + 1);

export function testRegistry(p: Probe) {
  const empty = z.object({}).strict();
  return createRegistry(
    [
      defineStep({
        type: "t.work",
        description: "counts calls, tracks concurrency, fails while listed in probe.failing",
        params: z.object({ ms: z.number().default(5), key: z.string().optional() }).strict(),
        outputs: { value: "the task id" },
        concurrencyKeys: (params) => (params.key ? [params.key] : []),
        plan: async () => ({ action: "noop", summary: "work", resources: [], preconditions: [] }),
        run: async (ctx, params) => {
          count(p, ctx);
          p.onRun?.(ctx);
          p.active++;
          p.maxActive = Math.max(p.maxActive, p.active);
          try {
            await new Promise((r) => setTimeout(r, params.ms));
            if (p.failing.has(ctx.taskId)) throw new Error(`planted failure in ${ctx.taskId}`);
            return { value: ctx.taskId };
          } finally {
            p.active--;
          }
        },
      }),
      defineStep({
        type: "t.wait",
        description: "waits (engine-owned) until probe.released",
        params: z.object({ timeoutMs: z.number().default(10_000) }).strict(),
        outputs: {},
        plan: async () => ({ action: "wait", summary: "wait", resources: [], preconditions: [] }),
        run: async (ctx, params) => {
          count(p, ctx);
          await ctx.wait({
            what: "release",
            timeoutMs: params.timeoutMs,
            poll: async () => ({ done: p.released, percent: 50 }),
          });
          return {};
        },
      }),
      defineStep({
        type: "t.manual",
        description: "asks for approval",
        params: empty,
        outputs: {},
        plan: async () => ({ action: "manual", summary: "ask", resources: [], preconditions: [] }),
        run: async (ctx) => {
          count(p, ctx);
          await ctx.awaitApproval("do the thing");
          return { approved: true };
        },
      }),
      defineStep({
        type: "t.destroy",
        description: "destructive",
        params: empty,
        outputs: {},
        destructive: true,
        plan: async () => ({ action: "delete", summary: "delete", resources: [], preconditions: [] }),
        run: async (ctx) => {
          count(p, ctx);
          return {};
        },
      }),
    ],
    { lane: 2 },
  );
}

export const noAws: AwsWriter = {
  read: async () => {
    throw new Error("no AWS in engine tests");
  },
  mutate: async () => {
    throw new Error("no AWS in engine tests");
  },
  dryRun: async () => {
    throw new Error("no AWS in engine tests");
  },
};

export const quietOperator = (over: Partial<Operator> = {}): Operator => ({
  name: "tester@host",
  interactive: false,
  approve: async () => "later",
  confirmDestructive: async () => false,
  stepGate: async () => "run",
  ...over,
});

export function createTestRun(store: Store, runId: string, tasks: TaskSpec[]) {
  store.createRun({
    id: runId,
    runbookName: "test",
    runbookPath: "test.yaml",
    runbookHash: "h",
    runbookText: "",
    params: {},
    operator: "tester@host",
    identities: {},
    options: {},
    tasks: tasks.map((t, seq) => ({
      taskId: t.id,
      seq,
      stepId: t.stepId,
      topStepId: t.topStepId,
      type: t.type,
      accountAlias: t.account,
      defHash: t.defHash,
      defJson: t,
    })),
  });
}

export async function runOnce(
  store: Store,
  runId: string,
  p: Probe,
  options: {
    parallel?: number;
    operator?: Operator;
    confirmed?: (id: string) => string | undefined;
    signal?: AbortSignal;
    stepMode?: boolean;
  } = {},
) {
  const events: EngineEvent[] = [];
  const bus = new EventBus();
  bus.on((e) => events.push(e));
  const stopped: unknown[] = [];
  const result = await execute({
    runId,
    runbookName: "test",
    store,
    registry: testRegistry(p),
    accounts: { source: { alias: "source", id: "111111111111", region: "ap-northeast-1" } },
    awsFor: () => noAws,
    bus,
    clock: systemClock,
    parallel: options.parallel ?? 4,
    poll: { initialMs: 2, maxMs: 5 },
    operator: options.operator ?? quietOperator(),
    signal: options.signal ?? new AbortController().signal,
    confirmed: options.confirmed ?? (() => undefined),
    stepMode: options.stepMode ?? false,
    stop: (err) => stopped.push(err),
  });
  return { result, events, stopped };
}
