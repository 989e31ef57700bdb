import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { ListJobsCommand } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, STAGING } from "./helpers.js";
import { s3Client, s3ControlClient } from "./s3-helpers.js";

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed: { accounts: { [PROD]: {}, [STAGING]: {} } } });
});
afterAll(() => sim.close());

describe("S3 faults and stats", () => {
  it("counts S3 calls, mutating ones apart, under the S3 operation names", async () => {
    const s3 = s3Client(sim);
    sim.resetStats();
    await s3.send(new CreateBucketCommand({ Bucket: "stats-bucket" }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: "stats-bucket", VersioningConfiguration: { Status: "Enabled" } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: "stats-bucket", Key: "a", Body: "1" }));
    await s3.send(new CopyObjectCommand({ Bucket: "stats-bucket", Key: "b", CopySource: "stats-bucket/a" }));
    await s3.send(new GetObjectCommand({ Bucket: "stats-bucket", Key: "a" }));
    await s3.send(new HeadObjectCommand({ Bucket: "stats-bucket", Key: "a" }));
    await s3.send(new ListObjectVersionsCommand({ Bucket: "stats-bucket" }));
    await s3.send(new DeleteObjectCommand({ Bucket: "stats-bucket", Key: "b" }));
    await s3ControlClient(sim).send(new ListJobsCommand({ AccountId: PROD }));
    const stats = sim.stats();
    expect(stats.total).toBe(9);
    expect(stats.mutating).toBe(5);
    expect(stats.calls).toMatchObject({
      "s3:CreateBucket": 1,
      "s3:PutBucketVersioning": 1,
      "s3:PutObject": 1,
      "s3:CopyObject": 1,
      "s3:GetObject": 1,
      "s3:HeadObject": 1,
      "s3:ListObjectVersions": 1,
      "s3:DeleteObject": 1,
      "s3control:ListJobs": 1,
    });
  });

  it("injects faults by S3 action: 5xx and SlowDown are retried by the SDK, a 403 is not", async () => {
    const s3 = s3Client(sim);
    sim.resetStats();
    sim.addFaults([
      { action: "PutObject", code: "InternalError", status: 500 },
      { action: "ListObjectVersions", throttle: true },
      { action: "CopyObject", code: "AccessDenied", status: 403, message: "planted" },
      { action: "ListJobs", service: "s3control", throttle: true },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: "stats-bucket", Key: "c", Body: "3" }));
    await s3.send(new ListObjectVersionsCommand({ Bucket: "stats-bucket" }));
    const denied = await errorOf(
      s3.send(new CopyObjectCommand({ Bucket: "stats-bucket", Key: "d", CopySource: "stats-bucket/c" })),
    );
    expect(denied.name).toBe("AccessDenied");
    expect(denied.message).toBe("planted");
    await s3ControlClient(sim).send(new ListJobsCommand({ AccountId: PROD }));
    const stats = sim.stats();
    expect(stats.calls["s3:PutObject"]).toBe(2);
    expect(stats.calls["s3:ListObjectVersions"]).toBe(2);
    expect(stats.calls["s3control:ListJobs"]).toBe(2);
    expect(stats.errors).toEqual({
      "s3:PutObject:InternalError": 1,
      "s3:ListObjectVersions:SlowDown": 1,
      "s3:CopyObject:AccessDenied": 1,
      "s3control:ListJobs:TooManyRequestsException": 1,
    });
  });

  it("answers an unknown access key with InvalidAccessKeyId", async () => {
    const err = await errorOf(
      s3Client(sim, PROD, undefined, { accessKeyId: "AKNOTKNOWN0000000", secretAccessKey: "x" }).send(
        new GetObjectCommand({ Bucket: "stats-bucket", Key: "a" }),
      ),
    );
    expect(err.name).toBe("InvalidAccessKeyId");
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });
});
