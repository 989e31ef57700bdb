import { Readable } from "node:stream";
import {
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, REGION } from "./helpers.js";
import { bodyText, s3Client } from "./s3-helpers.js";

const EXPIRES = new Date("2031-02-03T04:05:06Z");

const seed: SeedObject = {
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          buckets: [
            { name: "attr-bucket", versioning: "Enabled" },
            {
              name: "attr-seeded",
              versioning: "Enabled",
              objects: [
                {
                  key: "report.csv.gz",
                  versions: [
                    { body: "old", tags: { stage: "draft" } },
                    {
                      body: "a,b\n1,2\n",
                      contentType: "text/csv",
                      contentEncoding: "gzip",
                      contentDisposition: 'attachment; filename="report.csv"',
                      contentLanguage: "ja-JP",
                      cacheControl: "max-age=60",
                      expires: EXPIRES.toUTCString(),
                      metadata: { Owner: "finance", "row-count": "1" },
                      tags: { stage: "final", team: "fin" },
                      checksum: { algorithm: "SHA256", value: "bm90LXRoZS1yZWFsLXNoYTI1Ng==" },
                    },
                  ],
                },
                { key: "日本.txt", versions: [{ body: "x", metadata: { title: "日本語" } }] },
                {
                  key: "big.bin",
                  versions: [{ body: "parts", checksum: { algorithm: "CRC32", value: "AAAAAA==-3" } }],
                },
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

describe("S3 object attributes", () => {
  it("stores the headers of a PutObject per version and answers them on HEAD and GET", async () => {
    const s3 = s3Client(sim);
    const Bucket = "attr-bucket";
    const first = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: "page.html",
        Body: "<p>hi</p>",
        ContentType: "text/html; charset=utf-8",
        ContentEncoding: "identity",
        ContentDisposition: "inline",
        ContentLanguage: "en",
        CacheControl: "no-cache",
        Expires: EXPIRES,
        Metadata: { author: "me", "x-y": "z" },
        Tagging: "a=1&b=two%20words",
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: "page.html", Body: "plain" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "page.html", VersionId: first.VersionId }));
    expect(head).toMatchObject({
      ContentType: "text/html; charset=utf-8",
      ContentEncoding: "identity",
      ContentDisposition: "inline",
      ContentLanguage: "en",
      CacheControl: "no-cache",
      Expires: EXPIRES,
      Metadata: { author: "me", "x-y": "z" },
      TagCount: 2,
    });
    const get = await s3.send(new GetObjectCommand({ Bucket, Key: "page.html", VersionId: first.VersionId }));
    expect(get).toMatchObject({ ContentType: "text/html; charset=utf-8", CacheControl: "no-cache", TagCount: 2 });
    expect(await bodyText(get)).toBe("<p>hi</p>");
    const latest = await s3.send(new HeadObjectCommand({ Bucket, Key: "page.html" }));
    expect(latest.TagCount).toBeUndefined();
    expect(latest.Metadata).toEqual({});
    expect(latest.ContentType).toBe("application/octet-stream");
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket, Key: "page.html", VersionId: first.VersionId }));
    expect(tags.TagSet).toEqual([
      { Key: "a", Value: "1" },
      { Key: "b", Value: "two words" },
    ]);
    expect(tags.VersionId).toBe(first.VersionId);
  });

  it("keeps the checksum the client sent (header or aws-chunked trailer); HEAD answers it in checksum mode only", async () => {
    const s3 = s3Client(sim);
    const Bucket = "attr-bucket";
    const put = await s3.send(
      new PutObjectCommand({ Bucket, Key: "sum", Body: "checksummed", ChecksumAlgorithm: "SHA256" }),
    );
    expect(put.ChecksumSHA256).toBeDefined();
    expect(put.ChecksumType).toBe("FULL_OBJECT");
    const plain = await s3.send(new HeadObjectCommand({ Bucket, Key: "sum" }));
    expect(plain.ChecksumSHA256).toBeUndefined();
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "sum", ChecksumMode: "ENABLED" }));
    expect([head.ChecksumSHA256, head.ChecksumType]).toEqual([put.ChecksumSHA256, "FULL_OBJECT"]);

    const data = `${"s".repeat(70_000)}!`;
    const Body = Readable.from([Buffer.from(data.slice(0, 30_000)), Buffer.from(data.slice(30_000))]);
    const streamed = await s3.send(
      new PutObjectCommand({ Bucket, Key: "streamed", Body, ContentLength: data.length, ChecksumAlgorithm: "CRC32C" }),
    );
    expect(streamed.ChecksumCRC32C).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const streamedHead = await s3.send(new HeadObjectCommand({ Bucket, Key: "streamed", ChecksumMode: "ENABLED" }));
    expect(streamedHead.ChecksumCRC32C).toBe(streamed.ChecksumCRC32C);
    expect(streamedHead.ContentEncoding).toBeUndefined();
    // GET answers it only when it is the CRC32C of the bytes, and the SDK checks it against the body.
    const streamedGet = await s3.send(new GetObjectCommand({ Bucket, Key: "streamed", ChecksumMode: "ENABLED" }));
    expect(streamedGet.ChecksumCRC32C).toBe(streamed.ChecksumCRC32C);
    expect(await bodyText(streamedGet)).toBe(data);

    const wrong = await errorOf(
      s3.send(new PutObjectCommand({ Bucket, Key: "bad", Body: "x", ChecksumCRC32: "AAAAAA==" })),
    );
    expect([wrong.name, wrong.$metadata?.httpStatusCode]).toEqual(["BadDigest", 400]);
  });

  it("answers a checksum on GET only when it matches the bytes (the SDK validates GET bodies)", async () => {
    const s3 = s3Client(sim);
    const Bucket = "attr-bucket";
    for (const ChecksumAlgorithm of ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"] as const) {
      const Key = `algo/${ChecksumAlgorithm}`;
      const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: `body for ${Key}`, ChecksumAlgorithm }));
      const sent = put[`Checksum${ChecksumAlgorithm}`];
      expect(sent, ChecksumAlgorithm).toBeDefined();
      const get = await s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: "ENABLED" }));
      expect(get[`Checksum${ChecksumAlgorithm}`], ChecksumAlgorithm).toBe(sent);
      expect(await bodyText(get)).toBe(`body for ${Key}`);
    }
    // Seeded values that do not fit the content: HEAD says them, GET keeps quiet and the body reads fine.
    const s = { Bucket: "attr-seeded", ChecksumMode: "ENABLED" as const };
    const head = await s3.send(new HeadObjectCommand({ ...s, Key: "report.csv.gz" }));
    expect([head.ChecksumSHA256, head.ChecksumType]).toEqual(["bm90LXRoZS1yZWFsLXNoYTI1Ng==", "FULL_OBJECT"]);
    const get = await s3.send(new GetObjectCommand({ ...s, Key: "report.csv.gz" }));
    expect(get.ChecksumSHA256).toBeUndefined();
    expect(await bodyText(get)).toBe("a,b\n1,2\n");
    const composite = await s3.send(new HeadObjectCommand({ ...s, Key: "big.bin" }));
    expect([composite.ChecksumCRC32, composite.ChecksumType]).toEqual(["AAAAAA==-3", "COMPOSITE"]);
  });

  it("seeds every attribute per version", async () => {
    const s3 = s3Client(sim);
    const head = await s3.send(new HeadObjectCommand({ Bucket: "attr-seeded", Key: "report.csv.gz" }));
    expect(head).toMatchObject({
      ContentType: "text/csv",
      ContentEncoding: "gzip",
      ContentDisposition: 'attachment; filename="report.csv"',
      ContentLanguage: "ja-JP",
      CacheControl: "max-age=60",
      Expires: EXPIRES,
      Metadata: { owner: "finance", "row-count": "1" },
      TagCount: 2,
    });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: "attr-seeded", Key: "report.csv.gz" }));
    expect(tags.TagSet).toEqual([
      { Key: "stage", Value: "final" },
      { Key: "team", Value: "fin" },
    ]);
    // Header values are ASCII: S3 answers other text RFC 2047-encoded.
    const utf8 = await s3.send(new HeadObjectCommand({ Bucket: "attr-seeded", Key: "日本.txt" }));
    expect(utf8.Metadata).toEqual({ title: `=?UTF-8?B?${Buffer.from("日本語").toString("base64")}?=` });
  });

  it("refuses seeds S3 would refuse: too many tags, a lock on a bucket without Object Lock", async () => {
    const bucket = (versions: unknown[]) => ({
      accounts: {
        [PROD]: { regions: { [REGION]: { buckets: [{ name: "bad", objects: [{ key: "k", versions }] }] } } },
      },
    });
    const tags = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`t${i}`, "v"]));
    await expect(startSimulator({ seed: bucket([{ body: "x", tags }]) as SeedObject })).rejects.toThrow(
      /versions\.0\.tags: Object tags cannot be greater than 10/,
    );
    await expect(
      startSimulator({ seed: bucket([{ body: "x", objectLock: { legalHold: true } }]) as SeedObject }),
    ).rejects.toThrow(/objectLock: the bucket needs objectLock: true/);
  });

  it("tags one version at a time; NoSuchKey / NoSuchVersion / InvalidTag as S3 answers them", async () => {
    const s3 = s3Client(sim);
    const Bucket = "attr-bucket";
    const v1 = await s3.send(new PutObjectCommand({ Bucket, Key: "tagged", Body: "1", Tagging: "keep=yes" }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket, Key: "tagged", Body: "2" }));
    const put = await s3.send(
      new PutObjectTaggingCommand({
        Bucket,
        Key: "tagged",
        Tagging: { TagSet: [{ Key: "latest", Value: "true" }] },
      }),
    );
    expect(put.VersionId).toBe(v2.VersionId);
    const of = async (VersionId?: string) =>
      (await s3.send(new GetObjectTaggingCommand({ Bucket, Key: "tagged", VersionId }))).TagSet;
    expect(await of()).toEqual([{ Key: "latest", Value: "true" }]);
    expect(await of(v1.VersionId)).toEqual([{ Key: "keep", Value: "yes" }]);
    const del = await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: "tagged", VersionId: v1.VersionId }));
    expect(del.VersionId).toBe(v1.VersionId);
    expect(await of(v1.VersionId)).toEqual([]);
    expect(await of()).toEqual([{ Key: "latest", Value: "true" }]);

    const missing = await errorOf(s3.send(new GetObjectTaggingCommand({ Bucket, Key: "nope" })));
    expect([missing.name, missing.$metadata?.httpStatusCode]).toEqual(["NoSuchKey", 404]);
    const noVersion = await errorOf(
      s3.send(new GetObjectTaggingCommand({ Bucket, Key: "tagged", VersionId: "0".repeat(32) })),
    );
    expect([noVersion.name, noVersion.$metadata?.httpStatusCode]).toEqual(["NoSuchVersion", 404]);
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const cases = [
      tooMany,
      [{ Key: "k".repeat(129), Value: "v" }],
      [{ Key: "k", Value: "v".repeat(257) }],
      [
        { Key: "k", Value: "1" },
        { Key: "k", Value: "2" },
      ],
    ];
    for (const TagSet of cases) {
      const err = await errorOf(s3.send(new PutObjectTaggingCommand({ Bucket, Key: "tagged", Tagging: { TagSet } })));
      expect([err.name, err.$metadata?.httpStatusCode]).toEqual(["InvalidTag", 400]);
    }
    const limits = [{ Key: "k".repeat(128), Value: "v".repeat(256) }, ...tooMany.slice(0, 9)];
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key: "tagged", Tagging: { TagSet: limits } }));
    expect(await of()).toHaveLength(10);
    const header = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket, Key: "t2", Body: "x", Tagging: tooMany.map((t) => `${t.Key}=v`).join("&") }),
      ),
    );
    expect(header.name).toBe("InvalidTag");
  });

  it("digests tags and headers with the content: a copy that lost them is told apart", async () => {
    const s3 = s3Client(sim);
    const digestOf = () => sim.dump().s3.buckets.find((b) => b.name === "attr-seeded")!.digest;
    const before = digestOf();
    expect(digestOf()).toBe(before);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: "attr-seeded", Key: "report.csv.gz" }));
    const untagged = digestOf();
    expect(untagged).not.toBe(before);
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: "attr-seeded",
        Key: "report.csv.gz",
        Tagging: {
          TagSet: [
            { Key: "team", Value: "fin" },
            { Key: "stage", Value: "final" },
          ],
        },
      }),
    );
    // The same tags in another order: the same data.
    expect(digestOf()).toBe(before);
  });
});
