import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { PROD, REGION } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

/** Keys in the order the seed writes them: not sorted. */
const WRITTEN = ["m/1", "c", "x", "a/2", "k", "b", "z", "a/1"];
const objects = WRITTEN.map((key, i) => ({
  key,
  versions: [{ body: `${key} 0` }, { body: `${key} 1` }, ...(i % 3 === 0 ? [{ deleteMarker: true }] : [])],
}));
const bucket = (name: string, listOrder?: string) => ({
  name,
  versioning: "Enabled" as const,
  objects,
  ...(listOrder ? { listOrder: listOrder as "aws" } : {}),
});

const seed: SeedObject = {
  s3ListOrder: "versions-then-markers",
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          buckets: [
            bucket("order-aws", "aws"),
            bucket("order-vtm"),
            bucket("order-shuffled", "shuffled"),
            bucket("order-unsorted", "unsorted-keys"),
            bucket("order-switch", "aws"),
          ],
        },
      },
    },
  },
};

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed });
});
afterAll(() => sim.close());

interface Entry {
  kind: "Version" | "DeleteMarker";
  key: string;
  id: string;
  /** Key and LastModified: the same entry in another bucket seeded alike (version ids differ). */
  what: string;
}

/**
 * One ListObjectVersions page as it is on the wire (the SDK splits versions and delete markers into two
 * lists, which hides their order): signed requests are not checked, only their credential scope.
 */
async function rawPage(name: string, max: number, keyMarker = "", idMarker = "") {
  const q = new URLSearchParams({ versions: "", "max-keys": String(max) });
  if (keyMarker) q.set("key-marker", keyMarker);
  if (idMarker) q.set("version-id-marker", idMarker);
  const res = await fetch(`${sim.url}/${name}?${q}`, {
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=AKSIM${PROD}/20300101/${REGION}/s3/aws4_request, SignedHeaders=host, Signature=0`,
    },
  });
  const xml = await res.text();
  const entry = /<(Version|DeleteMarker)><Key>([^<]*)<\/Key><VersionId>([^<]*)<.*?<LastModified>([^<]*)</g;
  const entries: Entry[] = [...xml.matchAll(entry)].map((m) => ({
    kind: m[1] as Entry["kind"],
    key: m[2]!,
    id: m[3]!,
    what: `${m[2]}@${m[4]}`,
  }));
  return {
    entries,
    next: /<NextKeyMarker>([^<]*)</.exec(xml)?.[1],
    nextId: /<NextVersionIdMarker>([^<]*)</.exec(xml)?.[1],
    xml,
  };
}

async function rawPages(name: string, max: number) {
  const pages: Entry[][] = [];
  let marker: string | undefined = "";
  let id: string | undefined = "";
  while (marker !== undefined && pages.length < 100) {
    const page = await rawPage(name, max, marker, id);
    pages.push(page.entries);
    [marker, id] = [page.next, page.nextId];
  }
  return pages;
}

/** Every entry through the SDK's own paging (NextKeyMarker / NextVersionIdMarker), page by page. */
async function sdkPages(Bucket: string, MaxKeys: number): Promise<string[][]> {
  const s3 = s3Client(sim);
  const pages: string[][] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys, KeyMarker, VersionIdMarker }));
    const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
    pages.push(entries.map((v) => `${v.Key}@${v.LastModified?.toISOString()}`).sort());
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (KeyMarker !== undefined && pages.length < 100);
  return pages;
}

const sorted = (entries: Entry[]) => entries.map((e) => e.what).sort();
const ids = (entries: Entry[]) => entries.map((e) => `${e.key}@${e.id}`).sort();
const keyOrder = (entries: Entry[]) => entries.map((e) => e.key).filter((k, i, all) => all.indexOf(k) === i);

describe("ListObjectVersions in other stores' orders", () => {
  it("aws: sorted keys, newest first, versions and markers interleaved", async () => {
    const pages = await rawPages("order-aws", 1000);
    expect(keyOrder(pages[0]!)).toEqual([...WRITTEN].sort());
    const a2 = pages[0]!.filter((e) => e.key === "a/2");
    expect(a2.map((e) => e.kind)).toEqual(["DeleteMarker", "Version", "Version"]);
  });

  it("versions-then-markers: every page holds AWS's entries, its Versions listed before its DeleteMarkers", async () => {
    const aws = await rawPages("order-aws", 4);
    const pages = await rawPages("order-vtm", 4);
    expect(pages.map(sorted)).toEqual(aws.map(sorted));
    for (const page of pages) {
      const firstMarker = page.findIndex((e) => e.kind === "DeleteMarker");
      if (firstMarker >= 0) expect(page.slice(firstMarker).every((e) => e.kind === "DeleteMarker")).toBe(true);
    }
    expect(pages.some((p) => p.some((e) => e.kind === "DeleteMarker") && p.at(-1)?.kind === "DeleteMarker")).toBe(true);
    expect(await sdkPages("order-vtm", 4)).toEqual(await sdkPages("order-aws", 4));
  });

  it("shuffled: every page holds AWS's entries in a deterministic shuffle", async () => {
    const aws = await rawPages("order-aws", 6);
    const pages = await rawPages("order-shuffled", 6);
    expect(pages.map(sorted)).toEqual(aws.map(sorted));
    const same = (a: Entry[], b: Entry[]) => a.map((e) => e.what).join() === b.map((e) => e.what).join();
    expect(pages.some((p, i) => !same(p, aws[i]!))).toBe(true);
    // A key's versions are not kept together.
    const split = (p: Entry[]) =>
      p.some((e, i) => i > 1 && e.key !== p[i - 1]!.key && p.slice(0, i - 1).some((f) => f.key === e.key));
    expect(pages.some(split)).toBe(true);
    expect(await rawPages("order-shuffled", 6)).toEqual(pages);
    expect(await sdkPages("order-shuffled", 6)).toEqual(await sdkPages("order-aws", 6));
  });

  it("unsorted-keys: pages follow the order keys were first written, and paging visits every entry once", async () => {
    const whole = (await rawPages("order-unsorted", 1000))[0]!;
    expect(keyOrder(whole)).toEqual(WRITTEN);
    const pages = await rawPages("order-unsorted", 3);
    expect(pages.flat()).toEqual(whole);
    const keysOf = (p: Entry[]) => p.map((e) => e.key);
    const earlierKeyLater = pages.some((p, i) =>
      pages.slice(0, i).some((q) => keysOf(q).some((k) => keysOf(p).some((later) => later < k))),
    );
    expect(earlierKeyLater).toBe(true);
    const sdk = (await sdkPages("order-unsorted", 3)).flat();
    expect(sdk).toHaveLength(whole.length);
    expect(new Set(sdk)).toEqual(new Set(sorted(whole)));
    expect(new Set(ids(pages.flat())).size).toBe(whole.length);
  });

  it("keeps a deleted key's place in the write order; new keys come last", async () => {
    const s3 = s3Client(sim);
    const first = await rawPage("order-unsorted", 4);
    expect(first.next).toBe("c");
    await s3.send(new PutObjectCommand({ Bucket: "order-unsorted", Key: "0-new", Body: "n" }));
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: "order-unsorted", Prefix: "c" }));
    for (const v of listed.Versions ?? [])
      await s3.send(new DeleteObjectCommand({ Bucket: "order-unsorted", Key: "c", VersionId: v.VersionId }));
    const rest = await rawPage("order-unsorted", 1000, first.next, first.nextId);
    expect(keyOrder(rest.entries)).toEqual(["x", "a/2", "k", "b", "z", "a/1", "0-new"]);
  });

  it("is set per bucket or for the world at run time through the control API", async () => {
    const set = (body: unknown) =>
      fetch(`${sim.url}/_sim/s3/list-order`, { method: "POST", body: JSON.stringify(body) });
    expect((await set({ bucket: "order-switch", order: "unsorted-keys" })).status).toBe(200);
    expect(keyOrder((await rawPages("order-switch", 1000))[0]!)).toEqual(WRITTEN);
    expect((await set({ bucket: "order-switch", order: "sideways" })).status).toBe(400);
    expect((await set({ bucket: "no-such-bucket", order: "aws" })).status).toBe(404);

    expect((await set({ order: "unsorted-keys" })).status).toBe(200);
    const s3 = s3Client(sim);
    await s3.send(
      new CreateBucketCommand({ Bucket: "order-later", CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: "order-later", VersioningConfiguration: { Status: "Enabled" } }),
    );
    for (const Key of ["y", "b", "q"]) await s3.send(new PutObjectCommand({ Bucket: "order-later", Key, Body: Key }));
    expect(keyOrder((await rawPages("order-later", 1000))[0]!)).toEqual(["y", "b", "q"]);
    // A bucket's own order wins over the world's.
    expect(keyOrder((await rawPages("order-aws", 1000))[0]!)).toEqual([...WRITTEN].sort());
  });
});
