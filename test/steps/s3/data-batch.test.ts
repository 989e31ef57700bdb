import { PutBucketPolicyCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { ListJobsCommand } from "@aws-sdk/client-s3-control";
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/json.js";
import { s3BatchCopy } from "../../../src/steps/s3/copy/batch-copy.js";
import { s3RestoreDeleteMarkers } from "../../../src/steps/s3/copy/restore-delete-markers.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import {
  bucketState,
  type DataWorld,
  DEST,
  expectedState,
  MANIFESTS,
  ROLE_ARN,
  readPolicy,
  SOURCE,
  STAGING,
  seedWith,
  startDataWorld,
} from "./data-world.js";

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const GB = 1024 * 1024 * 1024;

async function manifestOf(w: DataWorld): Promise<Manifest> {
  const out = await w.h.run(
    s3Manifest,
    "target",
    { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source" },
    "m",
  );
  return out.manifest as unknown as Manifest;
}

async function jobsIn(w: DataWorld): Promise<string[]> {
  const control = w.h.session.client("target", "s3control");
  const out = await control.send(new ListJobsCommand({ AccountId: STAGING }));
  return (out.Jobs ?? []).map((j) => j.JobId!);
}

const params = (manifest: Manifest) => ({
  manifest,
  sourceBucket: SOURCE,
  destinationBucket: DEST,
  roleArn: ROLE_ARN,
  reportBucket: MANIFESTS,
});

function jobIdsOf(progress: JsonObject | undefined): string[] {
  const batch = (progress?.batch ?? {}) as Record<string, { jobs: Array<{ jobId?: string }> }>;
  return Object.values(batch).flatMap((w) => w.jobs.flatMap((j) => (j.jobId ? [j.jobId] : [])));
}

describe("s3.batch-copy", () => {
  it("copies wave by wave with one job each (tasks run shuffled); the round trip matches the source", async () => {
    world = await startDataWorld();
    const manifest = await manifestOf(world);
    const plan = await world.h.plan(s3BatchCopy, "target", { ...params(manifest) });
    expect(plan.estimate?.note).toMatch(/4 Batch Operations job\(s\), 23 tasks: ~\$1\.00/);
    // The role exists in staging and trusts S3 Batch Operations: plan read it (iam:GetRole) and has nothing to say.
    expect(plan.preconditions.filter((p) => !p.ok).map((p) => p.code)).toEqual([]);

    const out = await world.h.run(s3BatchCopy, "target", params(manifest), "b");
    const jobs = out.jobs as Array<{ wave: number; jobId: string; status: string; succeeded: number; failed: number }>;
    expect(jobs.map((j) => [j.wave, j.status, j.succeeded, j.failed])).toEqual([
      [0, "Complete", 12, 0],
      [1, "Complete", 8, 0],
      [2, "Complete", 2, 0],
      [3, "Complete", 1, 0],
    ]);
    expect((await jobsIn(world)).sort()).toEqual(jobs.map((j) => j.jobId).sort());
    expect(world.h.waits.some((w) => w.percents.length > 0)).toBe(true);

    await world.h.run(s3RestoreDeleteMarkers, "target", { bucket: DEST, manifest }, "dm");
    await world.h.run(s3Verify, "target", { source: SOURCE, destination: DEST, sourceAccount: "source" }, "v");
    expect(await bucketState(world.h.session.client("target", "s3"), DEST)).toEqual(expectedState());
  });

  it("a crash between CreateJob and saving the job id creates no second job on resume", async () => {
    world = await startDataWorld();
    const manifest = await manifestOf(world);
    const ctx = world.h.runContext("target", "b");
    const save = ctx.saveProgress;
    ctx.saveProgress = (p) => {
      if (jobIdsOf(p).length > 0) throw new Error("crash: process killed right after CreateJob");
      save(p);
    };
    await expect(s3BatchCopy.run(ctx, s3BatchCopy.params.parse(params(manifest)))).rejects.toThrow(/crash/);
    expect(await jobsIn(world)).toHaveLength(1);
    expect(jobIdsOf(world.h.progress.get("b"))).toEqual([]);

    await world.h.run(s3BatchCopy, "target", params(manifest), "b");
    expect(world.sim.stats().calls["s3control:CreateJob"]).toBe(5);
    expect(await jobsIn(world)).toHaveLength(4);
    await world.h.run(s3RestoreDeleteMarkers, "target", { bucket: DEST, manifest }, "dm");
    expect(await bucketState(world.h.session.client("target", "s3"), DEST)).toEqual(expectedState());
  });

  it("retries the failed tasks of a wave with a manifest of just those", async () => {
    const deny = {
      Sid: "NotYet",
      Effect: "Deny",
      Principal: { AWS: ROLE_ARN },
      Action: "s3:GetObjectVersion",
      Resource: `arn:aws:s3:::${SOURCE}/plain.txt`,
    };
    world = await startDataWorld(
      seedWith({ source: { policy: { ...readPolicy, Statement: [...readPolicy.Statement, deny] } } }),
    );
    const manifest = await manifestOf(world);
    const ctx = world.h.runContext("target", "b");
    const wait = ctx.wait;
    let first = true;
    ctx.wait = async (o) => {
      const result = await wait(o);
      if (first) {
        // The first job is over (plain.txt failed): the source's owner lifts the deny.
        first = false;
        const source = world!.h.session.client("source", "s3");
        await source.send(new PutBucketPolicyCommand({ Bucket: SOURCE, Policy: JSON.stringify(readPolicy) }));
      }
      return result;
    };
    const out = await s3BatchCopy.run(ctx, s3BatchCopy.params.parse(params(manifest)));
    const jobs = out.jobs as Array<{ wave: number; succeeded: number; failed: number; retryJobIds: string[] }>;
    expect(jobs[0]).toMatchObject({ wave: 0, succeeded: 12, failed: 0, retryJobIds: [expect.any(String)] });
    expect(jobs.slice(1).every((j) => j.retryJobIds.length === 0)).toBe(true);
    expect(await jobsIn(world)).toHaveLength(5);
    await world.h.run(s3RestoreDeleteMarkers, "target", { bucket: DEST, manifest }, "dm");
    expect(await bucketState(world.h.session.client("target", "s3"), DEST)).toEqual(expectedState());
  });

  it("retries failed tasks once from the completion report, then fails with the first failures", async () => {
    world = await startDataWorld(seedWith({ extraObjects: [{ key: "huge.bin", versions: [{ sizeBytes: 6 * GB }] }] }));
    const manifest = await manifestOf(world);
    // A hand-made wave that asks Batch Operations to copy a 6 GB object: AWS fails such tasks.
    const s3 = world.h.session.client("target", "s3");
    const rows = `${SOURCE},plain.txt,${await firstVersion(world, "plain.txt")}\n${SOURCE},huge.bin,${await firstVersion(world, "huge.bin")}\n`;
    const put = await s3.send(new PutObjectCommand({ Bucket: MANIFESTS, Key: "hand/wave.csv", Body: rows }));
    const handMade: Manifest = {
      ...manifest,
      waves: [{ index: 0, key: "hand/wave.csv", etag: put.ETag!.replace(/"/g, ""), objects: 2, bytes: 6 * GB + 2 }],
      large: null,
    };
    const err = await world.h.run(s3BatchCopy, "target", params(handMade), "b").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BATCH_TASKS_FAILED" });
    expect((err as Error).message).toMatch(
      /wave 0.*1 task\(s\) still failed after a retry: huge\.bin\?versionId=\S+: [A-Z]\w+ /,
    );
    expect(await jobsIn(world)).toHaveLength(2);
  });
});

async function firstVersion(w: DataWorld, key: string): Promise<string> {
  const { ListObjectVersionsCommand } = await import("@aws-sdk/client-s3");
  const s3 = w.h.session.client("source", "s3");
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: SOURCE, Prefix: key }));
  const versions = (out.Versions ?? []).filter((v) => v.Key === key);
  return versions[versions.length - 1]!.VersionId!;
}
