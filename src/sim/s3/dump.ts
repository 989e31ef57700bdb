import { createHash } from "node:crypto";
import type { World } from "../world.js";
import { bucketDefaultSse } from "./common.js";
import type { Bucket } from "./model.js";

/**
 * A bucket as the world dump shows it: who owns it, where, its settings and what it holds. `digest` is a
 * SHA-256 over every key with its history in order (size, ETag, storage class unless STANDARD and delete-marker
 * flag of each entry, newest first) — not version ids or times, which a copy does not keep — so two worlds holding the same data
 * compare equal.
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
          `${v.size}:${v.etag}${v.storageClass && v.storageClass !== "STANDARD" ? `:${v.storageClass}` : ""}\u0000`,
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
