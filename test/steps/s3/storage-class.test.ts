import { CopyObjectCommand, DeleteObjectCommand, ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import { DescribeJobCommand, ListJobsCommand } from "@aws-sdk/client-s3-control";
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/json.js";
import { tokenSuffix } from "../../../src/steps/s3/copy/batch-wave.js";
import { s3Copy } from "../../../src/steps/s3/copy/copy.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import { type DataWorld, MANIFESTS, ROLE_ARN, SOURCE, STAGING, seedWith, startDataWorld } from "./data-world.js";

/** Oldest first; classes mixed within keys and within waves. */
const OBJECTS = [
  { key: "a.txt", versions: ["STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING"] },
  { key: "b.txt", versions: ["STANDARD_IA", "STANDARD"] },
  { key: "c.txt", versions: ["INTELLIGENT_TIERING"] },
  { key: "d.txt", versions: ["STANDARD", "STANDARD"] },
].map(({ key, versions }) => ({
  key,
  versions: versions.map((storageClass, i) => ({ body: `${key} v${i}`, storageClass })),
}));

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(): Promise<DataWorld> {
  world = await startDataWorld(seedWith({ source: { objects: OBJECTS } }));
  return world;
}

async function manifestOf(w: DataWorld): Promise<Manifest> {
  const out = await w.h.run(
    s3Manifest,
    "target",
    { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source" },
    "m",
  );
  return out.manifest as unknown as Manifest;
}

/** Per key, the classes of its versions, oldest first. */
async function classesOf(s3: S3Client, bucket: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  for (const v of page.Versions ?? []) {
    out[v.Key!] ??= [];
    out[v.Key!]!.unshift(v.StorageClass ?? "?");
  }
  return out;
}

const EXPECTED = Object.fromEntries(OBJECTS.map((o) => [o.key, o.versions.map((v) => v.storageClass)]));
const verifyParams = (destination: string) => ({ source: SOURCE, destination, sourceAccount: "source" });

describe("storage classes through s3.manifest / s3.copy / s3.verify", () => {
  it("the manifest splits a wave by class only when it holds more than STANDARD", async () => {
    const w = await start();
    const manifest = await manifestOf(w);
    const byWave = manifest.waves.map((wave) => [
      wave.index,
      wave.objects,
      wave.classes?.map((c) => `${c.storageClass}:${c.objects}`),
    ]);
    expect(byWave).toEqual([
      [0, 4, ["INTELLIGENT_TIERING:1", "STANDARD:2", "STANDARD_IA:1"]],
      [1, 3, ["STANDARD:2", "STANDARD_IA:1"]],
      [2, 1, ["INTELLIGENT_TIERING:1"]],
    ]);
    const plan = await w.h.plan(s3Copy, "target", {
      manifest,
      sourceBucket: SOURCE,
      destinationBucket: "hk-dst-direct",
    });
    expect(plan.summary).toMatch(/3 classes: INTELLIGENT_TIERING 2, STANDARD 4, STANDARD_IA 2/);
  });

  it("direct: every destination version keeps its source's class, in order; verify passes", async () => {
    const w = await start();
    const manifest = await manifestOf(w);
    const params = { manifest, sourceBucket: SOURCE, destinationBucket: "hk-dst-direct", mode: "direct" };
    await w.h.run(s3Copy, "target", params, "c");
    expect(await classesOf(w.h.session.client("target", "s3"), "hk-dst-direct")).toEqual(EXPECTED);
    await expect(w.h.run(s3Verify, "target", verifyParams("hk-dst-direct"), "v")).resolves.toMatchObject({
      passed: true,
    });
  });

  it("batch: one job per (wave, class) with its StorageClass; a resume that lost its job ids creates none", async () => {
    const w = await start();
    const manifest = await manifestOf(w);
    const params = {
      manifest,
      sourceBucket: SOURCE,
      destinationBucket: "hk-dst-data",
      mode: "batch",
      roleArn: ROLE_ARN,
    };
    const out = await w.h.run(s3Copy, "target", params, "b");
    const jobs = out.jobs as Array<{ wave: number; storageClass?: string; jobId: string; succeeded: number }>;
    expect(jobs.map((j) => [j.wave, j.storageClass ?? "STANDARD", j.succeeded])).toEqual([
      [0, "INTELLIGENT_TIERING", 1],
      [0, "STANDARD", 2],
      [0, "STANDARD_IA", 1],
      [1, "STANDARD", 2],
      [1, "STANDARD_IA", 1],
      [2, "INTELLIGENT_TIERING", 1],
    ]);
    const control = w.h.session.client("target", "s3control");
    for (const j of jobs) {
      const described = await control.send(new DescribeJobCommand({ AccountId: STAGING, JobId: j.jobId }));
      expect(described.Job?.Operation?.S3PutObjectCopy?.StorageClass).toBe(j.storageClass);
    }
    expect(await classesOf(w.h.session.client("target", "s3"), "hk-dst-data")).toEqual(EXPECTED);

    // Resume with every job id lost (as if each crash came right after CreateJob): the same tokens.
    const saved = w.h.progress.get("b")!;
    const batch = saved.batch as Record<string, { jobs: Array<{ jobId?: string; result?: unknown }>; done?: unknown }>;
    for (const wp of Object.values(batch)) {
      delete wp.done;
      for (const j of wp.jobs) {
        delete j.jobId;
        delete j.result;
      }
    }
    w.h.progress.set("b", saved as JsonObject);
    const again = await w.h.run(s3Copy, "target", params, "b");
    expect((again.jobs as typeof jobs).map((j) => j.jobId)).toEqual(jobs.map((j) => j.jobId));
    const listed = await control.send(new ListJobsCommand({ AccountId: STAGING }));
    expect(listed.Jobs).toHaveLength(6);
    expect(await classesOf(w.h.session.client("target", "s3"), "hk-dst-data")).toEqual(EXPECTED);
  });

  it("verify reports a latest version whose class differs", async () => {
    const w = await start();
    const manifest = await manifestOf(w);
    const params = { manifest, sourceBucket: SOURCE, destinationBucket: "hk-dst-direct", mode: "direct" };
    await w.h.run(s3Copy, "target", params, "c");
    // Planted: c.txt's latest rewritten in place as STANDARD (a copy onto itself changing only the class),
    // the version it replaced removed, so the history keeps its shape and only the class differs.
    const s3 = w.h.session.client("target", "s3");
    const before = await s3.send(new ListObjectVersionsCommand({ Bucket: "hk-dst-direct", Prefix: "c.txt" }));
    const replaced = before.Versions!.find((v) => v.IsLatest)!.VersionId!;
    await s3.send(
      new CopyObjectCommand({
        Bucket: "hk-dst-direct",
        Key: "c.txt",
        CopySource: "hk-dst-direct/c.txt",
        StorageClass: "STANDARD",
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: "hk-dst-direct", Key: "c.txt", VersionId: replaced }));
    const err = await w.h.run(s3Verify, "target", verifyParams("hk-dst-direct"), "v").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VERIFY_FAILED" });
    expect((err as Error).message).toMatch(/"c\.txt" storage-class of version \S+ \(\d of \d\)/);
  });
});

describe("batch tokens", () => {
  it("are the same as before classes existed for STANDARD, and carry the class otherwise", () => {
    expect([tokenSuffix(3, "wave", 0), tokenSuffix(3, "retry", 1), tokenSuffix(3, "wave", 2)]).toEqual([
      "wave-3",
      "retry-3",
      "wave-3-2",
    ]);
    expect(tokenSuffix(3, "wave", 0, "STANDARD")).toBe("wave-3");
    expect([tokenSuffix(3, "wave", 0, "STANDARD_IA"), tokenSuffix(3, "retry", 1, "GLACIER_IR")]).toEqual([
      "wave-3-STANDARD_IA",
      "retry-3-GLACIER_IR",
    ]);
  });
});
