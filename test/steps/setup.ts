/** The simulator's test world and a step harness on it, with the production and staging accounts. */
import { fileURLToPath } from "node:url";
import { type SimulatorHandle, startSimulator } from "../../src/sim/index.js";
import { createStepHarness, type StepHarness } from "../helpers/step-context.js";

export const REGION = "ap-northeast-1";
export const PROD = "111111111111";
export const STAGING = "222222222222";
export const TEST_WORLD = fileURLToPath(new URL("../../runbooks/sim/test-world.yaml", import.meta.url));

export interface World {
  sim: SimulatorHandle;
  h: StepHarness;
  close(): Promise<void>;
}

export async function startWorld(options: { runId?: string } = {}): Promise<World> {
  const sim = await startSimulator({ seed: TEST_WORLD });
  // Virtual time moves only when a test (or the harness' wait loop) advances it.
  sim.setSpeed(0);
  const h = await createStepHarness({
    endpoint: sim.url,
    accounts: { source: { id: PROD, region: REGION }, target: { id: STAGING, region: REGION } },
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
