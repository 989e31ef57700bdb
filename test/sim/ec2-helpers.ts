import { fileURLToPath } from "node:url";
import { EC2Client } from "@aws-sdk/client-ec2";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { type Creds, keyOf, PROD, REGION } from "./helpers.js";

export const EC2_WORLD = fileURLToPath(new URL("../../runbooks/sim/ec2-test-world.yaml", import.meta.url));
export const LOCKED = "333333333333";

/** Seeded ids of runbooks/sim/ec2-test-world.yaml (production). */
export const VOL = {
  api: "vol-0a1b2c3d4e5f60001", // 100 GB, aws/ebs
  orders: "vol-0a1b2c3d4e5f60002", // 50 GB, alias/ebs-shared (staging may use the key)
  scratch: "vol-0a1b2c3d4e5f60003", // 20 GB, unencrypted
};
export const SNAP = {
  api: "snap-0a1b2c3d4e5f60001", // aws/ebs
  orders: "snap-0a1b2c3d4e5f60002", // alias/ebs-shared
  scratch: "snap-0a1b2c3d4e5f60003", // unencrypted
  secrets: "snap-0a1b2c3d4e5f60004", // alias/prod-only, shared with staging
  locked: "snap-0c0c0c0c0c0c00001", // account 333333333333
};
export const AMI = {
  web: "ami-0a1b2c3d4e5f60001", // one 8 GB snapshot on aws/ebs
  app: "ami-0a1b2c3d4e5f60002", // 8 GB on alias/ebs-shared + 20 GB unencrypted
};

export function ec2Client(sim: SimulatorHandle, creds: Creds = keyOf(PROD), region = REGION): EC2Client {
  return new EC2Client({ endpoint: sim.url, region, credentials: creds });
}
