import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { decodeKey, encodeKey } from "../../../src/steps/s3/manifest/csv.js";
import { uploadFile } from "../../../src/steps/s3/manifest/io.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { type DataWorld, HISTORY, MANIFESTS, SOURCE, seedWith, startDataWorld } from "./data-world.js";

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function text(w: DataWorld, bucket: string, key: string): Promise<string> {
  const s3 = w.h.session.client("target", "s3");
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

describe("manifest CSV encoding", () => {
  it("encodes everything but unreserved characters, %20 for a space, %2B for a plus", () => {
    expect(encodeKey("a b+c%d/./é!*'()~-_.")).toBe("a%20b%2Bc%25d%2F.%2F%C3%A9%21%2A%27%28%29~-_.");
    for (const key of Object.keys(HISTORY)) expect(decodeKey(encodeKey(key))).toBe(key);
  });
});

describe("s3.manifest", () => {
  it("lists every version into waves by rank from the oldest, markers and totals apart", async () => {
    world = await startDataWorld();
    const out = (await world.h.run(
      s3Manifest,
      "target",
      { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source" },
      "m",
    )) as unknown as Manifest & { manifest: Manifest };
    const versions = Object.values(HISTORY)
      .flat()
      .filter((v) => v !== null).length;
    const markers = Object.values(HISTORY)
      .flat()
      .filter((v) => v === null).length;
    expect(out.totals).toEqual({ versions, deleteMarkers: markers, bytes: expect.any(Number), keys: 12, waves: 4 });
    expect(out.waves.map((w) => w.index)).toEqual([0, 1, 2, 3]);
    expect(out.waves.map((w) => w.objects)).toEqual([12, 8, 2, 1]);
    expect(out.deleteMarkers).toMatchObject({ count: markers, latest: 2 });
    expect(out.large).toBeNull();
    const { manifest, ...flat } = out;
    expect(manifest).toEqual(flat);
    expect(out.waves[0]!.key).toMatch(/^hikkoshi\/step-tests\/hk-testrun-m\/wave-000000\.csv$/);

    // Wave 0 = the oldest version of every key; rows are bucket,URL-encoded key,version id.
    const rows = (await text(world, MANIFESTS, out.waves[0]!.key)).trim().split("\n");
    expect(rows).toHaveLength(12);
    const keys = rows.map((r) => {
      const [bucket, key, versionId, ...rest] = r.split(",");
      expect(bucket).toBe(SOURCE);
      expect(versionId).toMatch(/\S/);
      expect(rest).toEqual([]);
      expect(key).not.toMatch(/[ +]/);
      return decodeKey(key!);
    });
    expect(new Set(keys)).toEqual(new Set(Object.keys(HISTORY).filter((k) => HISTORY[k]!.some((v) => v !== null))));
    // The newest version of the key with four is alone in wave 3.
    const last = (await text(world, MANIFESTS, out.waves[3]!.key)).trim().split("\n");
    expect(last.map((r) => decodeKey(r.split(",")[1]!))).toEqual(["ユニコード/ファイル.txt"]);

    const markerRows = (await text(world, MANIFESTS, out.deleteMarkers!.key)).trim().split("\n");
    const latest = markerRows.filter((r) => r.split(",")[4] === "1").map((r) => decodeKey(r.split(",")[1]!));
    expect(latest.sort()).toEqual(["100%.txt", "gone.txt", "only-marker.txt"].sort());
    // deleted-then-back.txt: its marker sat between version 1 and 2.
    const between = markerRows.find((r) => decodeKey(r.split(",")[1]!) === "deleted-then-back.txt")!.split(",");
    expect(between.slice(3)).toEqual(["1", "0", "2"]);
  });

  it("resumes mid-listing after a failure and produces identical manifests", async () => {
    const generated = {
      keys: 1500,
      prefix: "gen/",
      versionsPerKey: { min: 1, max: 3 },
      deleteMarkerEvery: 7,
      sizeBytes: 100,
    };
    world = await startDataWorld(seedWith({ source: { objects: [], generated } }));
    const params = { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source", checkpointEntries: 500 };
    const whole = (await world.h.run(s3Manifest, "target", params, "whole")) as unknown as Manifest;

    world.sim.resetStats();
    world.sim.addFaults({ action: "ListObjectVersions", nth: 4, code: "AccessDenied", status: 403 });
    await expect(world.h.run(s3Manifest, "target", params, "cut")).rejects.toMatchObject({
      code: "AWS_ACCESS_DENIED",
    });
    const saved = world.h.progress.get("cut") as { state: { after: string | null } };
    expect(saved.state.after).toMatch(/^gen\//);
    const resumed = (await world.h.run(s3Manifest, "target", params, "cut")) as unknown as Manifest;
    const pages = Math.ceil((whole.totals.versions + whole.totals.deleteMarkers) / 1000);
    // The resume listed from its checkpoint, not from the start.
    expect(world.sim.stats().calls["s3:ListObjectVersions"]).toBeLessThan(2 * pages + 2);

    const strip = (m: Manifest) => ({
      ...m,
      prefix: "",
      waves: m.waves.map((w) => ({ ...w, key: w.key.replace(m.prefix, "") })),
      deleteMarkers: m.deleteMarkers && {
        ...m.deleteMarkers,
        key: "",
        positions: m.deleteMarkers.positions?.map((at) => ({ ...at, key: at.key.replace(m.prefix, "") })),
      },
      large: null,
      manifest: undefined,
    });
    expect(strip(resumed)).toEqual(strip(whole));
    for (const w of whole.waves) {
      const other = resumed.waves.find((x) => x.index === w.index)!;
      expect(await text(world, MANIFESTS, other.key)).toBe(await text(world, MANIFESTS, w.key));
    }
    expect(whole.deleteMarkers?.positions?.length).toBeGreaterThan(1);
    for (const at of whole.deleteMarkers?.positions ?? []) {
      const other = resumed.deleteMarkers?.positions?.find((x) => x.position === at.position);
      expect(await text(world, MANIFESTS, other!.key)).toBe(await text(world, MANIFESTS, at.key));
    }
  });
});

describe("s3.manifest uploads", () => {
  it("a failure during the uploads keeps the finished ones and lists nothing again", async () => {
    world = await startDataWorld();
    const params = { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source" };
    const whole = (await world.h.run(s3Manifest, "target", params, "whole")) as unknown as Manifest;
    world.sim.resetStats();
    world.sim.addFaults({ action: "PutObject", nth: 3, code: "AccessDenied", status: 403 });
    await expect(world.h.run(s3Manifest, "target", params, "cut")).rejects.toMatchObject({ code: "AWS_ACCESS_DENIED" });
    const again = (await world.h.run(s3Manifest, "target", params, "cut")) as unknown as Manifest;
    const calls = world.sim.stats().calls;
    expect(calls["s3:ListObjectVersions"]).toBe(1);
    // 8 files (markers, markers at 3 positions, 4 waves): 2 uploaded, the 3rd failed, then the 3rd to 8th.
    expect(whole.waves.length + (whole.deleteMarkers?.positions?.length ?? 0) + 1).toBe(8);
    expect(calls["s3:PutObject"]).toBe(9);
    expect(again.waves.map((w) => w.etag)).toEqual(whole.waves.map((w) => w.etag));
    expect(again.deleteMarkers?.etag).toBe(whole.deleteMarkers?.etag);
  });

  it("uploads a large file in parts", async () => {
    world = await startDataWorld();
    const dir = mkdtempSync(join(tmpdir(), "hikkoshi-upload-"));
    const path = join(dir, "big.csv");
    const content = Buffer.alloc(12 * 1024 * 1024, "a,b,c\n");
    writeFileSync(path, content);
    const ctx = world.h.runContext("target", "up");
    const etag = await uploadFile(ctx.aws, "target", MANIFESTS, "big.csv", path, {}, 5 * 1024 * 1024);
    expect(etag).toMatch(/-3$/);
    const s3 = world.h.session.client("target", "s3");
    const got = await s3.send(new GetObjectCommand({ Bucket: MANIFESTS, Key: "big.csv" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(content)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
