import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { CreateJobCommand, DescribeJobCommand } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, REGION } from "./helpers.js";
import { s3Client, s3ControlClient } from "./s3-helpers.js";

const seed: SeedObject = {
  s3BatchTasksPerSecond: 100,
  s3BatchPrepareSeconds: 1,
  accounts: {
    [PROD]: {
      roles: [{ name: "batch-role", trustService: "batchoperations.s3.amazonaws.com" }],
      regions: {
        [REGION]: {
          buckets: [
            {
              name: "sc-source",
              versioning: "Enabled",
              objects: [
                { key: "mixed", versions: [{ body: "v0" }, { body: "v1", storageClass: "STANDARD_IA" }] },
                { key: "cold", versions: [{ body: "frozen", storageClass: "GLACIER" }] },
                { key: "deep", versions: [{ body: "deeper", storageClass: "DEEP_ARCHIVE" }] },
              ],
            },
            { name: "sc-gen", versioning: "Enabled", generated: { keys: 3, storageClass: "ONEZONE_IA" } },
            { name: "sc-dest", versioning: "Enabled" },
          ],
        },
      },
    },
  },
};

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed });
});
afterAll(() => sim.close());

async function classes(bucket: string, key: string): Promise<string[]> {
  const out = await s3Client(sim).send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return (out.Versions ?? []).filter((v) => v.Key === key).map((v) => v.StorageClass ?? "?");
}

describe("S3 storage classes", () => {
  it("seeds per version and per generated bucket, and lists the real class", async () => {
    expect(await classes("sc-source", "mixed")).toEqual(["STANDARD_IA", "STANDARD"]);
    expect(await classes("sc-gen", "gen/0")).toEqual(["ONEZONE_IA"]);
    const v2 = await s3Client(sim).send(new ListObjectsV2Command({ Bucket: "sc-source" }));
    expect(Object.fromEntries((v2.Contents ?? []).map((c) => [c.Key, c.StorageClass]))).toEqual({
      cold: "GLACIER",
      deep: "DEEP_ARCHIVE",
      mixed: "STANDARD_IA",
    });
  });

  it("PutObject honours x-amz-storage-class; Head/Get answer it only when not STANDARD", async () => {
    const s3 = s3Client(sim);
    await s3.send(new PutObjectCommand({ Bucket: "sc-dest", Key: "ia", Body: "x", StorageClass: "STANDARD_IA" }));
    await s3.send(new PutObjectCommand({ Bucket: "sc-dest", Key: "std", Body: "x" }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: "sc-dest", Key: "ia" }))).StorageClass).toBe("STANDARD_IA");
    expect((await s3.send(new GetObjectCommand({ Bucket: "sc-dest", Key: "ia" }))).StorageClass).toBe("STANDARD_IA");
    expect((await s3.send(new HeadObjectCommand({ Bucket: "sc-dest", Key: "std" }))).StorageClass).toBeUndefined();
    const bad = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: "sc-dest", Key: "bad", Body: "x", StorageClass: "COLD" as never })),
    );
    expect(bad.name).toBe("InvalidStorageClass");
  });

  it("CopyObject does not inherit the source's class: absent → STANDARD, else the one asked for", async () => {
    const s3 = s3Client(sim);
    const [latest] = await classes("sc-source", "mixed");
    expect(latest).toBe("STANDARD_IA");
    await s3.send(new CopyObjectCommand({ Bucket: "sc-dest", Key: "copied", CopySource: "sc-source/mixed" }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: "sc-dest",
        Key: "copied",
        CopySource: "sc-source/mixed",
        StorageClass: "INTELLIGENT_TIERING",
      }),
    );
    expect(await classes("sc-dest", "copied")).toEqual(["INTELLIGENT_TIERING", "STANDARD"]);
    // Copying an object onto itself is legal when the class changes.
    await s3.send(
      new CopyObjectCommand({
        Bucket: "sc-dest",
        Key: "copied",
        CopySource: "sc-dest/copied",
        StorageClass: "GLACIER_IR",
      }),
    );
    expect((await classes("sc-dest", "copied"))[0]).toBe("GLACIER_IR");
  });

  it("archived sources (GLACIER, DEEP_ARCHIVE) answer InvalidObjectState 403 to copies and GETs, not to HEAD", async () => {
    const s3 = s3Client(sim);
    for (const key of ["cold", "deep"]) {
      const err = await errorOf(
        s3.send(new CopyObjectCommand({ Bucket: "sc-dest", Key: key, CopySource: `sc-source/${key}` })),
      );
      expect(err.name).toBe("InvalidObjectState");
      expect(err.$metadata?.httpStatusCode).toBe(403);
    }
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket: "sc-source", Key: "cold" })))).name).toBe(
      "InvalidObjectState",
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket: "sc-source", Key: "cold" }))).StorageClass).toBe("GLACIER");
  });

  it("CreateMultipartUpload's class is the completed object's", async () => {
    const s3 = s3Client(sim);
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: "sc-dest", Key: "mpu", StorageClass: "ONEZONE_IA" }),
    );
    const part = await s3.send(
      new UploadPartCopyCommand({
        Bucket: "sc-dest",
        Key: "mpu",
        UploadId,
        PartNumber: 1,
        CopySource: "sc-source/mixed",
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "sc-dest",
        Key: "mpu",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] },
      }),
    );
    expect(await classes("sc-dest", "mpu")).toEqual(["ONEZONE_IA"]);
  });

  it("Batch Operations S3PutObjectCopy copies every task in the job's StorageClass", async () => {
    const s3 = s3Client(sim);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: "sc-source", Prefix: "mixed" }));
    const rows = (listed.Versions ?? []).map((v) => `sc-source,mixed,${v.VersionId}`).join("\n");
    const put = await s3.send(new PutObjectCommand({ Bucket: "sc-dest", Key: "manifest.csv", Body: `${rows}\n` }));
    const control = s3ControlClient(sim, PROD);
    const { JobId } = await control.send(
      new CreateJobCommand({
        AccountId: PROD,
        ClientRequestToken: "sc-job",
        ConfirmationRequired: false,
        Priority: 1,
        RoleArn: `arn:aws:iam::${PROD}:role/batch-role`,
        Operation: {
          S3PutObjectCopy: { TargetResource: "arn:aws:s3:::sc-dest", StorageClass: "STANDARD_IA" },
        },
        Manifest: {
          Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key", "VersionId"] },
          Location: { ObjectArn: "arn:aws:s3:::sc-dest/manifest.csv", ETag: put.ETag!.replace(/"/g, "") },
        },
        Report: { Enabled: false },
      }),
    );
    sim.advance(60_000);
    const job = await control.send(new DescribeJobCommand({ AccountId: PROD, JobId }));
    expect(job.Job?.Status).toBe("Complete");
    expect(job.Job?.Operation?.S3PutObjectCopy?.StorageClass).toBe("STANDARD_IA");
    expect(await classes("sc-dest", "mixed")).toEqual(["STANDARD_IA", "STANDARD_IA"]);
  });

  it("the dump's digest counts a class only when it is not STANDARD", async () => {
    const s3 = s3Client(sim);
    const digests: string[] = [];
    for (const [name, storageClass] of [
      ["sc-dump-a", undefined],
      ["sc-dump-b", "STANDARD"],
      ["sc-dump-c", "STANDARD_IA"],
    ] as const) {
      await s3.send(
        new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: REGION } }),
      );
      await s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "same", StorageClass: storageClass }));
      digests.push(sim.dump().s3.buckets.find((b) => b.name === name)!.digest);
    }
    expect(digests[1]).toBe(digests[0]);
    expect(digests[2]).not.toBe(digests[0]);
  });
});
