import { ListObjectsCommand, type ListObjectsCommandOutput } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, REGION } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

const KEYS = ["a b.txt", "docs/1", "docs/2", "docs/sub/3", "img/x.png", "img/y.png", "readme", "zz"];

const seed: SeedObject = {
  accounts: {
    [PROD]: {
      name: "prod",
      regions: {
        [REGION]: {
          buckets: [
            {
              name: "v1-bucket",
              versioning: "Enabled",
              objects: [
                ...KEYS.map((key) => ({ key, versions: [{ body: key }] })),
                { key: "gone", versions: [{ body: "was" }, { deleteMarker: true }] },
              ],
            },
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

const Bucket = "v1-bucket";

describe("ListObjects (V1)", () => {
  it("lists latest versions with their owner, leaving out keys whose latest is a delete marker", async () => {
    const out = await s3Client(sim).send(new ListObjectsCommand({ Bucket }));
    expect(out.Contents?.map((c) => c.Key)).toEqual(KEYS);
    expect(out.IsTruncated).toBe(false);
    expect(out.NextMarker).toBeUndefined();
    expect(out.Name).toBe(Bucket);
    expect(out.MaxKeys).toBe(1000);
    const first = out.Contents![0]!;
    expect(first.Size).toBe("a b.txt".length);
    expect(first.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.StorageClass).toBe("STANDARD");
    expect(first.Owner?.DisplayName).toBe("prod");
  });

  it("pages with Marker: NextMarker only with a delimiter, otherwise the last key is the next marker", async () => {
    const s3 = s3Client(sim);
    const keys: string[] = [];
    let Marker: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await s3.send(new ListObjectsCommand({ Bucket, MaxKeys: 3, Marker }));
      expect(page.NextMarker).toBeUndefined();
      expect(page.Marker ?? "").toBe(Marker ?? "");
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      if (!page.IsTruncated) break;
      Marker = page.Contents!.at(-1)!.Key;
    }
    expect(keys).toEqual(KEYS);

    const rolled: string[] = [];
    Marker = undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page: ListObjectsCommandOutput = await s3.send(
        new ListObjectsCommand({ Bucket, MaxKeys: 2, Delimiter: "/", Marker }),
      );
      rolled.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((c) => c.Key!));
      if (!page.IsTruncated) break;
      expect(page.NextMarker).toBeDefined();
      Marker = page.NextMarker;
    }
    expect(rolled.sort()).toEqual(["a b.txt", "docs/", "img/", "readme", "zz"]);
  });

  it("narrows by Prefix with a Delimiter into CommonPrefixes, and URL-encodes with EncodingType=url", async () => {
    const s3 = s3Client(sim);
    const docs = await s3.send(new ListObjectsCommand({ Bucket, Prefix: "docs/", Delimiter: "/" }));
    expect(docs.Contents?.map((c) => c.Key)).toEqual(["docs/1", "docs/2"]);
    expect(docs.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["docs/sub/"]);
    expect([docs.Prefix, docs.Delimiter]).toEqual(["docs/", "/"]);
    const encoded = await s3.send(new ListObjectsCommand({ Bucket, Prefix: "a ", EncodingType: "url" }));
    expect(encoded.EncodingType).toBe("url");
    expect(encoded.Contents?.map((c) => c.Key)).toEqual(["a+b.txt"]);
    const bad = await errorOf(s3.send(new ListObjectsCommand({ Bucket, EncodingType: "base64" as "url" })));
    expect(bad.name).toBe("InvalidArgument");
  });
});
