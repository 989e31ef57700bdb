import {
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, REGION } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

const START = "2030-01-01T00:00:00.000Z";
const UNTIL = new Date("2031-06-01T00:00:00.000Z");

const seed: SeedObject = {
  startTime: START,
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          buckets: [
            {
              name: "locked",
              objectLock: true,
              objects: [
                {
                  key: "held",
                  versions: [
                    { body: "old", objectLock: { mode: "COMPLIANCE", retainUntil: "2032-01-01T00:00:00Z" } },
                    { body: "new", objectLock: { legalHold: true } },
                  ],
                },
              ],
            },
            { name: "locked-default", objectLock: true },
            { name: "unlocked", versioning: "Enabled", objects: [{ key: "k", versions: [{ body: "k" }] }] },
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

describe("S3 Object Lock per version", () => {
  it("stores the lock headers of a write and answers them on HEAD and through Get*Retention / Get*LegalHold", async () => {
    const s3 = s3Client(sim);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: "locked",
        Key: "doc",
        Body: "locked",
        ObjectLockMode: "GOVERNANCE",
        ObjectLockRetainUntilDate: UNTIL,
        ObjectLockLegalHoldStatus: "ON",
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: "locked", Key: "doc" }));
    expect(head).toMatchObject({
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: UNTIL,
      ObjectLockLegalHoldStatus: "ON",
    });
    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: "locked", Key: "doc", VersionId: put.VersionId }),
    );
    expect(retention.Retention).toEqual({ Mode: "GOVERNANCE", RetainUntilDate: UNTIL });
    const hold = await s3.send(new GetObjectLegalHoldCommand({ Bucket: "locked", Key: "doc" }));
    expect(hold.LegalHold).toEqual({ Status: "ON" });
  });

  it("reads seeded locks per version; a version without one answers NoSuchObjectLockConfiguration", async () => {
    const s3 = s3Client(sim);
    const versions = await s3.send(new HeadObjectCommand({ Bucket: "locked", Key: "held" }));
    expect(versions.ObjectLockLegalHoldStatus).toBe("ON");
    expect(versions.ObjectLockMode).toBeUndefined();
    const noRetention = await errorOf(s3.send(new GetObjectRetentionCommand({ Bucket: "locked", Key: "held" })));
    expect([noRetention.name, noRetention.$metadata?.httpStatusCode]).toEqual(["NoSuchObjectLockConfiguration", 404]);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: "locked", Prefix: "held" }));
    const oldest = listed.Versions!.at(-1)!.VersionId;
    const old = await s3.send(new GetObjectRetentionCommand({ Bucket: "locked", Key: "held", VersionId: oldest }));
    expect(old.Retention).toEqual({ Mode: "COMPLIANCE", RetainUntilDate: new Date("2032-01-01T00:00:00Z") });
    const noHold = await errorOf(
      s3.send(new GetObjectLegalHoldCommand({ Bucket: "locked", Key: "held", VersionId: oldest })),
    );
    expect(noHold.name).toBe("NoSuchObjectLockConfiguration");
  });

  it("refuses lock headers and lock reads on a bucket without Object Lock", async () => {
    const s3 = s3Client(sim);
    const write = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: "unlocked", Key: "x", Body: "x", ObjectLockLegalHoldStatus: "ON" })),
    );
    expect([write.name, write.$metadata?.httpStatusCode, write.message]).toEqual([
      "InvalidRequest",
      400,
      "Bucket is missing Object Lock Configuration",
    ]);
    for (const read of [
      s3.send(new GetObjectRetentionCommand({ Bucket: "unlocked", Key: "k" })),
      s3.send(new GetObjectLegalHoldCommand({ Bucket: "unlocked", Key: "k" })),
    ]) {
      const err = await errorOf(read);
      expect([err.name, err.$metadata?.httpStatusCode]).toEqual(["InvalidRequest", 400]);
    }
    const half = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: "locked", Key: "x", Body: "x", ObjectLockMode: "GOVERNANCE" })),
    );
    expect(half.name).toBe("InvalidArgument");
  });

  it("sets retention and legal hold on a version; a COMPLIANCE retention cannot be shortened", async () => {
    const s3 = s3Client(sim);
    const put = await s3.send(new PutObjectCommand({ Bucket: "locked", Key: "later", Body: "x" }));
    const target = { Bucket: "locked", Key: "later", VersionId: put.VersionId };
    await s3.send(
      new PutObjectRetentionCommand({ ...target, Retention: { Mode: "COMPLIANCE", RetainUntilDate: UNTIL } }),
    );
    await s3.send(new PutObjectLegalHoldCommand({ ...target, LegalHold: { Status: "OFF" } }));
    const head = await s3.send(new HeadObjectCommand(target));
    expect([head.ObjectLockMode, head.ObjectLockRetainUntilDate, head.ObjectLockLegalHoldStatus]).toEqual([
      "COMPLIANCE",
      UNTIL,
      "OFF",
    ]);
    const shorter = await errorOf(
      s3.send(
        new PutObjectRetentionCommand({
          ...target,
          Retention: { Mode: "COMPLIANCE", RetainUntilDate: new Date("2030-06-01T00:00:00Z") },
        }),
      ),
    );
    expect([shorter.name, shorter.$metadata?.httpStatusCode]).toEqual(["AccessDenied", 403]);
  });

  it("gives new versions the bucket's default retention", async () => {
    const s3 = s3Client(sim);
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: "locked-default",
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 10 } },
        },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: "locked-default", Key: "d", Body: "d" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: "locked-default", Key: "d" }));
    expect(head.ObjectLockMode).toBe("GOVERNANCE");
    const days = (head.ObjectLockRetainUntilDate!.getTime() - sim.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9);
    expect(days).toBeLessThanOrEqual(10);
  });
});
