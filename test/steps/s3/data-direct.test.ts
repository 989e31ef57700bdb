import { ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { s3Copy } from "../../../src/steps/s3/copy/copy.js";
import { s3RestoreDeleteMarkers } from "../../../src/steps/s3/copy/restore-delete-markers.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import {
  bucketState,
  type DataWorld,
  expectedState,
  MANIFESTS,
  ROLE_ARN,
  SOURCE,
  seedWith,
  startDataWorld,
} from "./data-world.js";

const DIRECT = "hk-dst-direct";
const GB = 1024 * 1024 * 1024;

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function manifestOf(w: DataWorld, taskId = "m"): Promise<Manifest> {
  const out = await w.h.run(
    s3Manifest,
    "target",
    { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source" },
    taskId,
  );
  return out.manifest as unknown as Manifest;
}

describe("s3.copy (direct engine)", () => {
  it("auto picks direct for a small bucket; the round trip keeps every version, the latest and the deletes", async () => {
    world = await startDataWorld();
    const plan = await world.h.plan(s3Copy, "target", {
      manifest: { $unresolved: "steps.m.outputs.manifest" },
      sourceBucket: SOURCE,
      destinationBucket: DIRECT,
      sourceAccount: "source",
    });
    expect(plan.summary).toMatch(/\(direct; auto: 23 versions ≤ 10,000 and .* ≤ 50 GB\)/);
    expect(plan.preconditions.filter((p) => !p.ok && p.severity === "error")).toEqual([]);

    const manifest = await manifestOf(world);
    const copied = await world.h.run(
      s3Copy,
      "target",
      { manifest, sourceBucket: SOURCE, destinationBucket: DIRECT },
      "c",
    );
    // Every delete marker re-created at its place by the copy; the restore step has nothing left to do.
    expect(copied).toMatchObject({ engine: "direct", copied: { versions: 23 }, jobs: [], markers: 4 });
    const markers = await world.h.run(s3RestoreDeleteMarkers, "target", { bucket: DIRECT, manifest }, "dm");
    expect(markers).toMatchObject({ created: 0, alreadyDeleted: 0, markers: 2 });

    const verified = await world.h.run(
      s3Verify,
      "target",
      { source: SOURCE, destination: DIRECT, sourceAccount: "source", manifestBucket: MANIFESTS },
      "v",
    );
    expect(verified).toMatchObject({ passed: true, source: SOURCE, destination: DIRECT, keys: 12, versions: 23 });
    const target = world.h.session.client("target", "s3");
    expect(await bucketState(target, DIRECT)).toEqual(expectedState());
  });

  it("plan blocks a direct copy the destination account cannot read", async () => {
    world = await startDataWorld(seedWith({ source: { policy: undefined } }));
    const plan = await world.h.plan(s3Copy, "target", {
      manifest: { $unresolved: "steps.m.outputs.manifest" },
      sourceBucket: SOURCE,
      destinationBucket: DIRECT,
      sourceAccount: "source",
    });
    const blocking = plan.preconditions.filter((p) => !p.ok && p.severity === "error");
    expect(blocking).toMatchObject([
      { code: "S3_SOURCE_NOT_READABLE", hint: expect.stringContaining("s3:GetObjectVersion") },
    ]);
  });

  it("resumes without copying a version twice", async () => {
    world = await startDataWorld();
    const manifest = await manifestOf(world);
    world.sim.addFaults({ action: "CopyObject", nth: 15, code: "AccessDenied", status: 403 });
    const params = { manifest, sourceBucket: SOURCE, destinationBucket: DIRECT, mode: "direct", concurrency: 3 };
    await expect(world.h.run(s3Copy, "target", params, "c")).rejects.toMatchObject({ code: "AWS_ACCESS_DENIED" });
    await world.h.run(s3Copy, "target", params, "c");
    await world.h.run(s3RestoreDeleteMarkers, "target", { bucket: DIRECT, manifest }, "dm");
    const target = world.h.session.client("target", "s3");
    expect(await bucketState(target, DIRECT)).toEqual(expectedState());
  });

  it("copies an unversioned bucket (version id null) directly and with Batch Operations", async () => {
    const objects = ["a b.txt", "c+d.txt", "日本.txt"].map((key) => ({ key, versions: [{ body: `body of ${key}` }] }));
    world = await startDataWorld(seedWith({ source: { versioning: "Unversioned", objects } }));
    const manifest = await manifestOf(world);
    expect(manifest.totals).toMatchObject({ versions: 3, waves: 1, deleteMarkers: 0 });
    await world.h.run(s3Copy, "target", { manifest, sourceBucket: SOURCE, destinationBucket: DIRECT }, "direct");
    const batch = {
      manifest,
      sourceBucket: SOURCE,
      destinationBucket: "hk-dst-data",
      mode: "batch",
      roleArn: ROLE_ARN,
    };
    await world.h.run(s3Copy, "target", batch, "batch");
    for (const destination of [DIRECT, "hk-dst-data"]) {
      await expect(
        world.h.run(s3Verify, "target", { source: SOURCE, destination, sourceAccount: "source" }, `v-${destination}`),
      ).resolves.toMatchObject({ passed: true, versions: 3 });
    }
  });

  it("a part copy that fails stops the other parts of that version from starting", async () => {
    const big = { key: "big.bin", versions: [{ sizeBytes: 6 * GB }] };
    world = await startDataWorld(seedWith({ source: { objects: [big] } }));
    const manifest = await manifestOf(world);
    world.sim.resetStats();
    world.sim.addFaults({ action: "UploadPartCopy", nth: 2, code: "AccessDenied", status: 403 });
    await expect(
      world.h.run(s3Copy, "target", { manifest, sourceBucket: SOURCE, destinationBucket: DIRECT }, "c"),
    ).rejects.toMatchObject({ code: "AWS_ACCESS_DENIED" });
    // 12 parts, 4 at a time: once the second call fails, no worker takes a new part (the ones in flight may
    // have taken one before the failure was known: at most 3 more); nothing is still copying afterwards.
    await new Promise((r) => setTimeout(r, 300));
    expect(world.sim.stats().calls["s3:UploadPartCopy"]).toBeLessThanOrEqual(7);
    expect(world.sim.stats().calls["s3:CompleteMultipartUpload"] ?? 0).toBe(0);
  });

  it("copies a version over 5 GB by multipart copy in its wave's turn", async () => {
    const big = { key: "big.bin", versions: [{ body: "small-1" }, { sizeBytes: 6 * GB }, { body: "small-3" }] };
    const latestBig = { key: "big-latest.bin", versions: [{ body: "old" }, { sizeBytes: 5 * GB + 1 }] };
    world = await startDataWorld(seedWith({ source: { objects: [big, latestBig] } }));
    const manifest = await manifestOf(world);
    expect(manifest.large).toMatchObject({ count: 2, bytes: 11 * GB + 1, waves: [1] });
    expect(manifest.waves.map((w) => [w.index, w.objects])).toEqual([
      [0, 2],
      [2, 1],
    ]);
    const out = await world.h.run(s3Copy, "target", { manifest, sourceBucket: SOURCE, destinationBucket: DIRECT }, "c");
    expect(out).toMatchObject({ engine: "direct", large: { versions: 2, bytes: 11 * GB + 1 } });
    expect(world.sim.stats().calls["s3:UploadPartCopy"]).toBe(12 + 11);

    const target = world.h.session.client("target", "s3");
    const listed = await target.send(new ListObjectVersionsCommand({ Bucket: DIRECT }));
    const sizes = (key: string) =>
      (listed.Versions ?? []).filter((v) => v.Key === key).map((v) => [v.Size, v.IsLatest]);
    expect(sizes("big.bin")).toEqual([
      [7, true],
      [6 * GB, false],
      [7, false],
    ]);
    expect(sizes("big-latest.bin")).toEqual([
      [5 * GB + 1, true],
      [3, false],
    ]);
    await expect(
      world.h.run(s3Verify, "target", { source: SOURCE, destination: DIRECT, sourceAccount: "source" }, "v"),
    ).resolves.toMatchObject({ passed: true, versions: 5 });
  });
});
