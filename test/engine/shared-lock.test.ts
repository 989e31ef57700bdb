/**
 * The shared migration lock against the simulator's S3 (real SDK, real conditional writes): one holder at a
 * time even when two take it at the same instant, a resume of the holder's run passes, `--abandon` replaces
 * a named holder only, release leaves someone else's lock alone, and a bucket of another account is never
 * written (ExpectedBucketOwner).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquireSharedLock,
  readSharedLock,
  releaseSharedLock,
  type SharedLockHolder,
  type SharedLockSpec,
  sharedLockKey,
} from "../../src/engine/shared-lock.js";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { PROD, REGION, STAGING, startWorld } from "../integration/helpers.js";

const WORLD = join(mkdtempSync(join(tmpdir(), "hikkoshi-lock-")), "world.yaml");
writeFileSync(
  WORLD,
  `accounts:
  "${PROD}":
    name: production
    regions:
      ${REGION}:
        buckets:
          - { name: team-locks, versioning: Enabled }
  "${STAGING}":
    name: staging
    regions:
      ${REGION}:
        buckets:
          - { name: someone-elses-locks }
`,
);

let sim: SimulatorHandle;
let s3: S3Client;
beforeAll(async () => {
  sim = await startWorld(WORLD);
  s3 = new S3Client({
    endpoint: sim.url,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: `AKSIM${PROD}`, secretAccessKey: "simulator" },
  });
});
afterAll(async () => {
  s3?.destroy();
  await sim?.close();
});

const spec: SharedLockSpec = {
  account: "source",
  accountId: PROD,
  bucket: "team-locks",
  key: sharedLockKey("hikkoshi/locks", "split", [STAGING, PROD]),
};
const holder = (runId: string, operator = "alice@laptop"): SharedLockHolder => ({
  format: "hikkoshi-lock/1",
  runId,
  runbook: "split",
  accountIds: [PROD, STAGING],
  operator,
  stateFile: `/home/${operator}/state/hikkoshi.db`,
  acquiredAt: "2026-12-06T01:00:00Z",
});

describe("shared migration lock (S3 conditional writes)", () => {
  it("one key per migration", () => {
    expect(spec.key).toBe(`hikkoshi/locks/split.${PROD}-${STAGING}.lock.json`);
  });

  it("exactly one of two simultaneous takers gets it; the other is told who holds it", async () => {
    const results = await Promise.allSettled([
      acquireSharedLock(s3, spec, holder("run-a", "alice@laptop")),
      acquireSharedLock(s3, spec, holder("run-b", "bob@ci")),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const current = await readSharedLock(s3, spec);
    expect(lost[0]!.reason).toMatchObject({
      code: "RUN_UNFINISHED",
      message: expect.stringContaining(`held by run ${current!.runId}`),
      hint: expect.stringContaining(`hikkoshi resume ${current!.runId} --state ${current!.stateFile}`),
    });

    // The holder's own run (a resume) passes; release by another run does nothing.
    await expect(acquireSharedLock(s3, spec, holder(current!.runId))).resolves.toEqual({});
    expect(await releaseSharedLock(s3, spec, "run-z")).toBe(false);
    expect((await readSharedLock(s3, spec))?.runId).toBe(current!.runId);

    // --abandon replaces only the named holder.
    await expect(acquireSharedLock(s3, spec, holder("run-c"), { abandon: "run-z" })).rejects.toMatchObject({
      code: "RUN_UNFINISHED",
    });
    const replaced = await acquireSharedLock(s3, spec, holder("run-c"), { abandon: current!.runId });
    expect(replaced.replaced?.runId).toBe(current!.runId);
    expect((await readSharedLock(s3, spec))?.runId).toBe("run-c");

    // Released by its run: free for the next.
    expect(await releaseSharedLock(s3, spec, "run-c")).toBe(true);
    expect(await readSharedLock(s3, spec)).toBeUndefined();
    await expect(acquireSharedLock(s3, spec, holder("run-d"))).resolves.toEqual({});
  });

  it("never writes to a bucket owned by another account", async () => {
    const foreign = { ...spec, bucket: "someone-elses-locks" };
    await expect(acquireSharedLock(s3, foreign, holder("run-e"))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    const bucket = sim.dump().s3.buckets.find((b) => b.name === "someone-elses-locks");
    expect(bucket?.owner).toBe(STAGING);
    expect(bucket?.versions).toBe(0);
  });
});
