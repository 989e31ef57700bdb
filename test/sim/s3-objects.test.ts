import { Readable } from "node:stream";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, REGION, STAGING } from "./helpers.js";
import { bodyText, s3Client } from "./s3-helpers.js";

const GB = 1024 ** 3;
const MB = 1024 ** 2;
const HOSTILE = [
  "a b",
  "a+b",
  "a%b",
  "a%2Fb",
  "日本語/ファイル.txt",
  "./dot",
  "../up",
  "x/./y",
  "emoji😀",
  "ｱ",
  "q?x=1&y",
  "plain",
];

const readPolicy = (bucket: string, account: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucketVersions", "s3:ListBucket"],
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    },
  ],
});

const seed: SeedObject = {
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          buckets: [
            { name: "hostile-keys", versioning: "Enabled" },
            { name: "plain-bucket" },
            {
              name: "big-source",
              versioning: "Enabled",
              objects: [
                { key: "huge.bin", versions: [{ sizeBytes: 6 * GB }] },
                { key: "gone.txt", versions: [{ body: "was here" }, { deleteMarker: true }] },
              ],
              policy: readPolicy("big-source", STAGING),
            },
            {
              name: "kms-managed",
              encryption: { algorithm: "aws:kms" },
              objects: [{ key: "secret.txt", versions: [{ body: "secret" }] }],
              policy: readPolicy("kms-managed", STAGING),
            },
            {
              name: "sse-s3",
              objects: [{ key: "open.txt", versions: [{ body: "open" }] }],
              policy: readPolicy("sse-s3", STAGING),
            },
            { name: "private-bucket", objects: [{ key: "mine.txt", versions: [{ body: "mine" }] }] },
          ],
        },
      },
    },
    [STAGING]: { regions: { [REGION]: { buckets: [{ name: "dest-bucket", versioning: "Enabled" }] } } },
  },
};

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed });
});
afterAll(() => sim.close());

type Entry = { key: string; versionId: string; latest: boolean; marker: boolean };

function entriesOf(page: ListObjectVersionsCommandOutput): Entry[] {
  const all = [
    ...(page.Versions ?? []).map((v) => ({
      key: v.Key!,
      versionId: v.VersionId!,
      latest: v.IsLatest!,
      marker: false,
      t: v.LastModified!,
    })),
    ...(page.DeleteMarkers ?? []).map((d) => ({
      key: d.Key!,
      versionId: d.VersionId!,
      latest: d.IsLatest!,
      marker: true,
      t: d.LastModified!,
    })),
  ];
  // A page lists each key's entries newest first; the SDK splits versions and markers into two lists.
  return all
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || b.t.getTime() - a.t.getTime())
    .map(({ t: _t, ...e }) => e);
}

describe("S3 objects and versions", () => {
  it("keeps versions and delete markers of URL-hostile keys and pages through them with both markers", async () => {
    const s3 = s3Client(sim);
    const Bucket = "hostile-keys";
    const written: Entry[] = [];
    for (const [i, key] of HOSTILE.entries()) {
      for (let v = 0; v < 3; v++) {
        const put = await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: `${key} v${v}` }));
        expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
        written.push({ key, versionId: put.VersionId!, latest: false, marker: false });
        sim.advance(1000);
      }
      if (i % 3 === 0) {
        const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: key }));
        expect(del.DeleteMarker).toBe(true);
        written.push({ key, versionId: del.VersionId!, latest: false, marker: true });
        sim.advance(1000);
      }
    }
    const whole = entriesOf(await s3.send(new ListObjectVersionsCommand({ Bucket })));
    expect(whole).toHaveLength(written.length);
    const byKey = [...new Set(whole.map((e) => e.key))];
    expect(byKey).toEqual([...HOSTILE].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    for (const key of HOSTILE) {
      const mine = written.filter((w) => w.key === key).reverse();
      const listed = whole.filter((e) => e.key === key);
      expect(listed.map((e) => e.versionId)).toEqual(mine.map((m) => m.versionId));
      expect(listed.map((e) => e.latest)).toEqual(listed.map((_, i) => i === 0));
    }

    const paged: Entry[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let pages = 0; ; pages++) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 4, KeyMarker, VersionIdMarker }));
      paged.push(...entriesOf(page));
      if (!page.IsTruncated) break;
      expect(pages).toBeLessThan(100);
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
    expect(paged).toEqual(whole);

    const encoded = await s3.send(new ListObjectVersionsCommand({ Bucket, EncodingType: "url", MaxKeys: 1000 }));
    expect(encoded.EncodingType).toBe("url");
    const decoded = (encoded.Versions ?? []).map((v) => decodeURIComponent(v.Key!.replace(/\+/g, " ")));
    expect(new Set(decoded)).toEqual(new Set(HOSTILE));
    expect(encoded.Versions?.find((v) => decoded.includes("a b") && v.Key === "a+b")).toBeDefined();

    for (const key of HOSTILE) {
      const latest = written.filter((w) => w.key === key).at(-1)!;
      if (latest.marker) {
        const err = await errorOf(s3.send(new GetObjectCommand({ Bucket, Key: key })));
        expect(err.name).toBe("NoSuchKey");
      } else {
        expect(await bodyText(await s3.send(new GetObjectCommand({ Bucket, Key: key })))).toBe(`${key} v2`);
      }
      const first = written.find((w) => w.key === key)!;
      const old = await s3.send(new GetObjectCommand({ Bucket, Key: key, VersionId: first.versionId }));
      expect(await bodyText(old)).toBe(`${key} v0`);
    }
    const bad = await errorOf(
      s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker: "a b", VersionIdMarker: "nope" })),
    );
    expect(bad.name).toBe("InvalidArgument");
  });

  it("gives unversioned objects the version id null and replaces them in place", async () => {
    const s3 = s3Client(sim);
    await s3.send(new PutObjectCommand({ Bucket: "plain-bucket", Key: "k", Body: "one" }));
    await s3.send(new PutObjectCommand({ Bucket: "plain-bucket", Key: "k", Body: "two" }));
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: "plain-bucket" }));
    expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([["k", "null", true]]);
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: "plain-bucket" }));
    expect(v2.Contents?.map((c) => [c.Key, c.Size])).toEqual([["k", 3]]);
    await s3.send(new DeleteObjectCommand({ Bucket: "plain-bucket", Key: "k" }));
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: "plain-bucket" }))).Versions).toBeUndefined();
  });

  it("copies a version cross-account (bucket policy), never from a delete marker, never over 5 GB", async () => {
    const staging = s3Client(sim, STAGING);
    const hostile = "./sub dir/ä+%.txt";
    const prod = s3Client(sim);
    const first = await prod.send(new PutObjectCommand({ Bucket: "big-source", Key: hostile, Body: "first" }));
    await prod.send(new PutObjectCommand({ Bucket: "big-source", Key: hostile, Body: "second" }));
    const source = `big-source/${encodeURIComponent(hostile)}?versionId=${first.VersionId}`;
    const copied = await staging.send(
      new CopyObjectCommand({ Bucket: "dest-bucket", Key: hostile, CopySource: source }),
    );
    expect(copied.CopySourceVersionId).toBe(first.VersionId);
    expect(copied.CopyObjectResult?.ETag).toBe(first.ETag);
    expect(copied.VersionId).not.toBe(first.VersionId);
    expect(await bodyText(await staging.send(new GetObjectCommand({ Bucket: "dest-bucket", Key: hostile })))).toBe(
      "first",
    );

    const versions = await prod.send(new ListObjectVersionsCommand({ Bucket: "big-source", Prefix: "gone.txt" }));
    const marker = versions.DeleteMarkers![0]!.VersionId!;
    const byId = await errorOf(
      staging.send(
        new CopyObjectCommand({
          Bucket: "dest-bucket",
          Key: "g",
          CopySource: `big-source/gone.txt?versionId=${marker}`,
        }),
      ),
    );
    expect(byId.name).toBe("InvalidRequest");
    const latest = await errorOf(
      staging.send(new CopyObjectCommand({ Bucket: "dest-bucket", Key: "g", CopySource: "big-source/gone.txt" })),
    );
    expect(latest.name).toBe("NoSuchKey");

    const huge = await errorOf(
      staging.send(
        new CopyObjectCommand({ Bucket: "dest-bucket", Key: "huge.bin", CopySource: "big-source/huge.bin" }),
      ),
    );
    expect(huge.name).toBe("InvalidRequest");
    expect(huge.$metadata?.httpStatusCode).toBe(400);
    expect(huge.message).toBe(
      "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120",
    );

    const denied = await errorOf(
      staging.send(new CopyObjectCommand({ Bucket: "dest-bucket", Key: "m", CopySource: "private-bucket/mine.txt" })),
    );
    expect(denied.name).toBe("AccessDenied");
    expect(denied.$metadata?.httpStatusCode).toBe(403);
  });

  it("copies an object over 5 GB with multipart UploadPartCopy and a multipart ETag", async () => {
    const staging = s3Client(sim, STAGING);
    const head = await s3Client(sim).send(new HeadObjectCommand({ Bucket: "big-source", Key: "huge.bin" }));
    expect(head.ContentLength).toBe(6 * GB);
    const size = head.ContentLength!;
    const { UploadId } = await staging.send(
      new CreateMultipartUploadCommand({ Bucket: "dest-bucket", Key: "huge.bin" }),
    );
    const partSize = 2 * GB;
    const parts = [];
    for (let n = 1, start = 0; start < size; n++, start += partSize) {
      const end = Math.min(size, start + partSize) - 1;
      const part = await staging.send(
        new UploadPartCopyCommand({
          Bucket: "dest-bucket",
          Key: "huge.bin",
          UploadId,
          PartNumber: n,
          CopySource: "big-source/huge.bin",
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      parts.push({ PartNumber: n, ETag: part.CopyPartResult!.ETag! });
    }
    const done = await staging.send(
      new CompleteMultipartUploadCommand({
        Bucket: "dest-bucket",
        Key: "huge.bin",
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    const copy = await staging.send(new HeadObjectCommand({ Bucket: "dest-bucket", Key: "huge.bin" }));
    expect(copy.ContentLength).toBe(size);
    const tail = await staging.send(
      new GetObjectCommand({ Bucket: "dest-bucket", Key: "huge.bin", Range: `bytes=${size - 16}-` }),
    );
    const srcTail = await s3Client(sim).send(
      new GetObjectCommand({ Bucket: "big-source", Key: "huge.bin", Range: `bytes=${size - 16}-` }),
    );
    expect(await bodyText(tail)).toBe(await bodyText(srcTail));
    expect(tail.ContentRange).toBe(`bytes ${size - 16}-${size - 1}/${size}`);
  });

  it("multipart: parts below 5 MB are refused except the last, ETag is md5-of-md5s-n", async () => {
    const s3 = s3Client(sim);
    const Bucket = "plain-bucket";
    await s3.send(new PutObjectCommand({ Bucket, Key: "five", Body: Buffer.alloc(5 * MB, 7) }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "joined" }));
    const p1 = await s3.send(
      new UploadPartCopyCommand({ Bucket, Key: "joined", UploadId, PartNumber: 1, CopySource: `${Bucket}/five` }),
    );
    const p2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket,
        Key: "joined",
        UploadId,
        PartNumber: 2,
        CopySource: `${Bucket}/five`,
        CopySourceRange: "bytes=0-9",
      }),
    );
    const small = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: "joined",
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 3, ETag: p2.CopyPartResult!.ETag }] },
        }),
      ),
    );
    expect(small.name).toBe("InvalidPart");
    const p3 = await s3.send(
      new UploadPartCopyCommand({
        Bucket,
        Key: "joined",
        UploadId,
        PartNumber: 3,
        CopySource: `${Bucket}/five`,
        CopySourceRange: "bytes=0-9",
      }),
    );
    const tooSmall = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: "joined",
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: p2.CopyPartResult!.ETag },
              { PartNumber: 3, ETag: p3.CopyPartResult!.ETag },
            ],
          },
        }),
      ),
    );
    expect(tooSmall.name).toBe("EntityTooSmall");
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: "joined",
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.CopyPartResult!.ETag },
            { PartNumber: 2, ETag: p2.CopyPartResult!.ETag },
          ],
        },
      }),
    );
    const { createHash } = await import("node:crypto");
    const md5 = (b: Buffer) => createHash("md5").update(b).digest();
    const expected = createHash("md5")
      .update(Buffer.concat([md5(Buffer.alloc(5 * MB, 7)), md5(Buffer.alloc(10, 7))]))
      .digest("hex");
    expect(done.ETag).toBe(`"${expected}-2"`);
    const got = await s3.send(new HeadObjectCommand({ Bucket, Key: "joined" }));
    expect(got.ContentLength).toBe(5 * MB + 10);
  });

  it("DeleteObjects removes up to 1000 versions per call; Quiet answers only errors", async () => {
    const s3 = s3Client(sim, STAGING);
    const Bucket = "dest-bucket";
    for (let i = 0; i < 30; i++) await s3.send(new PutObjectCommand({ Bucket, Key: `batch/${i % 10}`, Body: `${i}` }));
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: "batch/" }));
    const ids = (listed.Versions ?? []).map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }));
    expect(ids).toHaveLength(30);
    const loud = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: ids.slice(0, 10) } }));
    expect(loud.Deleted).toHaveLength(10);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: ids.slice(10), Quiet: true } }));
    expect(quiet.Deleted).toBeUndefined();
    expect(quiet.Errors).toBeUndefined();
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: "batch/" }))).Versions).toBeUndefined();
    const markers = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: "batch/0" }] } }));
    expect(markers.Deleted?.[0]?.DeleteMarker).toBe(true);
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}` }));
    expect((await errorOf(s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: tooMany } })))).name).toBe(
      "MalformedXML",
    );
  });

  it("SSE-KMS with the AWS managed key aws/s3 cannot be read from another account; SSE-S3 can", async () => {
    const staging = s3Client(sim, STAGING);
    const own = await s3Client(sim).send(new GetObjectCommand({ Bucket: "kms-managed", Key: "secret.txt" }));
    expect(own.ServerSideEncryption).toBe("aws:kms");
    expect(own.SSEKMSKeyId).toMatch(/^arn:aws:kms:ap-northeast-1:111111111111:key\//);
    const get = await errorOf(staging.send(new GetObjectCommand({ Bucket: "kms-managed", Key: "secret.txt" })));
    expect(get.name).toBe("AccessDenied");
    const copy = await errorOf(
      staging.send(new CopyObjectCommand({ Bucket: "dest-bucket", Key: "s", CopySource: "kms-managed/secret.txt" })),
    );
    expect(copy.name).toBe("AccessDenied");
    const open = await staging.send(new GetObjectCommand({ Bucket: "sse-s3", Key: "open.txt" }));
    expect(open.ServerSideEncryption).toBe("AES256");
    expect(await bodyText(open)).toBe("open");
    const noPolicy = await errorOf(staging.send(new GetObjectCommand({ Bucket: "private-bucket", Key: "mine.txt" })));
    expect(noPolicy.name).toBe("AccessDenied");
  });

  it("accepts streamed bodies (aws-chunked with a trailing checksum)", async () => {
    const s3 = s3Client(sim);
    const data = `${"x".repeat(100_000)}end`;
    const Body = Readable.from([Buffer.from(data.slice(0, 50_000)), Buffer.from(data.slice(50_000))]);
    await s3.send(new PutObjectCommand({ Bucket: "plain-bucket", Key: "streamed", Body, ContentLength: data.length }));
    expect(await bodyText(await s3.send(new GetObjectCommand({ Bucket: "plain-bucket", Key: "streamed" })))).toBe(data);
  });

  it("dumps a content digest that ignores version ids: same history, same digest", async () => {
    const s3 = s3Client(sim, STAGING);
    for (const Bucket of ["digest-a", "digest-b", "digest-c"]) {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
      const order = Bucket === "digest-c" ? ["2", "1"] : ["1", "2"];
      for (const body of order) await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: body }));
      await s3.send(new DeleteObjectCommand({ Bucket, Key: "gone" }));
    }
    const dumped = sim.dump().s3.buckets.filter((b) => b.name.startsWith("digest-"));
    const [a, b, c] = dumped;
    expect(a!.digest).toBe(b!.digest);
    expect(c!.digest).not.toBe(a!.digest);
    expect([a!.keys, a!.versions, a!.deleteMarkers, a!.bytes]).toEqual([2, 2, 1, 2]);
    expect(a!.owner).toBe(STAGING);
  });
});
