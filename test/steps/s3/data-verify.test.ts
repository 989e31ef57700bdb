import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { s3Copy } from "../../../src/steps/s3/copy/copy.js";
import { s3RestoreDeleteMarkers } from "../../../src/steps/s3/copy/restore-delete-markers.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import { type DataWorld, MANIFESTS, SOURCE, startDataWorld } from "./data-world.js";

const DIRECT = "hk-dst-direct";
let world: DataWorld;
let s3: S3Client;

beforeEach(async () => {
  world = await startDataWorld();
  const m = await world.h.run(
    s3Manifest,
    "target",
    { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source" },
    "m",
  );
  const manifest = m.manifest as unknown as Manifest;
  await world.h.run(s3Copy, "target", { manifest, sourceBucket: SOURCE, destinationBucket: DIRECT }, "c");
  await world.h.run(s3RestoreDeleteMarkers, "target", { bucket: DIRECT, manifest }, "dm");
  s3 = world.h.session.client("target", "s3");
});
afterEach(() => world.close());

const verifyParams = { source: SOURCE, destination: DIRECT, sourceAccount: "source", manifestBucket: MANIFESTS };

/** Version ids of a key in the destination, newest first, with delete markers flagged. */
async function history(key: string): Promise<Array<{ id: string; marker: boolean }>> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: DIRECT, Prefix: key }));
  const all = [
    ...(out.Versions ?? []).map((v) => ({
      key: v.Key,
      id: v.VersionId!,
      marker: false,
      at: v.LastModified!.getTime(),
    })),
    ...(out.DeleteMarkers ?? []).map((m) => ({
      key: m.Key,
      id: m.VersionId!,
      marker: true,
      at: m.LastModified!.getTime(),
    })),
  ];
  return all.filter((e) => e.key === key);
}

async function deleteVersion(key: string, versionId: string) {
  await s3.send(new DeleteObjectCommand({ Bucket: DIRECT, Key: key, VersionId: versionId }));
}
/** A planted version with the seed's (absent) content type, so only what the test means to differ differs. */
async function put(key: string, body: string) {
  await s3.send(new PutObjectCommand({ Bucket: DIRECT, Key: key, Body: body, ContentType: "binary/octet-stream" }));
}

describe("s3.verify", () => {
  it("passes on a faithful copy", async () => {
    await expect(world.h.run(s3Verify, "target", verifyParams, "v")).resolves.toMatchObject({
      passed: true,
      keys: 12,
      versions: 23,
      deleteMarkers: 4,
      sizeOnly: 0,
      reportKey: expect.stringMatching(/verify\/mismatches\.csv$/),
    });
  });

  it("fails on a missing version, versions in the wrong order, a resurrected key and changed bytes, and reports each", async () => {
    // Missing version: the oldest of plain.txt.
    const plain = (await history("plain.txt")).filter((e) => !e.marker);
    await deleteVersion("plain.txt", plain[plain.length - 1]!.id);
    // Wrong latest: ../up.txt re-written in the wrong order (same count, same sizes).
    for (const e of await history("../up.txt")) await deleteVersion("../up.txt", e.id);
    await put("../up.txt", "up2");
    await put("../up.txt", "up1");
    // Resurrected: the delete marker on gone.txt removed.
    const marker = (await history("gone.txt")).find((e) => e.marker)!;
    await deleteVersion("gone.txt", marker.id);
    // Changed bytes: the latest of "with space.txt" replaced by other bytes of the same size.
    const spaced = (await history("with space.txt")).filter((e) => !e.marker);
    await deleteVersion("with space.txt", spaced[0]!.id);
    await put("with space.txt", "sX");

    const err = await world.h.run(s3Verify, "target", verifyParams, "v").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VERIFY_FAILED" });
    const message = (err as Error).message;
    expect(message).toMatch(/mismatches\.csv/);
    const report = await s3.send(
      new GetObjectCommand({ Bucket: MANIFESTS, Key: message.match(/s3:\/\/[^/]+\/(\S+mismatches\.csv)/)![1]! }),
    );
    const rows = (await report.Body!.transformToString()).trim().split("\n").slice(1);
    // key, kind, field: the version column names the source version ("<id> (n of N)").
    const kinds = rows.map((r) => {
      const [key, kind, , field] = r.split(",");
      return [key, kind, field].join(",");
    });
    expect(kinds.sort()).toEqual(
      [
        "plain.txt,history,",
        "../up.txt,field,etag",
        "../up.txt,field,etag",
        "gone.txt,resurrected,",
        "gone.txt,history,",
        "with space.txt,field,etag",
      ].sort(),
    );
    expect(message).toMatch(/"\.\.\/up\.txt" etag of version \S+ \(1 of 2\)/);
    expect(world.h.progress.get("v")).toBeUndefined();
  });

  it("fails on a key the destination has and the source has not", async () => {
    await put("stray.txt", "x");
    await expect(world.h.run(s3Verify, "target", verifyParams, "v")).rejects.toMatchObject({
      code: "VERIFY_FAILED",
      message: expect.stringMatching(/"stray\.txt" unexpected-key/),
    });
  });
});
