import { createHash } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { PROD, REGION } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

const KEYS = 250_000;
const VERSIONS = 4;
const MARKER_EVERY = 10;

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({
    seed: {
      accounts: {
        [PROD]: {
          regions: {
            [REGION]: {
              buckets: [
                {
                  name: "million-versions",
                  versioning: "Enabled",
                  generated: {
                    keys: KEYS,
                    versionsPerKey: VERSIONS,
                    deleteMarkerEvery: MARKER_EVERY,
                    sizeBytes: { min: 10, max: 4000 },
                    seed: "t",
                  },
                },
                {
                  name: "small-generated",
                  versioning: "Enabled",
                  generated: { keys: 5, prefix: "g/", versionsPerKey: { min: 1, max: 3 }, sizeBytes: 64 },
                },
              ],
            },
          },
        },
      },
    },
  });
});
afterAll(() => sim.close());

/** Live heap after a full collection (gc exposed at runtime: no test-runner flags needed). */
function liveHeap(): number {
  setFlagsFromString("--expose_gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe("S3 generated buckets", () => {
  it("list 1,000,000 versions from the generator with flat memory", async () => {
    const s3 = s3Client(sim);
    const before = liveHeap();
    let versions = 0;
    let markers = 0;
    let latest = 0;
    let pages = 0;
    let lastKey = "";
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await s3.send(
        new ListObjectVersionsCommand({ Bucket: "million-versions", KeyMarker, VersionIdMarker }),
      );
      pages += 1;
      versions += page.Versions?.length ?? 0;
      markers += page.DeleteMarkers?.length ?? 0;
      latest +=
        (page.Versions ?? []).filter((v) => v.IsLatest).length +
        (page.DeleteMarkers ?? []).filter((d) => d.IsLatest).length;
      const first = page.Versions?.[0]?.Key ?? "";
      expect(first >= lastKey).toBe(true);
      lastKey = page.Versions?.at(-1)?.Key ?? lastKey;
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
    expect(versions).toBe(KEYS * VERSIONS);
    expect(markers).toBe(KEYS / MARKER_EVERY);
    expect(latest).toBe(KEYS);
    expect(pages).toBe(Math.ceil((KEYS * VERSIONS + KEYS / MARKER_EVERY) / 1000));
    // Materialising the listing would retain hundreds of MB; the generator retains nothing.
    expect(liveHeap() - before).toBeLessThan(32 * 1024 * 1024);
    const dumped = sim.dump().s3.buckets.find((b) => b.name === "million-versions")!;
    expect([dumped.keys, dumped.versions, dumped.deleteMarkers]).toEqual([KEYS, KEYS * VERSIONS, KEYS / MARKER_EVERY]);
  }, 300_000);

  it("synthesizes bodies whose MD5 is the ETag, and keeps the generator's answer after a write", async () => {
    const s3 = s3Client(sim);
    const Bucket = "small-generated";
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    expect(listed.Versions?.every((v) => v.Size === 64)).toBe(true);
    for (const v of listed.Versions ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: v.Key, VersionId: v.VersionId }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      expect(`"${createHash("md5").update(bytes).digest("hex")}"`).toBe(v.ETag);
    }
    const key = listed.Versions![0]!.Key!;
    const before = listed.Versions!.filter((v) => v.Key === key).length;
    await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: "new" }));
    const oldest = listed.Versions!.filter((v) => v.Key === key).at(-1)!;
    await s3.send(new DeleteObjectCommand({ Bucket, Key: key, VersionId: oldest.VersionId }));
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: key }));
    expect(after.Versions?.length).toBe(before);
    expect(after.Versions?.[0]?.IsLatest).toBe(true);
    expect(after.Versions?.map((v) => v.VersionId)).not.toContain(oldest.VersionId);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
    expect(head.ContentLength).toBe(3);
    const all = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(all.KeyCount).toBe(5);
  });
});
