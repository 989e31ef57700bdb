import {
  CopySnapshotCommand,
  CreateServerlessCacheSnapshotCommand,
  CreateSnapshotCommand,
  DeleteServerlessCacheSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DescribeSnapshotsCommand,
  ExportServerlessCacheSnapshotCommand,
} from "@aws-sdk/client-elasticache";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { CACHE_WORLD, cacheClient, GB, MB, servicePolicy } from "./elasticache-helpers.js";
import { errorOf, MINUTE, PROD, REGION, startTestSim } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

let sim: SimulatorHandle;
beforeEach(async () => {
  sim = await startTestSim(CACHE_WORLD);
});
afterEach(() => sim.close());

const AUTOMATED = "automatic.sessions-2026-02-28-03-15";

async function exportTo(bucket: string, name: string) {
  return cacheClient(sim).send(
    new CopySnapshotCommand({ SourceSnapshotName: AUTOMATED, TargetSnapshotName: name, TargetBucket: bucket }),
  );
}

async function keys(bucket: string) {
  const out = await s3Client(sim).send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => [o.Key, o.Size]);
}

describe("exporting an ElastiCache snapshot to S3 (CopySnapshot with TargetBucket)", () => {
  it("refuses a bucket that does not grant ElastiCache access, with AWS's message", async () => {
    const err = await errorOf(exportTo("cache-exports-plain", "out"));
    expect(err.name).toBe("InvalidParameterValueException");
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.message).toBe("ElastiCache has not been granted READ permissions cache-exports-plain on the S3 Bucket.");
    const absent = await errorOf(exportTo("no-such-bucket", "out"));
    expect(absent.message).toBe("The S3 bucket no-such-bucket does not exist.");
    const far = await errorOf(exportTo("cache-exports-far", "out"));
    expect(far.message).toBe("The S3 bucket cache-exports-far is outside of the region.");
    const other = await errorOf(exportTo("cache-exports-other", "out"));
    expect(other.message).toBe("The S3 bucket cache-exports-other is not owned by the authenticated user.");
    expect(await keys("cache-exports-plain")).toEqual([]);
  });

  it("writes one .rdb per shard once the export has had its virtual time (ACL grant)", async () => {
    const out = await exportTo("cache-exports-acl", "sessions-export");
    expect(out.Snapshot?.SnapshotName).toBe(AUTOMATED);
    expect(out.Snapshot?.SnapshotStatus).toBe("exporting");
    // Nothing yet: 3 GB × 120 s/GB = 6 minutes.
    sim.advance(5 * MINUTE);
    expect(await keys("cache-exports-acl")).toEqual([]);
    const busy = await errorOf(cacheClient(sim).send(new DeleteSnapshotCommand({ SnapshotName: AUTOMATED })));
    expect(busy.name).toBe("InvalidSnapshotStateFault");
    sim.advance(MINUTE);
    expect(await keys("cache-exports-acl")).toEqual([
      ["sessions-export-0001.rdb", 2 * GB],
      ["sessions-export-0002.rdb", 1 * GB],
    ]);
    const snap = await cacheClient(sim).send(new DescribeSnapshotsCommand({ SnapshotName: AUTOMATED }));
    expect(snap.Snapshots![0]!.SnapshotStatus).toBe("available");
    const head = await s3Client(sim).send(
      new HeadObjectCommand({ Bucket: "cache-exports-acl", Key: "sessions-export-0001.rdb" }),
    );
    expect(head.ContentLength).toBe(2 * GB);
    // The same name again: the objects exist.
    const again = await errorOf(exportTo("cache-exports-acl", "sessions-export"));
    expect(again.name).toBe("InvalidParameterValueException");
    expect(again.message).toBe(
      "The S3 bucket cache-exports-acl already contains an object with key sessions-export-0001.rdb.",
    );
    const dump = sim.dump();
    expect(dump.s3.buckets.find((b) => b.name === "cache-exports-acl")?.owner).toBe(PROD);
    expect(
      dump.elasticache?.regions[`${PROD}:${REGION}`]?.snapshots.find((s) => s.name === AUTOMATED)?.exports,
    ).toEqual([
      { bucket: "cache-exports-acl", keys: ["sessions-export-0001.rdb", "sessions-export-0002.rdb"], written: true },
    ]);
  });

  it("accepts the bucket policy for the elasticache-snapshot service principal instead of the ACL", async () => {
    await exportTo("cache-exports-policy", "p");
    sim.advance(6 * MINUTE);
    expect((await keys("cache-exports-policy")).map(([k]) => k)).toEqual(["p-0001.rdb", "p-0002.rdb"]);
    // A policy for another region's principal does not do.
    await s3Client(sim).send(
      new PutBucketPolicyCommand({
        Bucket: "cache-exports-plain",
        Policy: JSON.stringify(servicePolicy("cache-exports-plain", "us-east-1")),
      }),
    );
    const err = await errorOf(exportTo("cache-exports-plain", "q"));
    expect(err.message).toBe("ElastiCache has not been granted READ permissions cache-exports-plain on the S3 Bucket.");
    await s3Client(sim).send(
      new PutBucketPolicyCommand({
        Bucket: "cache-exports-plain",
        Policy: JSON.stringify(servicePolicy("cache-exports-plain")),
      }),
    );
    await exportTo("cache-exports-plain", "q");
  });

  it("exports a small standalone snapshot with deterministic content of its size", async () => {
    const ec = cacheClient(sim);
    await ec.send(new CreateSnapshotCommand({ CacheClusterId: "single", SnapshotName: "one" }));
    const early = await errorOf(
      ec.send(
        new CopySnapshotCommand({
          SourceSnapshotName: "one",
          TargetSnapshotName: "x",
          TargetBucket: "cache-exports-acl",
        }),
      ),
    );
    expect(early.name).toBe("InvalidSnapshotStateFault");
    sim.advance(MINUTE);
    await ec.send(
      new CopySnapshotCommand({
        SourceSnapshotName: "one",
        TargetSnapshotName: "x",
        TargetBucket: "cache-exports-acl",
      }),
    );
    sim.advance(90_000);
    const got = await s3Client(sim).send(new GetObjectCommand({ Bucket: "cache-exports-acl", Key: "x-0001.rdb" }));
    const bytes = await got.Body!.transformToByteArray();
    expect(bytes.length).toBe(10 * MB);
  });
});

describe("serverless cache snapshots", () => {
  it("creates, exports and deletes a serverless snapshot", async () => {
    const ec = cacheClient(sim);
    const created = await ec.send(
      new CreateServerlessCacheSnapshotCommand({
        ServerlessCacheName: "carts",
        ServerlessCacheSnapshotName: "carts-1",
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    expect(created.ServerlessCacheSnapshot?.Status).toBe("creating");
    expect(created.ServerlessCacheSnapshot?.SnapshotType).toBe("manual");
    expect(created.ServerlessCacheSnapshot?.ServerlessCacheConfiguration?.ServerlessCacheName).toBe("carts");
    expect(created.ServerlessCacheSnapshot?.ARN).toBe(
      `arn:aws:elasticache:${REGION}:${PROD}:serverlesscachesnapshot:carts-1`,
    );
    const dup = await errorOf(
      ec.send(
        new CreateServerlessCacheSnapshotCommand({
          ServerlessCacheName: "carts",
          ServerlessCacheSnapshotName: "carts-1",
        }),
      ),
    );
    expect(dup.name).toBe("ServerlessCacheSnapshotAlreadyExistsFault");
    const noCache = await errorOf(
      ec.send(
        new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: "nope", ServerlessCacheSnapshotName: "z" }),
      ),
    );
    expect(noCache.name).toBe("ServerlessCacheNotFoundFault");
    const early = await errorOf(
      ec.send(
        new ExportServerlessCacheSnapshotCommand({
          ServerlessCacheSnapshotName: "carts-1",
          S3BucketName: "cache-exports-acl",
        }),
      ),
    );
    expect(early.name).toBe("InvalidServerlessCacheSnapshotStateFault");
    sim.advance(MINUTE);
    const listed = await ec.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: "carts" }));
    expect(listed.ServerlessCacheSnapshots?.map((s) => [s.ServerlessCacheSnapshotName, s.Status])).toEqual([
      ["carts-1", "available"],
    ]);
    const denied = await errorOf(
      ec.send(
        new ExportServerlessCacheSnapshotCommand({
          ServerlessCacheSnapshotName: "carts-1",
          S3BucketName: "cache-exports-plain",
        }),
      ),
    );
    expect(denied.message).toBe(
      "ElastiCache has not been granted READ permissions cache-exports-plain on the S3 Bucket.",
    );
    const exporting = await ec.send(
      new ExportServerlessCacheSnapshotCommand({
        ServerlessCacheSnapshotName: "carts-1",
        S3BucketName: "cache-exports-acl",
      }),
    );
    expect(exporting.ServerlessCacheSnapshot?.Status).toBe("exporting");
    sim.advance(90_000);
    expect(await keys("cache-exports-acl")).toEqual([["carts-1-0001.rdb", 512 * MB]]);
    const deleted = await ec.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "carts-1" }));
    expect(deleted.ServerlessCacheSnapshot?.Status).toBe("deleting");
    sim.advance(MINUTE);
    const gone = await errorOf(
      ec.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: "carts-1" })),
    );
    expect(gone.name).toBe("ServerlessCacheSnapshotNotFoundFault");
  });
});
