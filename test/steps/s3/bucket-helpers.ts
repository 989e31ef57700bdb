/**
 * The step tests' world (runbooks/sim/test-world.yaml) plus S3 buckets and name squatters for the
 * bucket-lifecycle step tests, with a harness whose accounts may include us-east-1 ones.
 */
import { readFileSync } from "node:fs";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { parse } from "yaml";
import { type SeedObject, startSimulator } from "../../../src/sim/index.js";
import { createStepHarness, type TestAccount } from "../../helpers/step-context.js";
import { PROD, REGION, STAGING, TEST_WORLD, type World } from "../setup.js";

export interface S3WorldOptions {
  /** Buckets seeded in the production (source) account, ap-northeast-1. */
  sourceBuckets?: Record<string, unknown>[];
  squatters?: Array<{ bucket: string; account: string; region?: string; afterSeconds?: number }>;
  releaseDelaySeconds?: number;
  /** Extra harness accounts (alias → account), e.g. a us-east-1 view of staging. */
  accounts?: Record<string, TestAccount>;
}

export async function startS3World(options: S3WorldOptions = {}): Promise<World> {
  // The seed is YAML; the simulator validates it.
  const seed = parse(readFileSync(TEST_WORLD, "utf8")) as Record<string, any>;
  const region = seed.accounts[PROD].regions[REGION];
  region.buckets = [...(region.buckets ?? []), ...(options.sourceBuckets ?? [])];
  if (options.squatters) seed.s3NameSquatters = options.squatters;
  if (options.releaseDelaySeconds !== undefined) seed.s3NameReleaseDelaySeconds = options.releaseDelaySeconds;
  const sim = await startSimulator({ seed: seed as SeedObject });
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
    runId: "run1",
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

/** A passed s3.verify's outputs for `bucket`. */
export function verified(bucket: string) {
  return { passed: true, source: bucket, destination: `${bucket}-copy`, keys: 1, versions: 1, bytes: 1 };
}

export async function put(s3: S3Client, bucket: string, key: string, body: string): Promise<string | undefined> {
  return (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId;
}
