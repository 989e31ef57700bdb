import {
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { s3DeleteBucket } from "../../../src/steps/s3/empty/delete-bucket.js";
import { s3EmptyBucket } from "../../../src/steps/s3/empty/empty-bucket.js";
import { mutations, type World } from "../setup.js";
import { put, startS3World, verified } from "./bucket-helpers.js";

const HOSTILE = [
  { key: "a b+c%20d.txt", versions: [{ body: "1" }, { body: "2" }, { deleteMarker: true }] },
  { key: "./dot/slash", versions: [{ body: "x" }] },
  { key: "日本/ファイル ✓.txt", versions: [{ body: "y" }, { deleteMarker: true }, { body: "z" }] },
];

let world: World;
beforeEach(async () => {
  world = await startS3World({
    sourceBuckets: [
      {
        name: "hk-history",
        versioning: "Enabled",
        // 700 keys × 2 versions + a delete marker on every 7th key: more than one listing page.
        generated: { keys: 700, versionsPerKey: 2, deleteMarkerEvery: 7, sizeBytes: 100 },
        objects: HOSTILE,
        incompleteUploads: ["big/upload.bin"],
      },
      { name: "hk-huge", generated: { keys: 12_000, sizeBytes: 10 } },
      { name: "hk-small", objects: [{ key: "only.txt", versions: [{ body: "o" }] }] },
    ],
  });
});
afterEach(() => world.close());

const s3 = (): S3Client => world.h.session.client("source", "s3");
const VERSIONS = 700 * 2 + 5;
const MARKERS = 100 + 2;

async function contents(bucket: string) {
  const v = await s3().send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const u = await s3().send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (v.Versions?.length ?? 0) + (v.DeleteMarkers?.length ?? 0) + (u.Uploads?.length ?? 0);
}

describe("s3.empty-bucket and s3.delete-bucket", () => {
  it("are destructive and irreversible; their plans count what goes and make no mutating call", async () => {
    expect(s3EmptyBucket).toMatchObject({ destructive: true, irreversible: true });
    expect(s3DeleteBucket).toMatchObject({ destructive: true, irreversible: true });
    world.sim.resetStats();
    const verification = verified("hk-history");
    const empty = await world.h.plan(s3EmptyBucket, "source", { bucket: "hk-history", verification });
    expect(empty).toMatchObject({ action: "delete", destructive: true, irreversible: true });
    expect(empty.summary).toContain(`${VERSIONS} version(s)`);
    expect(empty.summary).toContain(`${MARKERS} delete marker(s), 1 incomplete multipart upload(s)`);
    const huge = await world.h.plan(s3EmptyBucket, "source", { bucket: "hk-huge", verification: verified("hk-huge") });
    expect(huge.summary).toContain("at least 10000 version(s)");

    const del = await world.h.plan(s3DeleteBucket, "source", { bucket: "hk-history", verification });
    expect(del).toMatchObject({ action: "delete", destructive: true, irreversible: true });
    const warning = del.preconditions.find((p) => p.code === "BUCKET_NAME_CAN_BE_TAKEN");
    expect(warning).toMatchObject({ severity: "warning" });
    expect(warning?.message).toContain("ANY AWS account");
    expect(del.summary).toContain("must be emptied first");
    // A temporary bucket's name does not matter: still destructive, no name warning.
    const temp = await world.h.plan(s3DeleteBucket, "source", { bucket: "hk-history", verification, temporary: true });
    expect(temp).toMatchObject({ action: "delete", destructive: true, irreversible: true });
    expect(temp.preconditions.map((p) => p.code)).not.toContain("BUCKET_NAME_CAN_BE_TAKEN");
    expect(world.sim.stats().mutating).toBe(0);
  });

  it("plans with a verification still to come, and flags one about another bucket", async () => {
    const pending = {
      passed: { $unresolved: "steps.verify.outputs.passed" },
      source: { $unresolved: "steps.verify.outputs.source" },
    };
    const ok = await world.h.plan(s3EmptyBucket, "source", { bucket: "hk-small", verification: pending });
    expect(ok.preconditions.filter((p) => !p.ok)).toEqual([]);
    expect(ok.summary).toContain("once its verify has passed");
    const wrong = await world.h.plan(s3DeleteBucket, "source", {
      bucket: "hk-small",
      verification: verified("hk-other"),
    });
    expect(wrong.preconditions.map((p) => `${p.severity}:${p.code}`)).toContain("error:VERIFY_REQUIRED");
  });

  it("refuse a missing, failed or mismatched verification before any AWS call", async () => {
    world.sim.resetStats();
    for (const def of [s3EmptyBucket, s3DeleteBucket]) {
      // The schema refuses these (synchronously, like the runbook layer would).
      expect(() => world.h.run(def, "source", { bucket: "hk-small" })).toThrow(/verification/);
      expect(() =>
        world.h.run(def, "source", { bucket: "hk-small", verification: { passed: false, source: "hk-small" } }),
      ).toThrow(/s3.verify that passed/);
      await expect(
        world.h.run(def, "source", { bucket: "hk-small", verification: verified("hk-history") }),
      ).rejects.toMatchObject({ code: "VERIFY_REQUIRED", hint: expect.stringContaining("s3.verify") });
      // Straight to run (no schema): the run-time gate alone refuses too.
      await expect(
        def.run(world.h.runContext("source", "direct"), { bucket: "hk-small", verification: undefined } as never),
      ).rejects.toMatchObject({ code: "VERIFY_REQUIRED" });
    }
    expect(world.sim.stats().total).toBe(0);
    expect(await contents("hk-small")).toBe(1);
  });

  it("empties versions, delete markers and uploads, resuming mid-listing after a failure, then deletes", async () => {
    const params = { bucket: "hk-history", verification: verified("hk-history") };
    world.sim.addFaults({ action: "DeleteObjects", nth: 2, code: "AccessDenied", status: 403 });
    await expect(world.h.run(s3EmptyBucket, "source", params, "empty")).rejects.toMatchObject({
      code: "AWS_ACCESS_DENIED",
    });
    const saved = world.h.progress.get("empty");
    expect(saved).toMatchObject({ phase: "versions", keyMarker: expect.any(String) });
    expect(Number(saved?.deletedVersions) + Number(saved?.deletedMarkers)).toBe(1000);

    // Written behind the saved position: the resumed pass does not see it, the closing pass from the start does.
    await put(s3(), "hk-history", "0-early.txt", "late writer");
    const emptied = await world.h.run(s3EmptyBucket, "source", params, "empty");
    expect(emptied).toEqual({
      bucket: "hk-history",
      deletedVersions: VERSIONS + 1,
      deletedMarkers: MARKERS,
      abortedUploads: 1,
    });
    expect(await contents("hk-history")).toBe(0);
    // One batch, one refused, then the rest from the saved position, then the closing pass's batch.
    expect(world.h.journal.filter((r) => r.action === "DeleteObjects").map((r) => r.outcome)).toEqual([
      "ok",
      "AccessDenied",
      "ok",
      "ok",
    ]);

    const again = await world.h.run(s3EmptyBucket, "source", params, "empty");
    expect(again).toEqual(emptied);

    const deleted = await world.h.run(s3DeleteBucket, "source", params, "delete");
    expect(deleted).toMatchObject({ bucket: "hk-history", deletedAt: expect.any(String) });
    await expect(s3().send(new HeadBucketCommand({ Bucket: "hk-history" }))).rejects.toThrow();
    const count = mutations(world.h).length;
    expect(await world.h.run(s3DeleteBucket, "source", params, "delete")).toEqual(deleted);
    expect(mutations(world.h).length).toBe(count);
    // A crash after DeleteBucket and before the checkpoint: NoSuchBucket on resume means done.
    world.h.progress.delete("delete");
    expect(await world.h.run(s3DeleteBucket, "source", params, "delete")).toMatchObject({ bucket: "hk-history" });
  });

  for (const order of ["versions-then-markers", "shuffled", "unsorted-keys"]) {
    it(`empties a bucket whose store lists ${order}, across pages, to the last version`, async () => {
      const set = await fetch(`${world.sim.url}/_sim/s3/list-order`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ bucket: "hk-history", order }),
      });
      expect(set.status).toBe(200);
      const params = { bucket: "hk-history", verification: verified("hk-history") };
      const emptied = await world.h.run(s3EmptyBucket, "source", params, "empty");
      expect(emptied).toMatchObject({ deletedVersions: VERSIONS, deletedMarkers: MARKERS, abortedUploads: 1 });
      expect(await contents("hk-history")).toBe(0);
    });
  }

  it("refuses to delete a bucket that is not empty, with what to do", async () => {
    const err = await world.h
      .run(s3DeleteBucket, "source", { bucket: "hk-small", verification: verified("hk-small") })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "S3_BUCKET_NOT_EMPTY", hint: expect.stringContaining("s3.empty-bucket") });
  });
});
