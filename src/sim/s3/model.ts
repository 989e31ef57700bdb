import type { Body } from "./body.js";
import type { ObjectStore } from "./store.js";

/** How a bucket's versioning stands: a bucket that was never versioned differs from a suspended one. */
export type Versioning = "Unversioned" | "Enabled" | "Suspended";

/** Server-side encryption of one object version. */
export interface Sse {
  algorithm: "AES256" | "aws:kms";
  /** KMS key ARN (aws:kms only). */
  kmsKeyArn?: string;
}

/** The checksum algorithms S3 stores with a version (`x-amz-checksum-<lower-case name>`). */
export const CHECKSUM_ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** A version's checksum: the value the client sent (or S3 computed), base64; COMPOSITE ones end in `-<parts>`. */
export interface Checksum {
  algorithm: ChecksumAlgorithm;
  value: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

export interface ObjectLock {
  mode?: "GOVERNANCE" | "COMPLIANCE";
  /** Epoch ms; set together with `mode`. */
  retainUntil?: number;
  legalHold?: "ON" | "OFF";
}

/** Object tags in the order they were given (keys unique). */
export type TagSet = [string, string][];

/** What S3 keeps with each version besides its content, and answers on GET/HEAD. */
export interface ObjectAttributes {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  /** As sent (normally an HTTP date): S3 answers it back unchanged. */
  expires?: string;
  metadata?: Record<string, string>;
  tags?: TagSet;
  checksum?: Checksum;
  objectLock?: ObjectLock;
}

/** One entry of a key's history: an object version or a delete marker. */
export interface Version extends ObjectAttributes {
  key: string;
  /** "null" for versions written while the bucket was unversioned or suspended. */
  versionId: string;
  deleteMarker: boolean;
  /** Absent for delete markers. */
  body?: Body;
  size: number;
  /** Quoted, as on the wire: `"<md5>"` or `"<md5-of-md5s>-<parts>"`. */
  etag: string;
  lastModified: number;
  sse?: Sse;
  /** Absent = STANDARD (the dump and listings treat both alike). */
  storageClass?: StorageClass;
  /** Account that wrote it. */
  owner: string;
}

export interface UploadPart {
  partNumber: number;
  body: Body;
  etag: string;
  lastModified: number;
  /** The part's checksum in the upload's algorithm (base64), when the upload has one. */
  checksum?: string;
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiated: number;
  owner: string;
  /** The object's attributes, from CreateMultipartUpload's headers (checksum excepted). */
  attributes: ObjectAttributes;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: Checksum["type"];
  sse?: Sse;
  storageClass?: StorageClass;
  parts: Map<number, UploadPart>;
}

/**
 * Settings a bucket keeps as documents: the XML body (or policy JSON) as the SDK sent it, answered back
 * as is by the matching Get. Names are the S3 subresources.
 */
export const CONFIG_NAMES = [
  "encryption",
  "lifecycle",
  "tagging",
  "cors",
  "website",
  "ownershipControls",
  "publicAccessBlock",
  "policy",
  "notification",
  "replication",
  "object-lock",
  "logging",
  "requestPayment",
  "acl",
  "accelerate",
] as const;
export type ConfigName = (typeof CONFIG_NAMES)[number];

export interface Bucket {
  name: string;
  owner: string;
  region: string;
  createdAt: number;
  versioning: Versioning;
  objectLockEnabled: boolean;
  configs: Map<ConfigName, string>;
  objects: ObjectStore;
  uploads: Map<string, MultipartUpload>;
  /** How ListObjectVersions orders this bucket's entries; absent = the world's default (`S3State.listOrder`). */
  listOrder?: ListOrder;
}

/**
 * Listing orders of S3-compatible stores other than AWS (see list-order.ts): `aws` is S3's own,
 * the others keep every page's entries but order them differently, or page in first-written key order.
 */
export const LIST_ORDERS = ["aws", "versions-then-markers", "shuffled", "unsorted-keys"] as const;
export type ListOrder = (typeof LIST_ORDERS)[number];

/** A deleted bucket's name: unavailable (OperationAborted) until `freeAt`. */
export interface PendingName {
  name: string;
  previousOwner: string;
  deletedAt: number;
  freeAt: number;
}

/** S3 is global: one namespace of bucket names across every simulated account. */
export interface S3State {
  buckets: Map<string, Bucket>;
  pendingNames: Map<string, PendingName>;
  /** Seeded accounts waiting to take a name the moment it frees (plus their delay). */
  squatters: { bucket: string; account: string; region: string; afterSeconds: number }[];
  versionCounter: number;
  uploadCounter: number;
  /** Default listing order of buckets that have none of their own (absent = aws). */
  listOrder?: ListOrder;
  /** Real delay of each object listing (list-latency.ts); absent = none. */
  listLatency?: { min: number; max: number };
}

export function emptyS3State(): S3State {
  return { buckets: new Map(), pendingNames: new Map(), squatters: [], versionCounter: 0, uploadCounter: 0 };
}

/** What `x-amz-storage-class` accepts on PutObject / CopyObject / CreateMultipartUpload. */
export const STORAGE_CLASSES = [
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** Classes whose objects must be restored before GetObject / CopyObject can read them. */
export const ARCHIVED_CLASSES: ReadonlySet<string> = new Set(["GLACIER", "DEEP_ARCHIVE"]);

/** 5 GiB: the largest CopyObject source and the largest single PUT. */
export const MAX_COPY_SOURCE = 5 * 1024 * 1024 * 1024;

export const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

export function bucketArn(name: string): string {
  return `arn:aws:s3:::${name}`;
}
