/**
 * What a user would miss: headers, user metadata, tags and checksums survive the copy in both engines
 * (a full-depth verify passes), and a difference planted in any one of them fails verify naming the key,
 * the version and the field — while `depth: listing` says in its plan what it does not compare.
 */
import { CopyObjectCommand, DeleteObjectCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { s3BatchCopy } from "../../../src/steps/s3/copy/batch-copy.js";
import { s3Copy } from "../../../src/steps/s3/copy/copy.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { sseWeaker } from "../../../src/steps/s3/verify/objects.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import { type DataWorld, DEST, MANIFESTS, ROLE_ARN, SOURCE, seedWith, startDataWorld } from "./data-world.js";

const DIRECT = "hk-dst-direct";
const RICH = {
  key: "rich/report.html",
  versions: [
    { body: "<p>v1</p>", contentType: "text/html", tags: { team: "web" } },
    {
      body: "<p>v2</p>",
      contentType: "text/html; charset=utf-8",
      contentEncoding: "identity",
      contentDisposition: 'attachment; filename="report.html"',
      contentLanguage: "ja",
      cacheControl: "max-age=600",
      expires: "Wed, 01 Dec 2027 00:00:00 GMT",
      metadata: { owner: "web-team", build: "42" },
      tags: { team: "web", tier: "gold" },
      checksum: { algorithm: "SHA256", value: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=" },
    },
  ],
};

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function copied(engine: "direct" | "batch"): Promise<{ w: DataWorld; bucket: string }> {
  const w = await startDataWorld(seedWith({ extraObjects: [RICH] }));
  world = w;
  const m = await w.h.run(
    s3Manifest,
    "target",
    { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source" },
    "m",
  );
  const manifest = m.manifest as unknown as Manifest;
  if (engine === "direct") {
    await w.h.run(s3Copy, "target", { manifest, sourceBucket: SOURCE, destinationBucket: DIRECT, mode: "direct" }, "c");
    return { w, bucket: DIRECT };
  }
  await w.h.run(
    s3BatchCopy,
    "target",
    { manifest, sourceBucket: SOURCE, destinationBucket: DEST, roleArn: ROLE_ARN, reportBucket: MANIFESTS },
    "c",
  );
  return { w, bucket: DEST };
}

const verify = (w: DataWorld, destination: string, extra: Record<string, unknown> = {}) =>
  w.h.run(
    s3Verify,
    "target",
    { source: SOURCE, destination, sourceAccount: "source", manifestBucket: MANIFESTS, ...extra },
    "v",
  );

/** Rewrites the latest version of RICH's key in place with `change` applied, removing the one it replaced. */
async function plant(w: DataWorld, bucket: string, change: Record<string, unknown>) {
  const s3 = w.h.session.client("target", "s3");
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: RICH.key }));
  const latest = listed.Versions!.find((v) => v.IsLatest)!.VersionId!;
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: RICH.key,
      CopySource: `${bucket}/${RICH.key}?versionId=${latest}`,
      MetadataDirective: "COPY",
      TaggingDirective: "COPY",
      ...change,
    }),
  );
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: RICH.key, VersionId: latest }));
}

const REPLACED = {
  MetadataDirective: "REPLACE",
  ContentType: "text/html; charset=utf-8",
  ContentEncoding: "identity",
  ContentDisposition: 'attachment; filename="report.html"',
  ContentLanguage: "ja",
  CacheControl: "max-age=600",
  Expires: new Date("2027-12-01T00:00:00Z"),
  Metadata: { owner: "web-team", build: "42" },
};

describe("s3.verify at full depth", () => {
  for (const engine of ["direct", "batch"] as const) {
    it(`${engine}: headers, metadata, tags and checksums survive the copy, and verify compares them`, async () => {
      const { w, bucket } = await copied(engine);
      const out = await verify(w, bucket);
      expect(out).toMatchObject({ passed: true, depth: "full" });
      // Two HEADs per version; the tagged versions' tags read on both sides.
      expect(out.headRequests).toBe(2 * (out.versions as number));
      expect(out.tagRequests).toBe(4);
    });
  }

  const planted: Array<[string, Record<string, unknown>]> = [
    ["content-type", { ...REPLACED, ContentType: "text/plain" }],
    ["content-encoding", { ...REPLACED, ContentEncoding: "gzip" }],
    ["content-disposition", { ...REPLACED, ContentDisposition: "inline" }],
    ["content-language", { ...REPLACED, ContentLanguage: "en" }],
    ["cache-control", { ...REPLACED, CacheControl: "no-store" }],
    ["expires", { ...REPLACED, Expires: new Date("2030-01-01T00:00:00Z") }],
    ["metadata", { ...REPLACED, Metadata: { owner: "someone-else", build: "42" } }],
    ["tags", { TaggingDirective: "REPLACE", Tagging: "team=web" }],
    ["checksum-sha256", { ChecksumAlgorithm: "CRC32" }],
  ];
  for (const [field, change] of planted) {
    it(`a planted ${field} difference fails verify with the key, the version and the field`, async () => {
      const { w, bucket } = await copied("direct");
      await plant(w, bucket, change);
      const err = await verify(w, bucket).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "VERIFY_FAILED" });
      expect((err as Error).message).toMatch(new RegExp(`"rich/report\\.html" ${field} of version \\S+ \\(2 of 2\\)`));
    });
  }

  it("depth: listing passes such a difference and its plan says what it does not compare", async () => {
    const { w, bucket } = await copied("direct");
    await plant(w, bucket, { TaggingDirective: "REPLACE", Tagging: "team=web" });
    const params = { source: SOURCE, destination: bucket, sourceAccount: "source", depth: "listing" };
    const plan = await w.h.plan(s3Verify, "target", params);
    expect(plan.summary).toMatch(
      /depth: listing — not compared: .*user metadata, checksums, encryption, Object Lock and tags/,
    );
    await expect(verify(w, bucket, { depth: "listing" })).resolves.toMatchObject({ passed: true, headRequests: 0 });
    const full = await w.h.plan(s3Verify, "target", { ...params, depth: "full" });
    expect(full.summary).toMatch(/\d[\d,]* HEAD requests \(\+2 per tagged version\), ~\$\d+\.\d\d/);
  });
});

describe("encryption of a copy", () => {
  it("is a mismatch only when weaker than its source's", () => {
    expect(sseWeaker(undefined, "AES256")).toBeUndefined(); // the bucket encrypts what used to be plain
    expect(sseWeaker("AES256", "aws:kms")).toBeUndefined();
    expect(sseWeaker("aws:kms", "aws:kms")).toBeUndefined();
    expect(sseWeaker("aws:kms", "AES256")).toBe("no longer under a KMS key");
    expect(sseWeaker("aws:kms:dsse", "AES256")).toBe("no longer under a KMS key");
    expect(sseWeaker("AES256", undefined)).toBe("not encrypted");
  });
});
