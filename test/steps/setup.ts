/** The simulator's test world and a step harness on it, with the production and staging accounts. */
import { fileURLToPath } from "node:url";
import type { Json } from "../../src/core/json.js";
import { type SimulatorHandle, startSimulator } from "../../src/sim/index.js";
import type { ExpandedStep, StepDefinition } from "../../src/steps/define.js";
import { builtinRegistry } from "../../src/steps/index.js";
import { createStepHarness, type StepHarness, type TestAccount } from "../helpers/step-context.js";

export const REGION = "ap-northeast-1";
export const PROD = "111111111111";
export const STAGING = "222222222222";
export const TEST_WORLD = fileURLToPath(new URL("../../runbooks/sim/test-world.yaml", import.meta.url));

export interface World {
  sim: SimulatorHandle;
  h: StepHarness;
  close(): Promise<void>;
}

export interface WorldOptions {
  runId?: string;
  /** Seed file; default the test world. */
  seed?: string;
  /** Harness accounts besides source (production) and target (staging). */
  accounts?: Record<string, TestAccount>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const sim = await startSimulator({ seed: options.seed ?? TEST_WORLD });
  // Virtual time moves only when a test (or the harness' wait loop) advances it.
  sim.setSpeed(0);
  const h = await createStepHarness({
    endpoint: sim.url,
    accounts: {
      source: { id: PROD, region: REGION },
      target: { id: STAGING, region: REGION },
      ...(options.accounts ?? {}),
    },
    advance: (ms) => sim.advance(ms),
    now: () => sim.now(),
    ...(options.runId ? { runId: options.runId } : {}),
  });
  return {
    sim,
    h,
    close: async () => {
      h.close();
      await sim.close();
    },
  };
}

/** "service:Action" of every mutating call the simulator answered, in order of the journal. */
export function mutations(h: StepHarness): string[] {
  return h.journal.map((row) => `${row.service}:${row.action}`);
}

/** `selfRef` of a recipe expanded as step `stepId` (what the runbook layer hands `expand`). */
export const selfRefOf = (stepId: string) => (localId: string, output: string) =>
  `\${{ steps.${stepId}.${localId}.outputs.${output} }}`;

const SIBLING = /^\$\{\{ steps\.([\w-]+)\.([\w-]+)\.outputs\.(\w+) \}\}$/;
const ACCOUNT_REGION = /^\$\{\{ accounts\.([\w-]+)\.region \}\}$/;

/** A recipe's template resolved as the runbook layer would: sibling outputs and account regions. */
function substitute(value: unknown, outputs: Map<string, Record<string, Json>>, h: StepHarness): unknown {
  if (typeof value === "string") {
    const region = ACCOUNT_REGION.exec(value);
    if (region) return h.accounts[region[1]!]?.region;
    const m = SIBLING.exec(value);
    return m ? outputs.get(m[2]!)?.[m[3]!] : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, outputs, h));
  return value;
}

/** Runs a recipe's expanded primitives in order, like the engine would, as tasks `<stepId>.<localId>`. */
export async function runExpanded(h: StepHarness, stepId: string, steps: ExpandedStep[]) {
  const registry = builtinRegistry();
  const outputs = new Map<string, Record<string, Json>>();
  for (const step of steps) {
    const def = registry.primitive(step.type) as StepDefinition<any>;
    const params = Object.fromEntries(Object.entries(step.with).map(([k, v]) => [k, substitute(v, outputs, h)]));
    outputs.set(step.localId, await h.run(def, step.account, params, `${stepId}.${step.localId}`));
  }
  return outputs;
}
