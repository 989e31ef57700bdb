import { fileURLToPath } from "node:url";
import { KMSClient } from "@aws-sdk/client-kms";
import { RDSClient } from "@aws-sdk/client-rds";
import { STSClient } from "@aws-sdk/client-sts";
import { type SeedObject, type SimulatorHandle, startSimulator } from "../../src/sim/index.js";

export const REGION = "ap-northeast-1";
export const PROD = "111111111111";
export const STAGING = "222222222222";
export const TEST_WORLD = fileURLToPath(new URL("../../runbooks/sim/test-world.yaml", import.meta.url));
export const DEMO_WORLD = fileURLToPath(new URL("../../runbooks/sim/demo-world.yaml", import.meta.url));

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const keyOf = (account: string): Creds => ({ accessKeyId: `AKSIM${account}`, secretAccessKey: "x" });

/** Real SDK clients pointed at the simulator. */
export function clients(sim: SimulatorHandle, creds: Creds = keyOf(PROD), region = REGION) {
  const config = { endpoint: sim.url, region, credentials: creds };
  return { sts: new STSClient(config), kms: new KMSClient(config), rds: new RDSClient(config) };
}

export function startTestSim(seed: SeedObject | string = TEST_WORLD): Promise<SimulatorHandle> {
  return startSimulator({ seed });
}

/** The error a promise rejects with, for asserting on `name` / `Code` / status. */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { Code?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
  }
  throw new Error("expected the call to fail");
}

export const MINUTE = 60_000;
