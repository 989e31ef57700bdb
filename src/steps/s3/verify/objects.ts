/**
 * The per-object half of s3.verify (`depth: full`): for every pair of versions whose histories matched,
 * HEAD both (with checksums) and compare what a listing does not carry — content-type, -encoding,
 * -disposition, -language, cache-control, expires, user metadata, checksums, server-side encryption (and
 * for SSE-KMS the destination's key against the key its bucket encrypts with), Object Lock retention and
 * legal hold — and, when either side has tags (HEAD's tag count), the tag sets. Bounded concurrency, one
 * window of pairs in memory.
 */
import type { HeadObjectOutput } from "@aws-sdk/client-s3";
import { s3 } from "../../../aws/sdk.js";
import type { AwsReader } from "../../define.js";
import type { Mismatch, VersionPair } from "./compare.js";

export interface ObjectSide {
  alias: string;
  bucket: string;
}

export interface ObjectCompareOptions {
  aws: AwsReader;
  source: ObjectSide;
  destination: ObjectSide;
  concurrency: number;
  /** The KMS key the destination bucket encrypts new objects with (SSE-KMS), when it has one. */
  destinationKmsKey?: string | undefined;
  report(m: Mismatch): void;
  signal?: AbortSignal;
}

export interface ObjectCompareTotals {
  heads: number;
  tagReads: number;
}

const HEADER_FIELDS: Array<[string, (h: HeadObjectOutput) => string | undefined]> = [
  ["content-type", (h) => h.ContentType],
  ["content-encoding", (h) => h.ContentEncoding],
  ["content-disposition", (h) => h.ContentDisposition],
  ["content-language", (h) => h.ContentLanguage],
  ["cache-control", (h) => h.CacheControl],
  ["expires", (h) => h.ExpiresString ?? h.Expires?.toUTCString()],
  ["object-lock-mode", (h) => h.ObjectLockMode],
  ["object-lock-retain-until", (h) => h.ObjectLockRetainUntilDate?.toISOString()],
  ["object-lock-legal-hold", (h) => h.ObjectLockLegalHoldStatus],
];

const CHECKSUMS: Array<[string, (h: HeadObjectOutput) => string | undefined]> = [
  ["checksum-crc32", (h) => h.ChecksumCRC32],
  ["checksum-crc32c", (h) => h.ChecksumCRC32C],
  ["checksum-crc64nvme", (h) => h.ChecksumCRC64NVME],
  ["checksum-sha1", (h) => h.ChecksumSHA1],
  ["checksum-sha256", (h) => h.ChecksumSHA256],
];

function metadataText(m: Record<string, string> | undefined): string {
  const entries = Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.map(([k, v]) => `${k}=${v}`).join("; ");
}

async function head(aws: AwsReader, side: ObjectSide, key: string, versionId: string): Promise<HeadObjectOutput> {
  return aws.read(
    side.alias,
    "s3",
    new s3.HeadObjectCommand({
      Bucket: side.bucket,
      Key: key,
      ...(versionId !== "null" ? { VersionId: versionId } : {}),
      ChecksumMode: "ENABLED",
    }),
  );
}

async function tags(aws: AwsReader, side: ObjectSide, key: string, versionId: string): Promise<string> {
  const out = await aws.read(
    side.alias,
    "s3",
    new s3.GetObjectTaggingCommand({
      Bucket: side.bucket,
      Key: key,
      ...(versionId !== "null" ? { VersionId: versionId } : {}),
    }),
  );
  return (out.TagSet ?? [])
    .map((t) => `${t.Key}=${t.Value}`)
    .sort()
    .join("&");
}

/**
 * Whether the copy is encrypted less than its source. A copy is encrypted as its bucket says (since 2023
 * every bucket encrypts, at least with SSE-S3), so an unencrypted source whose copy is AES256 is no
 * difference a user would regret; a source under SSE-KMS whose copy is not is one (who may decrypt it
 * changes), and so is an encrypted source whose copy is not encrypted at all.
 */
export function sseWeaker(source: string | undefined, copy: string | undefined): string | undefined {
  if (!source || source === copy) return undefined;
  if (!copy) return "not encrypted";
  if (source.startsWith("aws:kms") && !copy.startsWith("aws:kms")) return "no longer under a KMS key";
  return undefined;
}

/** Mismatches of one pair of versions. */
export async function compareObjects(
  o: ObjectCompareOptions,
  pair: VersionPair,
  totals: ObjectCompareTotals,
): Promise<Mismatch[]> {
  const [a, b] = await Promise.all([
    head(o.aws, o.source, pair.key, pair.source.versionId),
    head(o.aws, o.destination, pair.key, pair.destination.versionId),
  ]);
  totals.heads += 2;
  const out: Mismatch[] = [];
  const add = (field: string, x: string | undefined, y: string | undefined) => {
    if ((x ?? "") !== (y ?? "")) {
      out.push({ key: pair.key, kind: "field", version: pair.label, field, source: x ?? "-", destination: y ?? "-" });
    }
  };
  for (const [field, get] of HEADER_FIELDS) add(field, get(a), get(b));
  add("metadata", metadataText(a.Metadata), metadataText(b.Metadata));
  // A checksum the source has must be there, equal; one only the destination has is extra, not wrong.
  for (const [field, get] of CHECKSUMS) if (get(a) !== undefined) add(field, get(a), get(b));
  const weaker = sseWeaker(a.ServerSideEncryption, b.ServerSideEncryption);
  if (weaker) add("sse", a.ServerSideEncryption, `${b.ServerSideEncryption ?? "none"} (${weaker})`);
  const wanted = o.destinationKmsKey;
  if (a.ServerSideEncryption === "aws:kms" && b.ServerSideEncryption === "aws:kms" && wanted) {
    // The bucket names its key by ARN or by id; HEAD answers the ARN.
    const got = b.SSEKMSKeyId ?? "";
    if (got !== wanted && !got.endsWith(`/${wanted}`)) add("sse-kms-key", wanted, got);
  }
  if ((a.TagCount ?? 0) > 0 || (b.TagCount ?? 0) > 0) {
    const [x, y] = await Promise.all([
      tags(o.aws, o.source, pair.key, pair.source.versionId),
      tags(o.aws, o.destination, pair.key, pair.destination.versionId),
    ]);
    totals.tagReads += 2;
    add("tags", x, y);
  }
  return out;
}

/** Runs `compareObjects` over pairs as they come, `concurrency` at a time; `drain` waits for the rest. */
export function objectComparer(o: ObjectCompareOptions) {
  const totals: ObjectCompareTotals = { heads: 0, tagReads: 0 };
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const add = async (pair: VersionPair): Promise<void> => {
    while (inflight.size >= o.concurrency) await Promise.race(inflight);
    if (failure) throw failure.error;
    o.signal?.throwIfAborted();
    const job: Promise<void> = compareObjects(o, pair, totals).then(
      (ms) => {
        for (const m of ms) o.report(m);
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    const tracked = job.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  };
  const drain = async (): Promise<ObjectCompareTotals> => {
    await Promise.all(inflight);
    if (failure) throw failure.error;
    return totals;
  };
  return { add, drain, totals };
}
