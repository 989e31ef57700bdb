/**
 * Manifest and verify give the same result whatever order a store lists entries in: versions then
 * markers per page, or a page in no order at all (small pages, so keys straddle them); a store that pages
 * out of key order is refused naming a key, before anything is copied or deleted.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { SeedObject } from "../../../src/sim/index.js";
import { s3Copy } from "../../../src/steps/s3/copy/copy.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import { type DataWorld, MANIFESTS, SOURCE, seedWith, startDataWorld } from "./data-world.js";

const DIRECT = "hk-dst-direct";
/** Histories with markers between versions, on top, and first. */
const EXTRA = [
  { key: "zig.txt", versions: [{ body: "z1" }, { deleteMarker: true }, { body: "z2" }, { deleteMarker: true }] },
  { key: "late.txt", versions: [{ deleteMarker: true }, { body: "l1" }, { body: "l2" }] },
];

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(order: string): Promise<DataWorld> {
  // Each request moves the clock a second: what the copies write gets distinct LastModified times, as a
  // store gives writes made one after the other (equal ones could not be ordered in a store like this).
  const seed = { ...seedWith({ extraObjects: EXTRA }), s3ListOrder: order, secondsPerRequest: 1 } as SeedObject;
  world = await startDataWorld(seed);
  return world;
}

/** The manifest with its task-specific prefix and ETags of the files left out, to compare two runs. */
async function manifestOf(w: DataWorld, pageSize?: number): Promise<Manifest> {
  const params = {
    bucket: SOURCE,
    manifestBucket: MANIFESTS,
    sourceAccount: "source",
    ...(pageSize ? { listPageSize: pageSize } : {}),
  };
  return (await w.h.run(s3Manifest, "target", params, "m")).manifest as unknown as Manifest;
}

const shape = (m: Manifest) => ({
  waves: m.waves.map((w) => [w.index, w.objects, w.bytes, w.etag]),
  markers: m.deleteMarkers && { ...m.deleteMarkers, key: "" },
  totals: m.totals,
});

const digest = (w: DataWorld, bucket: string) => w.sim.dump().s3.buckets.find((b) => b.name === bucket)?.digest;

describe("listings in another store's order", () => {
  it("the manifest is the same as from an S3-ordered listing", async () => {
    const expected = shape(await manifestOf(await start("aws")));
    await world!.close();
    for (const order of ["versions-then-markers", "shuffled"]) {
      for (const pageSize of [1000, 3]) {
        const w = await start(order);
        expect(shape(await manifestOf(w, pageSize)), `${order}, ${pageSize} per page`).toEqual(expected);
        await w.close();
        world = undefined;
      }
    }
  });

  for (const order of ["versions-then-markers", "shuffled"]) {
    it(`${order}: the move keeps every key's history and verify (listing both sides that way) passes`, async () => {
      const w = await start(order);
      const manifest = await manifestOf(w);
      await w.h.run(
        s3Copy,
        "target",
        { manifest, sourceBucket: SOURCE, destinationBucket: DIRECT, mode: "direct" },
        "c",
      );
      expect(digest(w, DIRECT)).toBe(digest(w, SOURCE));
      const params = { source: SOURCE, destination: DIRECT, sourceAccount: "source", manifestBucket: MANIFESTS };
      await expect(w.h.run(s3Verify, "target", params, "v")).resolves.toMatchObject({ passed: true });
    });
  }

  it("unsorted-keys: the manifest stops with S3_LISTING_OUT_OF_ORDER naming a key, before anything is written", async () => {
    const w = await start("unsorted-keys");
    w.sim.resetStats();
    const err = await manifestOf(w, 3).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "S3_LISTING_OUT_OF_ORDER",
      message: expect.stringMatching(/key ".+" came on a later page than ".+"/),
    });
    expect(w.sim.stats().calls["s3:PutObject"] ?? 0).toBe(0);
  });
});
