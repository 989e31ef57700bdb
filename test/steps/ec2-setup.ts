/**
 * The simulator's EC2 world and a step harness on it: production (source), staging (target) and the
 * locked-down account whose EC2 copy/modify actions are denied (locked). Ids are the seed's.
 */
import { fileURLToPath } from "node:url";
import type { Json } from "../../src/core/json.js";
import { type SimulatorHandle, startSimulator } from "../../src/sim/index.js";
import type { AnyStepDefinition, ExpandedStep, StepDefinition } from "../../src/steps/define.js";
import { ec2CopyImage } from "../../src/steps/ec2-copy-image.js";
import { ec2CopySnapshot } from "../../src/steps/ec2-copy-snapshot.js";
import { ec2CreateSnapshot } from "../../src/steps/ec2-create-snapshot.js";
import { ec2DeleteSnapshot } from "../../src/steps/ec2-delete-snapshot.js";
import { ec2DeregisterImage } from "../../src/steps/ec2-deregister-image.js";
import { ec2MoveImage } from "../../src/steps/ec2-move-image.js";
import { ec2MoveSnapshot } from "../../src/steps/ec2-move-snapshot.js";
import { ec2ShareImage } from "../../src/steps/ec2-share-image.js";
import { ec2ShareSnapshot } from "../../src/steps/ec2-share-snapshot.js";
import { builtinSteps } from "../../src/steps/index.js";
import { createRegistry, DEFAULT_CONCURRENCY_LIMITS } from "../../src/steps/registry.js";
import { createStepHarness, type StepHarness } from "../helpers/step-context.js";

export const REGION = "ap-northeast-1";
export const PROD = "111111111111";
export const STAGING = "222222222222";
export const LOCKED = "333333333333";
export const EC2_TEST_WORLD = fileURLToPath(new URL("../../runbooks/sim/ec2-test-world.yaml", import.meta.url));

/** Seed ids (runbooks/sim/ec2-test-world.yaml). */
export const SEED = {
  /** 100 GB on aws/ebs. */
  volAwsKey: "vol-0a1b2c3d4e5f60001",
  /** 50 GB on alias/ebs-shared (admits staging). */
  volSharedKey: "vol-0a1b2c3d4e5f60002",
  /** 20 GB unencrypted. */
  volPlain: "vol-0a1b2c3d4e5f60003",
  snapAwsKey: "snap-0a1b2c3d4e5f60001",
  snapSharedKey: "snap-0a1b2c3d4e5f60002",
  snapPlain: "snap-0a1b2c3d4e5f60003",
  /** On alias/prod-only (policy does not admit staging), already shared with staging. */
  snapProdOnlyShared: "snap-0a1b2c3d4e5f60004",
  /** Backed by one aws/ebs snapshot. */
  amiAwsKey: "ami-0a1b2c3d4e5f60001",
  /** Backed by an ebs-shared snapshot and an unencrypted one. */
  amiSharedKey: "ami-0a1b2c3d4e5f60002",
  lockedSnapshot: "snap-0c0c0c0c0c0c00001",
};

export const ec2Steps: AnyStepDefinition[] = [
  ec2CreateSnapshot,
  ec2CopySnapshot,
  ec2ShareSnapshot,
  ec2ShareImage,
  ec2CopyImage,
  ec2DeleteSnapshot,
  ec2DeregisterImage,
  ec2MoveSnapshot,
  ec2MoveImage,
];

/** The built-in steps plus the EC2 ones (until the lead registers them in src/steps/index.ts). */
export function ec2Registry() {
  const known = new Set(builtinSteps.map((s) => s.type));
  return createRegistry([...builtinSteps, ...ec2Steps.filter((s) => !known.has(s.type))], DEFAULT_CONCURRENCY_LIMITS);
}

export interface Ec2World {
  sim: SimulatorHandle;
  h: StepHarness;
  close(): Promise<void>;
}

export async function startEc2World(options: { runId?: string } = {}): Promise<Ec2World> {
  const sim = await startSimulator({ seed: EC2_TEST_WORLD });
  sim.setSpeed(0);
  const h = await createStepHarness({
    endpoint: sim.url,
    accounts: {
      source: { id: PROD, region: REGION },
      target: { id: STAGING, region: REGION },
      locked: { id: LOCKED, region: REGION },
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

/** "service:Action" of every journaled (mutating) call, in order. */
export function mutations(h: StepHarness): string[] {
  return h.journal.map((row) => `${row.service}:${row.action}`);
}

/**
 * Mutating calls the simulator answered with success. Dry runs count as mutating calls in its stats
 * (by name) but are always answered with an error (DryRunOperation, UnauthorizedOperation, ...).
 */
export function succeededMutations(sim: SimulatorHandle): Record<string, number> {
  const stats = sim.stats();
  const out: Record<string, number> = {};
  for (const [key, count] of Object.entries(stats.calls)) {
    const [service, action] = key.split(":");
    if (/^(Describe|List|Get|Head)/.test(action ?? "") || key === "sts:AssumeRole") continue;
    const failures = Object.entries(stats.errors)
      .filter(([e]) => e.startsWith(`${service}:${action}:`))
      .reduce((sum, [, n]) => sum + n, 0);
    if (count - failures > 0) out[key] = count - failures;
  }
  return out;
}

const TEMPLATE = /^\$\{\{ steps\.([\w-]+)\.([\w-]+)\.outputs\.(\w+) \}\}$/;

const ACCOUNT_REGION = /^\$\{\{ accounts\.([\w-]+)\.region \}\}$/;

function substitute(value: unknown, outputs: Map<string, Record<string, Json>>, h?: StepHarness): unknown {
  if (typeof value === "string") {
    const region = ACCOUNT_REGION.exec(value);
    if (region && h) return h.accounts[region[1]!]?.region;
    const m = TEMPLATE.exec(value);
    return m ? outputs.get(m[2]!)?.[m[3]!] : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, outputs, h));
  return value;
}

export const selfRef = (localId: string, output: string) => `\${{ steps.mv.${localId}.outputs.${output} }}`;

/** Runs expanded primitives in order, like the engine would, with sibling outputs substituted. */
export async function runExpanded(h: StepHarness, steps: ExpandedStep[]) {
  const registry = ec2Registry();
  const outputs = new Map<string, Record<string, Json>>();
  for (const step of steps) {
    const def = registry.primitive(step.type) as StepDefinition<any>;
    const params = Object.fromEntries(Object.entries(step.with).map(([k, v]) => [k, substitute(v, outputs, h)]));
    outputs.set(step.localId, await h.run(def, step.account, params, `mv.${step.localId}`));
  }
  return outputs;
}
