import { createHash } from "node:crypto";
import type { World } from "../world.js";
import { bucketDefaultSse } from "./common.js";
import type { Bucket, ObjectAttributes } from "./model.js";
import { DEFAULT_CONTENT_TYPE } from "./object-attributes.js";

/**
 * A bucket as the world dump shows it: who owns it, where, its settings and what it holds. `digest` is a
 * SHA-256 over every key with its history in order (size, ETag, storage class unless STANDARD, content
 * headers, user metadata and tags, and the delete-marker flag of each entry, newest first) — not version
 * ids, times, checksums, encryption or Object Lock, which a faithful copy may change — so two worlds holding
 * the same data compare equal.
 */
export interface S3BucketDump {
  name: string;
  owner: string;
  region: string;
  versioning: string;
  objectLock: boolean;
  encryption: string;
  settings: string[];
  keys: number;
  versions: number;
  deleteMarkers: number;
  bytes: number;
  incompleteUploads: number;
  digest: string;
}

export interface S3Dump {
  buckets: S3BucketDump[];
  /** Deleted names not yet free again (or waiting for a seeded squatter). */
  pendingNames: { name: string; previousOwner: string }[];
}

/**
 * The attributes a copy must keep, as digest text: empty for a version without any (so digests of
 * worlds without attributes stay what they were). Content-Type as S3 answers it: none = binary/octet-stream,
 * which is what a copy made from a HEAD carries; Expires by the instant it names.
 */
function attributeText(v: ObjectAttributes): string {
  const fields: [string, string][] = [];
  if (v.contentType !== undefined && v.contentType !== DEFAULT_CONTENT_TYPE) fields.push(["type", v.contentType]);
  if (v.contentEncoding !== undefined) fields.push(["encoding", v.contentEncoding]);
  if (v.contentDisposition !== undefined) fields.push(["disposition", v.contentDisposition]);
  if (v.contentLanguage !== undefined) fields.push(["language", v.contentLanguage]);
  if (v.cacheControl !== undefined) fields.push(["cache", v.cacheControl]);
  if (v.expires !== undefined) {
    const at = Date.parse(v.expires);
    fields.push(["expires", Number.isFinite(at) ? new Date(at).toISOString() : v.expires]);
  }
  const sorted = (pairs: [string, string][]) => pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, value] of sorted(Object.entries(v.metadata ?? {}))) fields.push([`meta:${k}`, value]);
  for (const [k, value] of sorted([...(v.tags ?? [])])) fields.push([`tag:${k}`, value]);
  return fields.length === 0 ? "" : `:${JSON.stringify(fields)}`;
}

function bucketDump(b: Bucket): S3BucketDump {
  const h = createHash("sha256");
  let keys = 0;
  let versions = 0;
  let deleteMarkers = 0;
  let bytes = 0;
  for (const [key, history] of b.objects.entries()) {
    keys += 1;
    h.update(`${key}\u0000`);
    for (const v of history) {
      if (v.deleteMarker) {
        deleteMarkers += 1;
        h.update("DM\u0000");
      } else {
        versions += 1;
        bytes += v.size;
        // The class only when not STANDARD: dumps of worlds without classes keep their digests.
        h.update(
          `${v.size}:${v.etag}${v.storageClass && v.storageClass !== "STANDARD" ? `:${v.storageClass}` : ""}${attributeText(v)}\u0000`,
        );
      }
    }
    h.update("\u0001");
  }
  const sse = bucketDefaultSse(b);
  return {
    name: b.name,
    owner: b.owner,
    region: b.region,
    versioning: b.versioning,
    objectLock: b.objectLockEnabled,
    encryption: sse.algorithm === "aws:kms" ? `aws:kms ${sse.kmsKeyId ?? "aws/s3"}` : sse.algorithm,
    settings: [...b.configs.keys()].sort(),
    keys,
    versions,
    deleteMarkers,
    bytes,
    incompleteUploads: b.uploads.size,
    digest: h.digest("hex"),
  };
}

export function s3Dump(world: World): S3Dump {
  return {
    buckets: [...world.s3.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(bucketDump),
    pendingNames: [...world.s3.pendingNames.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((p) => ({ name: p.name, previousOwner: p.previousOwner })),
  };
}
