import { z } from "zod";
import { CHECKSUM_ALGORITHMS, CONFIG_NAMES, LIST_ORDERS, STORAGE_CLASSES } from "./model.js";

const Spread = z.union([
  z.number().int().nonnegative(),
  z.strictObject({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative() }),
]);

/** Lazily generated objects: nothing is stored until a key is written to. */
const GeneratedSeed = z.strictObject({
  keys: z.number().int().nonnegative(),
  prefix: z.string().default("gen/"),
  versionsPerKey: Spread.default(1),
  /** Every K-th key ends in a delete marker (0 = none). */
  deleteMarkerEvery: z.number().int().nonnegative().default(0),
  sizeBytes: Spread.default(1024),
  seed: z.string().default("sim"),
  /** Storage class of every generated version (default STANDARD). */
  storageClass: z.enum(STORAGE_CLASSES).optional(),
});

/** A version's checksum as S3 would keep it: `value` is taken as is (it need not match the content). */
const ChecksumSeed = z.strictObject({
  algorithm: z.enum(CHECKSUM_ALGORITHMS),
  /** Base64, as in x-amz-checksum-*; `<base64>-<parts>` for a multipart upload's COMPOSITE checksum. */
  value: z.string().min(1),
  /** Default: COMPOSITE when the value ends in `-<parts>`, else FULL_OBJECT. */
  type: z.enum(["FULL_OBJECT", "COMPOSITE"]).optional(),
});

/** Object Lock of a version (the bucket needs `objectLock: true`). */
const ObjectLockSeed = z.strictObject({
  mode: z.enum(["GOVERNANCE", "COMPLIANCE"]).optional(),
  retainUntil: z.iso.datetime().optional(),
  legalHold: z.union([z.boolean(), z.enum(["ON", "OFF"])]).optional(),
});

const VersionSeed = z.strictObject({
  /** Literal content (UTF-8). */
  body: z.string().optional(),
  /** Synthesized content of this size (any size, over 5 GB too: nothing is allocated). */
  sizeBytes: z.number().int().nonnegative().optional(),
  deleteMarker: z.boolean().default(false),
  contentType: z.string().optional(),
  contentEncoding: z.string().optional(),
  contentDisposition: z.string().optional(),
  contentLanguage: z.string().optional(),
  cacheControl: z.string().optional(),
  /** The Expires header as S3 answers it (an HTTP date). */
  expires: z.string().optional(),
  /** User metadata (x-amz-meta-<name>); names are lower-cased as S3 stores them. */
  metadata: z.record(z.string(), z.string()).optional(),
  /** Object tags (at most 10, keys up to 128 characters, values up to 256). */
  tags: z.record(z.string(), z.string()).optional(),
  checksum: ChecksumSeed.optional(),
  objectLock: ObjectLockSeed.optional(),
  /** Default STANDARD. */
  storageClass: z.enum(STORAGE_CLASSES).optional(),
});

const ObjectSeed = z.strictObject({
  key: z.string().min(1),
  /** Oldest first; the last is the latest. */
  versions: z.array(VersionSeed).min(1),
});

export const BucketSeed = z.strictObject({
  name: z.string().min(3),
  versioning: z.enum(["Unversioned", "Enabled", "Suspended"]).default("Unversioned"),
  objectLock: z.boolean().default(false),
  /** Default encryption. kmsKey: `aws/s3` (default), `alias/<name>` of this region, or a key ARN. */
  encryption: z
    .strictObject({ algorithm: z.enum(["AES256", "aws:kms"]), kmsKey: z.string().default("aws/s3") })
    .optional(),
  /** Bucket policy as an object or JSON text. */
  policy: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  tags: z.record(z.string(), z.string()).default({}),
  /** Other settings as the XML documents S3 Put* would receive, by subresource name. */
  configs: z.partialRecord(z.enum(CONFIG_NAMES), z.string()).default({}),
  /** A bucket from before April 2023: no default ownership controls or public access block. */
  legacy: z.boolean().default(false),
  objects: z.array(ObjectSeed).default([]),
  generated: GeneratedSeed.optional(),
  /** Keys with an incomplete multipart upload (one empty part). */
  incompleteUploads: z.array(z.string().min(1)).default([]),
  /** How ListObjectVersions orders this bucket (see list-order.ts); default: the world's `s3ListOrder`. */
  listOrder: z.enum(LIST_ORDERS).optional(),
});

export const ListOrderSeed = z.enum(LIST_ORDERS);

export const SquatterSeed = z.strictObject({
  bucket: z.string().min(3),
  account: z.string().regex(/^\d{12}$/),
  region: z.string().default("us-east-1"),
  /** Seconds after the name frees (deletion + s3NameReleaseDelaySeconds) when this account takes it. */
  afterSeconds: z.number().nonnegative().default(0),
});

export type BucketSeedData = z.output<typeof BucketSeed>;
export type VersionSeedData = z.output<typeof VersionSeed>;
