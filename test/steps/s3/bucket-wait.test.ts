import { DeleteBucketCommand, GetBucketTaggingCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { s3CaptureConfig } from "../../../src/steps/s3/bucket/capture-config.js";
import { s3CreateBucket } from "../../../src/steps/s3/bucket/create-bucket.js";
import { s3WaitBucketName } from "../../../src/steps/s3/bucket/wait-bucket-name.js";
import { mutations, PROD, STAGING, type World } from "../setup.js";
import { startS3World } from "./bucket-helpers.js";

const HOUR = 3_600_000;
let world: World;
let open: World | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});
async function start(options: Parameters<typeof startS3World>[0]) {
  world = await startS3World(options);
  open = world;
}

const s3 = (alias: string): S3Client => world.h.session.client(alias, "s3");
const createOutcomes = () => world.h.journal.filter((r) => r.action === "CreateBucket").map((r) => r.outcome);

async function moveAway(bucket: string) {
  const { config } = await world.h.run(s3CaptureConfig, "source", { bucket }, `capture[${bucket}]`);
  await s3("source").send(new DeleteBucketCommand({ Bucket: bucket }));
  return config;
}

describe("s3.wait-bucket-name", () => {
  it("loops on CreateBucket through OperationAborted until the name is released, then applies the config", async () => {
    await start({
      sourceBuckets: [{ name: "hk-keep", versioning: "Enabled", tags: { team: "keep" } }],
      releaseDelaySeconds: 2 * 3600,
    });
    const config = await moveAway("hk-keep");
    world.sim.resetStats();
    const params = { bucket: "hk-keep", config, timeout: "72h" };
    const plan = await world.h.plan(s3WaitBucketName, "target", params);
    expect(plan.action).toBe("wait");
    // The risk is flagged once, on the deletion that frees the name; the wait states it in its estimate.
    expect(plan.preconditions.map((p) => p.code)).not.toContain("BUCKET_NAME_CAN_BE_TAKEN");
    expect(plan.estimate?.note).toContain("the name is lost");
    expect(world.sim.stats().mutating).toBe(0);

    const started = world.sim.now();
    const out = await world.h.run(s3WaitBucketName, "target", params, "wait");
    expect(out).toMatchObject({
      bucket: "hk-keep",
      created: true,
      applied: expect.arrayContaining(["versioning", "tags"]),
    });
    expect(world.sim.now() - started).toBeGreaterThanOrEqual(2 * HOUR);
    const outcomes = createOutcomes();
    expect(outcomes.at(-1)).toBe("ok");
    expect(outcomes.slice(0, -1).every((o) => o === "OperationAborted")).toBe(true);
    expect(out.attempts).toBe(outcomes.length);
    expect(world.h.waits[0]?.polls).toBe(outcomes.length);
    const tags = await s3("target").send(new GetBucketTaggingCommand({ Bucket: "hk-keep" }));
    expect(tags.TagSet).toEqual([{ Key: "team", Value: "keep" }]);
    expect(world.h.logs.some((l) => /took the name hk-keep after \d+ attempt\(s\), 2h/.test(l))).toBe(true);
  });

  it("keeps its attempt count and start across a restart", async () => {
    await start({ sourceBuckets: [{ name: "hk-restart" }], releaseDelaySeconds: 3600 });
    await moveAway("hk-restart");
    world.sim.addFaults({ action: "CreateBucket", nth: 3, code: "InvalidRequest", status: 400 });
    await expect(world.h.run(s3WaitBucketName, "target", { bucket: "hk-restart" }, "wait")).rejects.toThrow();
    const saved = world.h.progress.get("wait");
    expect(saved).toMatchObject({ attempts: 3, createSent: true });
    const out = await world.h.run(s3WaitBucketName, "target", { bucket: "hk-restart" }, "wait");
    expect(Number(out.attempts)).toBeGreaterThan(3);
    expect(world.h.progress.get("wait")?.startedAt).toBe(saved?.startedAt);
  });

  it("stops loudly when another account takes the name while it is free", async () => {
    await start({
      sourceBuckets: [{ name: "hk-squat" }],
      releaseDelaySeconds: 3600,
      squatters: [{ bucket: "hk-squat", account: "333333333333", region: "ap-northeast-1", afterSeconds: 0 }],
    });
    await moveAway("hk-squat");
    const err = await world.h.run(s3WaitBucketName, "target", { bucket: "hk-squat" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BUCKET_NAME_TAKEN" });
    const hint = (err as { hint: string }).hint;
    expect(hint).toContain("another account took hk-squat while it was free");
    expect(hint).toContain("keepName: false");
    expect(hint).toContain("AWS support");
    expect(createOutcomes().at(-1)).toBe("BucketAlreadyExists");
  });

  it("gives up at its timeout", async () => {
    await start({ sourceBuckets: [{ name: "hk-slow" }], releaseDelaySeconds: 48 * 3600 });
    await moveAway("hk-slow");
    await expect(world.h.run(s3WaitBucketName, "target", { bucket: "hk-slow", timeout: "30m" })).rejects.toMatchObject({
      code: "WAIT_TIMEOUT",
    });
  });

  it("refuses a timeout that is not a duration", () => {
    expect(s3WaitBucketName.params.safeParse({ bucket: "hk-x", timeout: "soon" }).success).toBe(false);
    expect(s3WaitBucketName.params.parse({ bucket: "hk-x" })).toMatchObject({ timeout: "72h" });
  });

  it("in us-east-1 trusts the owner, not the status code", async () => {
    await start({
      accounts: {
        "target-east": { id: STAGING, region: "us-east-1" },
        "source-east": { id: PROD, region: "us-east-1" },
      },
    });
    // us-east-1 answers 200 to a re-create of one's own bucket: adoption must come from the owner check.
    await world.h.run(s3CreateBucket, "target-east", { bucket: "hk-east" }, "make");
    const adopted = await world.h.run(s3WaitBucketName, "target-east", { bucket: "hk-east" }, "wait");
    expect(adopted).toMatchObject({ created: false, attempts: 1, region: "us-east-1" });
    expect(mutations(world.h)).toEqual(["s3:CreateBucket"]);

    await world.h.run(s3CreateBucket, "source-east", { bucket: "hk-east-taken" }, "other");
    await expect(
      world.h.run(s3WaitBucketName, "target-east", { bucket: "hk-east-taken" }, "wait-taken"),
    ).rejects.toMatchObject({ code: "BUCKET_NAME_TAKEN" });
  });
});
