import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { CreateJobCommand, DescribeJobCommand, type S3CopyObjectOperation } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { PROD, REGION } from "./helpers.js";
import { bodyText, s3Client, s3ControlClient } from "./s3-helpers.js";

const SHA = "c2VlZGVkLXNoYTI1Ni12YWx1ZS1mb3ItdGhlLXRlc3QhIQ==";

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
              name: "bc-source",
              versioning: "Enabled",
              objects: [
                {
                  key: "docs/a.txt",
                  versions: [
                    {
                      body: "alpha",
                      contentType: "text/plain",
                      cacheControl: "max-age=9",
                      metadata: { origin: "seed" },
                      tags: { team: "a", tier: "gold" },
                      checksum: { algorithm: "SHA256", value: SHA },
                    },
                  ],
                },
                { key: "docs/b.txt", versions: [{ body: "beta", tags: { team: "b" } }] },
              ],
            },
            { name: "bc-dest", versioning: "Enabled" },
            { name: "bc-locked", objectLock: true },
            { name: "bc-manifests" },
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

const KEYS = ["docs/a.txt", "docs/b.txt"];

/** Runs one S3PutObjectCopy job over the two source keys to completion (virtual time) and returns its status. */
async function runJob(token: string, copy: Omit<S3CopyObjectOperation, "TargetResource">, target = "bc-dest") {
  const s3 = s3Client(sim);
  const rows = KEYS.map((k) => `bc-source,${k}`);
  const put = await s3.send(
    new PutObjectCommand({ Bucket: "bc-manifests", Key: `${token}.csv`, Body: rows.join("\n") }),
  );
  const control = s3ControlClient(sim);
  const { JobId } = await control.send(
    new CreateJobCommand({
      AccountId: PROD,
      ClientRequestToken: token,
      ConfirmationRequired: false,
      Priority: 1,
      RoleArn: `arn:aws:iam::${PROD}:role/batch-role`,
      Operation: { S3PutObjectCopy: { TargetResource: `arn:aws:s3:::${target}`, ...copy } },
      Manifest: {
        Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
        Location: { ObjectArn: `arn:aws:s3:::bc-manifests/${token}.csv`, ETag: put.ETag! },
      },
      Report: { Enabled: false },
    }),
  );
  sim.advance(60_000);
  const job = (await control.send(new DescribeJobCommand({ AccountId: PROD, JobId }))).Job!;
  return { status: job.Status, failed: job.ProgressSummary?.NumberOfTasksFailed };
}

const headOf = (Bucket: string, Key: string) =>
  s3Client(sim).send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: "ENABLED" }));
const tagsOf = async (Bucket: string, Key: string) =>
  (await s3Client(sim).send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet;

describe("Batch Operations copies: key prefix, metadata, tags, checksum, Object Lock", () => {
  it("TargetKeyPrefix puts copies under prefix + source key, with the source's headers, metadata, tags and checksum", async () => {
    expect(await runJob("prefix-copy", { TargetKeyPrefix: "copied/" })).toEqual({ status: "Complete", failed: 0 });
    const listed = await s3Client(sim).send(new ListObjectVersionsCommand({ Bucket: "bc-dest", Prefix: "copied/" }));
    expect(listed.Versions?.map((v) => v.Key)).toEqual(KEYS.map((k) => `copied/${k}`));
    const a = await headOf("bc-dest", "copied/docs/a.txt");
    expect([a.ContentType, a.CacheControl, a.Metadata]).toEqual(["text/plain", "max-age=9", { origin: "seed" }]);
    expect([a.ChecksumSHA256, a.ChecksumType]).toEqual([SHA, "FULL_OBJECT"]);
    expect(await tagsOf("bc-dest", "copied/docs/a.txt")).toEqual([
      { Key: "team", Value: "a" },
      { Key: "tier", Value: "gold" },
    ]);
    expect(await tagsOf("bc-dest", "copied/docs/b.txt")).toEqual([{ Key: "team", Value: "b" }]);
  });

  it("REPLACE takes NewObjectMetadata, NewObjectTagging (even empty) replaces tags, ChecksumAlgorithm computes", async () => {
    const result = await runJob("replace-copy", {
      TargetKeyPrefix: "replaced/",
      MetadataDirective: "REPLACE",
      NewObjectMetadata: {
        ContentType: "application/json",
        ContentLanguage: "de",
        HttpExpiresDate: new Date("2032-01-01T00:00:00Z"),
        UserMetadata: { Fresh: "yes" },
      },
      NewObjectTagging: [],
      ChecksumAlgorithm: "CRC32",
    });
    expect(result).toEqual({ status: "Complete", failed: 0 });
    const a = await headOf("bc-dest", "replaced/docs/a.txt");
    expect([a.ContentType, a.ContentLanguage, a.CacheControl, a.Metadata, a.Expires]).toEqual([
      "application/json",
      "de",
      undefined,
      { fresh: "yes" },
      new Date("2032-01-01T00:00:00Z"),
    ]);
    expect(await tagsOf("bc-dest", "replaced/docs/a.txt")).toEqual([]);
    expect(a.ChecksumCRC32).toBeDefined();
    // The CRC32 is the content's: GET answers it and the SDK checks the body against it.
    const get = await s3Client(sim).send(
      new GetObjectCommand({ Bucket: "bc-dest", Key: "replaced/docs/a.txt", ChecksumMode: "ENABLED" }),
    );
    expect(get.ChecksumCRC32).toBe(a.ChecksumCRC32);
    expect(await bodyText(get)).toBe("alpha");

    await runJob("new-tags", { TargetKeyPrefix: "retagged/", NewObjectTagging: [{ Key: "moved", Value: "1" }] });
    expect(await tagsOf("bc-dest", "retagged/docs/b.txt")).toEqual([{ Key: "moved", Value: "1" }]);
    expect((await headOf("bc-dest", "retagged/docs/a.txt")).ContentType).toBe("text/plain");
  });

  it("applies the ObjectLock fields to every copy; on a bucket without Object Lock the tasks fail", async () => {
    const until = new Date(sim.now() + 30 * 86_400_000);
    until.setUTCMilliseconds(0);
    const lock = {
      ObjectLockMode: "COMPLIANCE",
      ObjectLockRetainUntilDate: until,
      ObjectLockLegalHoldStatus: "ON",
    } as const;
    expect(await runJob("locked-copy", lock, "bc-locked")).toEqual({ status: "Complete", failed: 0 });
    const a = await headOf("bc-locked", "docs/a.txt");
    expect([a.ObjectLockMode, a.ObjectLockRetainUntilDate, a.ObjectLockLegalHoldStatus]).toEqual([
      "COMPLIANCE",
      until,
      "ON",
    ]);
    expect(await runJob("lock-refused", { ...lock, TargetKeyPrefix: "refused/" })).toEqual({
      status: "Complete",
      failed: 2,
    });
  });
});
