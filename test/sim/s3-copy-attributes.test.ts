import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, REGION } from "./helpers.js";
import { bodyText, s3Client } from "./s3-helpers.js";

const MB = 1024 ** 2;
const GB = 1024 ** 3;
const SOURCE_SHA = "c291cmNlLXNoYTI1Ni1hcy1zZWVkZWQtYnktdGhlLXRlc3Q=";

const seed: SeedObject = {
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          buckets: [
            {
              name: "copy-src",
              versioning: "Enabled",
              objects: [
                {
                  key: "doc.txt",
                  versions: [
                    {
                      body: "the document",
                      contentType: "text/plain",
                      contentLanguage: "fr",
                      cacheControl: "max-age=5",
                      metadata: { origin: "seed" },
                      tags: { class: "a" },
                      checksum: { algorithm: "SHA256", value: SOURCE_SHA },
                    },
                  ],
                },
                {
                  key: "in-place.txt",
                  versions: [{ body: "here", checksum: { algorithm: "SHA256", value: SOURCE_SHA } }],
                },
                {
                  key: "large.bin",
                  versions: [{ sizeBytes: 6 * GB, contentType: "application/x-large", tags: { t: "1" } }],
                },
              ],
            },
            { name: "copy-dest", versioning: "Enabled" },
            { name: "copy-locked", objectLock: true },
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

const head = (Bucket: string, Key: string) =>
  s3Client(sim).send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: "ENABLED" }));
const tagsOf = async (Bucket: string, Key: string) =>
  (await s3Client(sim).send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet;
const headers = (h: HeadObjectCommandOutput) => ({
  ContentType: h.ContentType,
  ContentLanguage: h.ContentLanguage,
  CacheControl: h.CacheControl,
  Metadata: h.Metadata,
});

describe("CopyObject and multipart attributes", () => {
  it("COPY directives (the default) keep headers, metadata, tags and the checksum of the source version", async () => {
    await s3Client(sim).send(
      new CopyObjectCommand({ Bucket: "copy-dest", Key: "copied", CopySource: "copy-src/doc.txt" }),
    );
    const copy = await head("copy-dest", "copied");
    expect(headers(copy)).toEqual({
      ContentType: "text/plain",
      ContentLanguage: "fr",
      CacheControl: "max-age=5",
      Metadata: { origin: "seed" },
    });
    expect(await tagsOf("copy-dest", "copied")).toEqual([{ Key: "class", Value: "a" }]);
    expect([copy.ChecksumSHA256, copy.ChecksumType]).toEqual([SOURCE_SHA, "FULL_OBJECT"]);
  });

  it("REPLACE directives take headers, metadata and tags from the request", async () => {
    await s3Client(sim).send(
      new CopyObjectCommand({
        Bucket: "copy-dest",
        Key: "replaced",
        CopySource: "copy-src/doc.txt",
        MetadataDirective: "REPLACE",
        ContentType: "text/markdown",
        Metadata: { fresh: "yes" },
        TaggingDirective: "REPLACE",
        Tagging: "new=1",
      }),
    );
    const copy = await head("copy-dest", "replaced");
    expect(headers(copy)).toEqual({
      ContentType: "text/markdown",
      ContentLanguage: undefined,
      CacheControl: undefined,
      Metadata: { fresh: "yes" },
    });
    expect(await tagsOf("copy-dest", "replaced")).toEqual([{ Key: "new", Value: "1" }]);
    await s3Client(sim).send(
      new CopyObjectCommand({
        Bucket: "copy-dest",
        Key: "untagged",
        CopySource: "copy-src/doc.txt",
        TaggingDirective: "REPLACE",
      }),
    );
    expect(await tagsOf("copy-dest", "untagged")).toEqual([]);
    expect((await head("copy-dest", "untagged")).ContentType).toBe("text/plain");
  });

  it("ChecksumAlgorithm: the source's value for its own algorithm, another algorithm computed from the content", async () => {
    const s3 = s3Client(sim);
    const same = await s3.send(
      new CopyObjectCommand({
        Bucket: "copy-dest",
        Key: "same-algo",
        CopySource: "copy-src/doc.txt",
        ChecksumAlgorithm: "SHA256",
      }),
    );
    expect(same.CopyObjectResult?.ChecksumSHA256).toBe(SOURCE_SHA);
    const crc = await s3.send(
      new CopyObjectCommand({
        Bucket: "copy-dest",
        Key: "crc",
        CopySource: "copy-src/doc.txt",
        ChecksumAlgorithm: "CRC32",
      }),
    );
    const value = crc.CopyObjectResult?.ChecksumCRC32;
    expect(value).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    expect((await head("copy-dest", "crc")).ChecksumCRC32).toBe(value);
    // Computed from the bytes: the SDK checks it against the body when GET answers it.
    const get = await s3.send(new GetObjectCommand({ Bucket: "copy-dest", Key: "crc", ChecksumMode: "ENABLED" }));
    expect(get.ChecksumCRC32).toBe(value);
    expect(await bodyText(get)).toBe("the document");
    // Equal content, equal values: a copy of the copy asked for CRC32 again keeps it.
    const again = await s3.send(
      new CopyObjectCommand({ Bucket: "copy-dest", Key: "crc-2", CopySource: "copy-dest/crc" }),
    );
    expect(again.CopyObjectResult?.ChecksumCRC32).toBe(value);
  });

  it("copies in place only to change something: the checksum algorithm counts", async () => {
    const s3 = s3Client(sim);
    const inPlace = { Bucket: "copy-src", Key: "in-place.txt", CopySource: "copy-src/in-place.txt" };
    const same = await errorOf(s3.send(new CopyObjectCommand({ ...inPlace, ChecksumAlgorithm: "SHA256" })));
    expect([same.name, same.$metadata?.httpStatusCode]).toEqual(["InvalidRequest", 400]);
    const changed = await s3.send(new CopyObjectCommand({ ...inPlace, ChecksumAlgorithm: "CRC32C" }));
    expect(changed.CopyObjectResult?.ChecksumCRC32C).toBeDefined();
    expect((await head("copy-src", "in-place.txt")).ChecksumCRC32C).toBe(changed.CopyObjectResult?.ChecksumCRC32C);
  });

  it("applies the copy request's Object Lock headers to the copy", async () => {
    const until = new Date(sim.now() + 86_400_000);
    until.setUTCMilliseconds(0);
    await s3Client(sim).send(
      new CopyObjectCommand({
        Bucket: "copy-locked",
        Key: "locked-copy",
        CopySource: "copy-src/doc.txt",
        ObjectLockMode: "GOVERNANCE",
        ObjectLockRetainUntilDate: until,
        ObjectLockLegalHoldStatus: "ON",
      }),
    );
    const copy = await head("copy-locked", "locked-copy");
    expect([copy.ObjectLockMode, copy.ObjectLockRetainUntilDate, copy.ObjectLockLegalHoldStatus]).toEqual([
      "GOVERNANCE",
      until,
      "ON",
    ]);
    const refused = await errorOf(
      s3Client(sim).send(
        new CopyObjectCommand({
          Bucket: "copy-dest",
          Key: "x",
          CopySource: "copy-src/doc.txt",
          ObjectLockLegalHoldStatus: "ON",
        }),
      ),
    );
    expect(refused.name).toBe("InvalidRequest");
  });

  it("multipart copies take their attributes from CreateMultipartUpload, not from the parts' source", async () => {
    const s3 = s3Client(sim);
    const copyLarge = async (Key: string, partSize: number) => {
      const { UploadId, ChecksumAlgorithm, ChecksumType } = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: "copy-dest",
          Key,
          ContentType: "application/x-mine",
          Metadata: { from: "create" },
          Tagging: "mine=yes",
          ChecksumAlgorithm: "CRC64NVME",
        }),
      );
      expect([ChecksumAlgorithm, ChecksumType]).toEqual(["CRC64NVME", "FULL_OBJECT"]);
      const parts = [];
      for (let n = 1, start = 0; start < 6 * GB; n++, start += partSize) {
        const part = await s3.send(
          new UploadPartCopyCommand({
            Bucket: "copy-dest",
            Key,
            UploadId,
            PartNumber: n,
            CopySource: "copy-src/large.bin",
            CopySourceRange: `bytes=${start}-${Math.min(6 * GB, start + partSize) - 1}`,
          }),
        );
        expect(part.CopyPartResult?.ChecksumCRC64NVME).toBeDefined();
        parts.push({ PartNumber: n, ETag: part.CopyPartResult!.ETag! });
      }
      await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: "copy-dest", Key, UploadId, MultipartUpload: { Parts: parts } }),
      );
      return head("copy-dest", Key);
    };
    const copy = await copyLarge("large-copy.bin", 3 * GB);
    expect([copy.ContentType, copy.Metadata, copy.TagCount]).toEqual(["application/x-mine", { from: "create" }, 1]);
    expect(await tagsOf("copy-dest", "large-copy.bin")).toEqual([{ Key: "mine", Value: "yes" }]);
    expect(copy.ChecksumType).toBe("FULL_OBJECT");
    // Content too large to hash gets a stand-in value, but equal content gives equal values however it was cut.
    const other = await copyLarge("large-copy-2.bin", 2 * GB);
    expect(other.ChecksumCRC64NVME).toBe(copy.ChecksumCRC64NVME);
  });

  it("COMPOSITE multipart checksums are the checksum of the part checksums, with the part count", async () => {
    const s3 = s3Client(sim);
    const Key = "composite.bin";
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: "copy-dest", Key, ChecksumAlgorithm: "SHA256" }),
    );
    const bodies = [Buffer.alloc(5 * MB, 1), Buffer.from("tail")];
    const parts = [];
    for (const [i, Body] of bodies.entries()) {
      const out = await s3.send(
        new UploadPartCommand({
          Bucket: "copy-dest",
          Key,
          UploadId,
          PartNumber: i + 1,
          Body,
          ChecksumAlgorithm: "SHA256",
        }),
      );
      parts.push({ PartNumber: i + 1, ETag: out.ETag!, ChecksumSHA256: out.ChecksumSHA256! });
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: "copy-dest", Key, UploadId, MultipartUpload: { Parts: parts } }),
    );
    const { createHash } = await import("node:crypto");
    const joined = Buffer.concat(parts.map((p) => Buffer.from(p.ChecksumSHA256, "base64")));
    const expected = `${createHash("sha256").update(joined).digest("base64")}-2`;
    expect([done.ChecksumSHA256, done.ChecksumType]).toEqual([expected, "COMPOSITE"]);
    const copy = await head("copy-dest", Key);
    expect([copy.ChecksumSHA256, copy.ChecksumType]).toEqual([expected, "COMPOSITE"]);
    // GET does not answer a composite value (nothing to check the body against), and the body reads.
    const get = await s3.send(new GetObjectCommand({ Bucket: "copy-dest", Key, ChecksumMode: "ENABLED" }));
    expect(get.ChecksumSHA256).toBeUndefined();
    expect((await bodyText(get)).length).toBe(5 * MB + 4);
  });
});
