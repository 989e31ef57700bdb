/**
 * Every delete marker at its place: a key's history (versions and markers, in order) is the same in the
 * destination as in the source after s3.copy with either engine, also after a copy that stopped between
 * two markers, so the simulator's content digest of the two buckets (which covers each key's sequence of
 * versions and markers) is equal.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/json.js";
import { s3BatchCopy } from "../../../src/steps/s3/copy/batch-copy.js";
import { s3Copy } from "../../../src/steps/s3/copy/copy.js";
import { listKeyHistories } from "../../../src/steps/s3/list/key-history.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import { type DataWorld, DEST, MANIFESTS, ROLE_ARN, SOURCE, seedWith, startDataWorld } from "./data-world.js";

/** Keys whose history has markers between versions, two in a row, and markers before the first version. */
const EXTRA = [
  { key: "zig.txt", versions: [{ body: "z1" }, { deleteMarker: true }, { body: "z2" }, { deleteMarker: true }] },
  { key: "twice.txt", versions: [{ body: "t1" }, { deleteMarker: true }, { deleteMarker: true }, { body: "t2" }] },
  { key: "late.txt", versions: [{ deleteMarker: true }, { body: "l1" }, { body: "l2" }] },
];

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const digest = (w: DataWorld, bucket: string) => w.sim.dump().s3.buckets.find((b) => b.name === bucket)?.digest;

async function shapes(w: DataWorld, alias: string, bucket: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const h of listKeyHistories(w.h.planContext(alias, "shapes").aws, alias, bucket)) {
    out[h.key] = h.entries
      .map((e) => (e.deleteMarker ? "M" : "V"))
      .reverse()
      .join("");
  }
  return out;
}

async function start(): Promise<{ w: DataWorld; manifest: Manifest }> {
  const w = await startDataWorld(seedWith({ extraObjects: EXTRA }));
  world = w;
  const out = await w.h.run(
    s3Manifest,
    "target",
    { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source" },
    "m",
  );
  return { w, manifest: out.manifest as unknown as Manifest };
}

const verify = (w: DataWorld, destination: string) =>
  w.h.run(s3Verify, "target", { source: SOURCE, destination, sourceAccount: "source", manifestBucket: MANIFESTS }, "v");

describe("delete markers re-created at their place in each key's history", () => {
  it("the manifest places every marker by the versions older than it", async () => {
    const { manifest } = await start();
    expect(manifest.deleteMarkers?.positions?.map((p) => [p.position, p.count])).toEqual([
      [0, 2], // only-marker.txt, late.txt
      [1, 5], // deleted-then-back.txt, gone.txt, zig.txt, twice.txt ×2
      [2, 2], // zig.txt, 100%.txt
    ]);
  });

  it("direct engine: the same sequence per key, the same digest, and verify passes", async () => {
    const { w, manifest } = await start();
    const out = await w.h.run(
      s3Copy,
      "target",
      { manifest, sourceBucket: SOURCE, destinationBucket: "hk-dst-direct", mode: "direct" },
      "c",
    );
    expect(out.markers).toBe(9);
    const source = await shapes(w, "source", SOURCE);
    expect(source["zig.txt"]).toBe("VMVM");
    expect(source["twice.txt"]).toBe("VMMV");
    expect(source["late.txt"]).toBe("MVV");
    expect(await shapes(w, "target", "hk-dst-direct")).toEqual(source);
    expect(digest(w, "hk-dst-direct")).toBe(digest(w, SOURCE));
    await expect(verify(w, "hk-dst-direct")).resolves.toMatchObject({ passed: true, deleteMarkers: 9 });
  });

  it("Batch Operations engine: markers between the jobs of two waves", async () => {
    const { w, manifest } = await start();
    await w.h.run(
      s3BatchCopy,
      "target",
      { manifest, sourceBucket: SOURCE, destinationBucket: DEST, roleArn: ROLE_ARN, reportBucket: MANIFESTS },
      "c",
    );
    expect(await shapes(w, "target", DEST)).toEqual(await shapes(w, "source", SOURCE));
    expect(digest(w, DEST)).toBe(digest(w, SOURCE));
  });

  it("a copy resumed after markers were made but not checkpointed makes none twice", async () => {
    const { w, manifest } = await start();
    const params = { manifest, sourceBucket: SOURCE, destinationBucket: "hk-dst-direct", mode: "direct" };
    // Stop at the first copy of wave 2: the markers at position 2 (made just before) are done.
    const beforeWave2 = manifest.waves[0]!.objects + manifest.waves[1]!.objects;
    w.sim.addFaults({ action: "CopyObject", nth: beforeWave2 + 1, code: "AccessDenied", status: 403 });
    await expect(w.h.run(s3Copy, "target", params, "c")).rejects.toMatchObject({ code: "AWS_ACCESS_DENIED" });
    w.sim.clearFaults();
    // As if the process had died right after sending them, before any checkpoint said so.
    const progress = structuredClone(w.h.progress.get("c")) as JsonObject & { markers: Record<string, JsonObject> };
    expect(progress.markers["2"]).toMatchObject({ done: true, created: 2 });
    progress.markers["2"] = { keys: 0, offset: 0, created: 0, started: true };
    w.h.progress.set("c", progress);
    w.sim.resetStats();
    await w.h.run(s3Copy, "target", params, "c");
    expect(w.sim.stats().calls["s3:DeleteObject"] ?? 0).toBe(0);
    expect(digest(w, "hk-dst-direct")).toBe(digest(w, SOURCE));
  });

  it("a fault between two markers of one position: the re-run makes only the missing ones", async () => {
    const { w, manifest } = await start();
    const params = { manifest, sourceBucket: SOURCE, destinationBucket: "hk-dst-direct", mode: "direct" };
    w.sim.addFaults({ action: "DeleteObject", nth: 3, code: "InternalError", status: 500, times: 10 });
    await expect(w.h.run(s3Copy, "target", params, "c")).rejects.toMatchObject({ code: expect.any(String) });
    w.sim.clearFaults();
    await w.h.run(s3Copy, "target", params, "c");
    expect(digest(w, "hk-dst-direct")).toBe(digest(w, SOURCE));
    await expect(verify(w, "hk-dst-direct")).resolves.toMatchObject({ passed: true });
  });
});
