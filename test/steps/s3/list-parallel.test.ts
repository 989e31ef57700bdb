/**
 * The parallel listing gives what one stream gives: the same keys, in the same order, each with the same
 * history, whatever the bucket's key shapes and whatever order the store lists a page in; a store that does
 * not list from a key marker in key order is refused; the manifest built from it is the same.
 */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SeedObject } from "../../../src/sim/index.js";
import { type KeyHistory, listKeyHistories } from "../../../src/steps/s3/list/key-history.js";
import { listKeyHistoriesParallel, type ParallelListOptions } from "../../../src/steps/s3/list/parallel.js";
import { rangeCuts } from "../../../src/steps/s3/list/ranges.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import { type DataWorld, MANIFESTS, SOURCE, seedWith, startDataWorld } from "./data-world.js";

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const body = (s: string) => ({ body: s });
/** Keys that end where others go on, top-level prefixes, characters above U+FFFF and in U+E000–U+FFFF. */
const SHAPES = [
  { key: "a", versions: [body("1"), { deleteMarker: true }, body("2")] },
  { key: "ab", versions: [body("1")] },
  { key: "ab/c", versions: [{ deleteMarker: true }, body("1")] },
  { key: "b/1", versions: [body("1"), body("2")] },
  { key: "b/2", versions: [body("1")] },
  { key: "b/2/x", versions: [body("1"), { deleteMarker: true }] },
  { key: "c d+e", versions: [body("1")] },
  { key: "\u{1F600}", versions: [body("1")] },
  { key: "\uE000x", versions: [body("1"), body("2")] },
  { key: "zz/\u0001ctl", versions: [body("1")] },
];

const GENERATED = {
  keys: 700,
  prefix: "gen/",
  versionsPerKey: { min: 1, max: 4 },
  deleteMarkerEvery: 7,
  sizeBytes: 100,
};

async function start(order = "aws", generated: object = GENERATED): Promise<DataWorld> {
  const seed = {
    ...seedWith({ extraObjects: SHAPES, source: { generated } }),
    s3ListOrder: order,
  } as SeedObject;
  world = await startDataWorld(seed);
  return world;
}

function flat(histories: KeyHistory[]) {
  return histories.map((h) => [h.key, h.entries.map((e) => [e.versionId, e.deleteMarker, e.isLatest, e.etag])]);
}

async function collect(it: AsyncIterable<KeyHistory>): Promise<KeyHistory[]> {
  const out: KeyHistory[] = [];
  for await (const h of it) out.push(h);
  return out;
}

function parallel(w: DataWorld, options: Partial<ParallelListOptions> = {}) {
  const aws = w.h.runContext("target", "list").aws;
  return collect(
    listKeyHistoriesParallel(aws, "source", SOURCE, { concurrency: 4, parallelAfter: 20, pageSize: 7, ...options }),
  );
}

function single(w: DataWorld, pageSize = 1000) {
  const aws = w.h.runContext("target", "list").aws;
  return collect(listKeyHistories(aws, "source", SOURCE, { pageSize }));
}

describe("parallel listing", () => {
  it("gives one stream's keys, order and histories, over ranges cut by the keys' shapes", async () => {
    const w = await start();
    const expected = flat(await single(w));
    expect(expected.length).toBeGreaterThan(700);
    w.sim.resetStats();
    for (const concurrency of [2, 4, 16]) {
      expect(flat(await parallel(w, { concurrency })), `concurrency ${concurrency}`).toEqual(expected);
    }
    // The ranges were listed apart: far more requests than one stream of 7-entry pages would need is
    // not the point; that more than one range started after a key marker of its own is.
    const cuts = await rangeCuts(w.h.runContext("target", "c").aws, "source", SOURCE, { ranges: 8, concurrency: 4 });
    expect(cuts.length).toBeGreaterThan(1);
    expect(cuts.map((c) => c.at)).toEqual([...cuts.map((c) => c.at)].sort());
  });

  it("spills ranges that run ahead of the consumer to temp files and removes them", async () => {
    const w = await start();
    const expected = flat(await single(w));
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith("hikkoshi-list-")).length;
    const aws = w.h.runContext("target", "list").aws;
    const out: KeyHistory[] = [];
    let spilled = 0;
    for await (const h of listKeyHistoriesParallel(aws, "source", SOURCE, {
      concurrency: 8,
      parallelAfter: 20,
      pageSize: 50,
      chunkEntries: 10,
      memoryChunks: 1,
    })) {
      out.push(h);
      // A slow consumer: the ranges after the first run ahead.
      if (out.length % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      for (const dir of readdirSync(tmpdir()).filter((n) => n.startsWith("hikkoshi-list-"))) {
        spilled = Math.max(spilled, readdirSync(join(tmpdir(), dir)).length);
      }
    }
    expect(spilled).toBeGreaterThan(0);
    expect(flat(out)).toEqual(expected);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith("hikkoshi-list-")).length).toBe(before);
  });

  for (const order of ["versions-then-markers", "shuffled"]) {
    it(`${order}: the same histories as an S3-ordered listing`, async () => {
      const expected = flat(await single(await start()));
      await world!.close();
      const w = await start(order);
      expect(flat(await parallel(w))).toEqual(expected);
    });
  }

  it("unsorted-keys: refused naming a key (no range is silently short)", async () => {
    const w = await start("unsorted-keys");
    await expect(parallel(w)).rejects.toMatchObject({ code: "S3_LISTING_OUT_OF_ORDER" });
  });

  it("a failed request stops the listing with that error", async () => {
    const w = await start();
    w.sim.addFaults({ action: "ListObjectVersions", nth: 40, code: "AccessDenied", status: 403 });
    await expect(parallel(w)).rejects.toMatchObject({ code: "AWS_ACCESS_DENIED" });
  });
});

describe("s3.manifest over parallel listing", () => {
  const shape = (m: Manifest) => ({
    waves: m.waves.map((w) => [w.index, w.objects, w.bytes, w.etag]),
    markers: m.deleteMarkers && {
      ...m.deleteMarkers,
      key: "",
      positions: m.deleteMarkers.positions?.map((at) => ({ ...at, key: at.key.replace(m.prefix, "") })),
    },
    totals: m.totals,
  });
  const BIG = { ...GENERATED, keys: 6000 };
  const run = async (w: DataWorld, id: string, extra: Record<string, unknown>) =>
    (
      await w.h.run(
        s3Manifest,
        "target",
        { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source", ...extra },
        id,
      )
    ).manifest as unknown as Manifest;

  it("writes the same manifest files as one stream, in S3's order and in a shuffled one", async () => {
    const w = await start("aws", BIG);
    const one = await run(w, "one", { listConcurrency: 1 });
    expect(one.totals.versions + one.totals.deleteMarkers).toBeGreaterThan(10_000);
    w.sim.resetStats();
    const many = await run(w, "many", { listConcurrency: 8, listPageSize: 500 });
    expect(shape(many)).toEqual(shape(one));
    await w.close();
    world = undefined;
    const shuffled = await start("shuffled", BIG);
    expect(shape(await run(shuffled, "many", { listConcurrency: 8, listPageSize: 500 }))).toEqual(shape(one));
  });

  it("resumes after a failure in a range and produces the same manifest", async () => {
    const w = await start("aws", BIG);
    const params = { listConcurrency: 8, listPageSize: 500, checkpointEntries: 2000 };
    const whole = await run(w, "whole", params);
    w.sim.addFaults({ action: "ListObjectVersions", nth: 60, code: "AccessDenied", status: 403 });
    await expect(run(w, "cut", params)).rejects.toMatchObject({ code: "AWS_ACCESS_DENIED" });
    expect(shape(await run(w, "cut", params))).toEqual(shape(whole));
  });
});

describe("s3.verify over parallel listing", () => {
  // Two buckets generated alike (fixed version counts and sizes: the generator's choices depend on the
  // bucket's name otherwise), past the 10,000 entries after which ranges are listed at once.
  const ALIKE = {
    keys: 6000,
    prefix: "gen/",
    versionsPerKey: { min: 2, max: 2 },
    deleteMarkerEvery: 7,
    sizeBytes: 100,
  };
  const COPY = "hk-dst-generated";
  const startPair = () =>
    startDataWorld(
      seedWith({
        source: { objects: [], generated: ALIKE },
        buckets: [{ name: COPY, versioning: "Enabled", generated: ALIKE }],
      }),
    );
  const params = (listConcurrency: number) => ({
    source: SOURCE,
    destination: COPY,
    sourceAccount: "source",
    depth: "listing",
    listConcurrency,
  });
  const listed = (w: DataWorld) => w.sim.stats().calls["s3:ListObjectVersions"] ?? 0;

  it("passes with the same totals as one stream, listing each side in ranges", async () => {
    world = await startPair();
    const one = await world.h.run(s3Verify, "target", params(1), "one");
    expect(one).toMatchObject({ passed: true, keys: 6000, versions: 12_000, deleteMarkers: 857 });
    const pagesOne = listed(world);
    world.sim.resetStats();
    const many = await world.h.run(s3Verify, "target", params(8), "many");
    expect(many).toEqual(one);
    // Ranges mean more (smaller) listing requests than the one stream's pages, and probes for the cuts.
    expect(listed(world)).toBeGreaterThan(pagesOne);
  });

  it("catches a changed version and a missing key in ranges past the first", async () => {
    world = await startPair();
    const s3 = world.h.session.client("target", "s3");
    const { DeleteObjectCommand, PutObjectCommand } = await import("@aws-sdk/client-s3");
    await s3.send(new PutObjectCommand({ Bucket: COPY, Key: "gen/4321", Body: "planted" }));
    await s3.send(
      new DeleteObjectCommand({ Bucket: COPY, Key: "gen/5555", VersionId: await newestId(s3, "gen/5555") }),
    );
    await expect(world.h.run(s3Verify, "target", params(8), "v")).rejects.toMatchObject({
      code: "VERIFY_FAILED",
      message: expect.stringMatching(/2 mismatch\(es\)/),
    });
  });

  async function newestId(s3: import("@aws-sdk/client-s3").S3Client, key: string): Promise<string> {
    const { ListObjectVersionsCommand } = await import("@aws-sdk/client-s3");
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: COPY, Prefix: key }));
    const all = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].filter((e) => e.Key === key && e.IsLatest);
    return all[0]!.VersionId!;
  }
});
