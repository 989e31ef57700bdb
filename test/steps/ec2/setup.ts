/**
 * The simulator's EC2 world and a step harness on it: production (source), staging (target) and the
 * locked-down account whose EC2 copy/modify actions are denied (locked). Ids are the seed's.
 */
import { fileURLToPath } from "node:url";
import type { SimulatorHandle } from "../../../src/sim/index.js";
import { REGION, startWorld, type World } from "../setup.js";

export { mutations, PROD, REGION, STAGING } from "../setup.js";
export const LOCKED = "333333333333";
export const EC2_TEST_WORLD = fileURLToPath(new URL("../../../runbooks/sim/ec2-test-world.yaml", import.meta.url));

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

export type Ec2World = World;

/** The EC2 world with source, target and the locked-down account (alias `locked`). */
export function startEc2World(options: { runId?: string } = {}): Promise<Ec2World> {
  return startWorld({ ...options, seed: EC2_TEST_WORLD, accounts: { locked: { id: LOCKED, region: REGION } } });
}

/**
 * Mutating calls the simulator answered with success, per action. A dry run is answered with an error
 * (DryRunOperation, UnauthorizedOperation, ...), so it never counts as one here.
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
