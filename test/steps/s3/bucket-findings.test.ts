import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { s3CaptureConfig } from "../../../src/steps/s3/bucket/capture-config.js";
import { s3CreateBucket } from "../../../src/steps/s3/bucket/create-bucket.js";
import type { World } from "../setup.js";
import { startS3World } from "./bucket-helpers.js";

let world: World;
const one = [{ key: "a.txt", versions: [{ body: "a" }] }];
beforeEach(async () => {
  world = await startS3World({
    sourceBuckets: [
      { name: "hk-kms-default", encryption: { algorithm: "aws:kms", kmsKey: "aws/s3" }, objects: one },
      { name: "hk-kms-cmk", encryption: { algorithm: "aws:kms", kmsKey: "alias/app-data" }, objects: one },
      { name: "hk-sse-s3", encryption: { algorithm: "AES256" }, objects: one },
      { name: "hk-locked", versioning: "Enabled", objectLock: true },
    ],
  });
  world.sim.resetStats();
});
afterEach(() => world.close());

const findings = async (bucket: string, alias = "source") => {
  const plan = await world.h.plan(s3CaptureConfig, alias, { bucket });
  return plan.preconditions.filter((p) => !p.ok).map((p) => `${p.severity}:${p.code}`);
};

describe("s3.capture-config plan findings", () => {
  it("blocks a bucket whose default encryption is SSE-KMS with the AWS managed key aws/s3", async () => {
    expect(await findings("hk-kms-default")).toContain("error:S3_SSE_KMS_AWS_MANAGED_KEY");
  });

  it("blocks objects written under aws/s3 even when the bucket default is SSE-S3 now", async () => {
    expect(await findings("hk-sse-s3")).toEqual([]);
    await world.h.session
      .client("source", "s3")
      .send(
        new PutObjectCommand({ Bucket: "hk-sse-s3", Key: "0-secret.txt", Body: "x", ServerSideEncryption: "aws:kms" }),
      );
    expect(await findings("hk-sse-s3")).toContain("error:S3_SSE_KMS_AWS_MANAGED_KEY");
  });

  it("only warns about a customer managed key (its policy must admit the copier)", async () => {
    const found = await findings("hk-kms-cmk");
    expect(found).toContain("warning:S3_SSE_KMS_CUSTOMER_KEY");
    expect(found.filter((f) => f.startsWith("error:"))).toEqual([]);
  });

  it("does not carry default encryption under a key of the source account over, rewritten or not", async () => {
    const { config } = await world.h.run(s3CaptureConfig, "source", { bucket: "hk-kms-cmk" });
    for (const rewriteAccountIds of [false, true]) {
      const plan = await world.h.plan(s3CreateBucket, "target", {
        bucket: "hk-kms-cmk-new",
        config,
        rewriteAccountIds,
      });
      const skipped = plan.preconditions.find((p) => p.code === "S3_SETTING_NOT_REAPPLIED");
      expect(skipped?.message).toMatch(/^encryption: uses the KMS key arn:aws:kms:.*:111111111111:key\//);
    }
    const made = await world.h.run(s3CreateBucket, "target", {
      bucket: "hk-kms-cmk-new",
      config,
      rewriteAccountIds: true,
    });
    expect(made.skipped).toEqual(["encryption"]);
  });

  it("warns about Object Lock", async () => {
    expect(await findings("hk-locked")).toContain("warning:S3_OBJECT_LOCK");
  });

  it("refuses a missing bucket and another account's bucket", async () => {
    expect(await findings("hk-nowhere")).toEqual(["error:S3_BUCKET_NOT_FOUND"]);
    expect(await findings("hk-sse-s3", "target")).toEqual(["error:S3_BUCKET_NOT_OURS"]);
    await expect(world.h.run(s3CaptureConfig, "target", { bucket: "hk-sse-s3" })).rejects.toMatchObject({
      code: "S3_BUCKET_NOT_OURS",
    });
  });

  it("reads without a single mutating call", async () => {
    for (const bucket of ["hk-kms-default", "hk-kms-cmk", "hk-sse-s3", "hk-locked"]) await findings(bucket);
    expect(world.sim.stats().mutating).toBe(0);
    expect(world.h.journal).toEqual([]);
  });
});
