/**
 * s3.move-bucket end to end through the real engine (planner, executor, SQLite store) on the simulator
 * with a fast virtual clock: the keepName chain (temp bucket, delete, name wait, copy back) and the
 * new-name chain, together with the bucket-lifecycle step types.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { createAwsSession } from "../../../src/aws/session.js";
import { systemClock } from "../../../src/core/clock.js";
import { EventBus } from "../../../src/engine/events.js";
import type { Operator } from "../../../src/engine/operator.js";
import { startRun } from "../../../src/engine/runner.js";
import { parseRunbook } from "../../../src/runbook/index.js";
import { type SimulatorHandle, startSimulator } from "../../../src/sim/index.js";
import { openStore } from "../../../src/state/index.js";
import { builtinSteps } from "../../../src/steps/index.js";
import { createRegistry } from "../../../src/steps/registry.js";
import { s3BatchCopy } from "../../../src/steps/s3/copy/batch-copy.js";
import { s3Copy } from "../../../src/steps/s3/copy/copy.js";
import { s3RestoreDeleteMarkers } from "../../../src/steps/s3/copy/restore-delete-markers.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import { s3MoveBucket } from "../../../src/steps/s3/move-bucket.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import { accountSpecs } from "../../helpers/step-context.js";
import {
  bucketState,
  expectedState,
  MANIFESTS,
  PROD,
  REGION,
  ROLE_ARN,
  SOURCE,
  STAGING,
  seedWith,
} from "./data-world.js";

const mine = [s3Manifest, s3BatchCopy, s3Copy, s3RestoreDeleteMarkers, s3Verify, s3MoveBucket];
const known = new Set(builtinSteps.map((s) => s.type));
const registry = createRegistry([...builtinSteps, ...mine.filter((s) => !known.has(s.type))]);

const yes: Operator = {
  name: "test",
  interactive: false,
  approve: async () => "approved",
  confirmDestructive: async () => true,
  stepGate: async () => "run",
};

let sim: SimulatorHandle | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sim = undefined;
  dir = undefined;
});

async function move(steps: string) {
  // 200,000 virtual seconds per real second: the hour a deleted name stays taken passes in ~20 ms.
  sim = await startSimulator({ seed: seedWith(), speed: 200_000 });
  dir = mkdtempSync(join(tmpdir(), "hikkoshi-s3-move-"));
  const text = `version: 1
name: bucket-move
accounts:
  old: { id: "${PROD}", region: ${REGION} }
  new: { id: "${STAGING}", region: ${REGION} }
steps:
${steps}`;
  const runbook = parseRunbook(text, join(dir, "rb.yaml"), registry);
  const specs = accountSpecs({ old: { id: PROD, region: REGION }, new: { id: STAGING, region: REGION } });
  const session = createAwsSession(specs, { endpoint: sim.url, runbookName: runbook.name });
  const store = openStore(join(dir, "state.db"));
  const bus = new EventBus();
  const failures: string[] = [];
  bus.on((e) => {
    if (e.type === "task-status" && e.status === "failed") failures.push(`${e.taskId}: ${JSON.stringify(e.error)}`);
  });
  try {
    const outcome = await startRun(
      { store, registry, session, bus, clock: systemClock, operator: yes, signal: new AbortController().signal },
      runbook,
      { parallel: 4, yes: true, stepMode: false, poll: { initialMs: 2, maxMs: 10 }, operatorName: "test" },
    );
    return { outcome, failures, session, store };
  } finally {
    store.close();
  }
}

describe("s3.move-bucket on the engine", () => {
  it("keepName: true — the bucket ends in the new account under its name with every version; the temp bucket is gone", async () => {
    const { outcome, failures, session } = await move(`  - id: move
    type: s3.move-bucket
    with: { from: old, to: new, bucket: ${SOURCE}, manifestBucket: ${MANIFESTS}, batchRoleArn: "${ROLE_ARN}", mode: batch }
`);
    expect(failures).toEqual([]);
    expect(outcome.state).toBe("succeeded");
    const s3 = session.client("new", "s3");
    expect(await bucketState(s3, SOURCE)).toEqual(expectedState());
    await expect(s3.send(new HeadBucketCommand({ Bucket: `${SOURCE}-hk-tmp` }))).rejects.toThrow();
    const world = sim!.dump();
    expect(world.s3.buckets.filter((b) => b.name.startsWith("hk-src")).map((b) => [b.name, b.owner])).toEqual([
      [SOURCE, STAGING],
    ]);
    // One job per wave and leg: 4 waves there, 4 back, each complete, each with its own token.
    const jobs = world.s3control.jobs;
    expect(jobs.map((j) => j.status)).toEqual(Array(8).fill("Complete"));
    expect(new Set(jobs.map((j) => j.token)).size).toBe(8);
    expect(
      jobs
        .filter((j) => j.targetBucket === SOURCE)
        .map((j) => j.total)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 8, 12]);
    session.destroy();
  });

  it("keepName: false — copies to the new name and leaves the source untouched", async () => {
    const { outcome, failures, session } = await move(`  - id: move
    type: s3.move-bucket
    with: { from: old, to: new, bucket: ${SOURCE}, keepName: false, newName: hk-renamed, manifestBucket: ${MANIFESTS} }
`);
    expect(failures).toEqual([]);
    expect(outcome.state).toBe("succeeded");
    expect(await bucketState(session.client("new", "s3"), "hk-renamed")).toEqual(expectedState());
    expect(await bucketState(session.client("old", "s3"), SOURCE)).toEqual(expectedState());
    const buckets = sim!.dump().s3.buckets.map((b) => [b.name, b.owner]);
    expect(buckets).toEqual(
      expect.arrayContaining([
        [SOURCE, PROD],
        ["hk-renamed", STAGING],
      ]),
    );
    session.destroy();
  });
});
