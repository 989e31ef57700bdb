import type { World } from "../world.js";
import { BytesBody, md5, singlePartEtag } from "./body.js";
import { checksumHeaders, sentChecksum } from "./checksum.js";
import {
  bucketFor,
  findVersion,
  newVersionId,
  type S3Handler,
  sseFor,
  sseHeaders,
  storageClassHeaders,
  storageClassOf,
  versionHeader,
  writeVersion,
} from "./common.js";
import type { Bucket, Version } from "./model.js";
import { writeAttributes } from "./object-attributes.js";
import { s3Fail } from "./xml.js";

const PutObject: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:PutObject");
  if (!bucket.ok) return bucket;
  const key = req.key!;
  const contentMd5 = req.headers["content-md5"];
  if (contentMd5 !== undefined && Buffer.from(contentMd5, "base64").toString("hex") !== md5(req.body)) {
    return s3Fail("BadDigest", "The Content-MD5 you specified did not match what we received.", 400);
  }
  if (req.headers["if-none-match"] === "*") {
    const latest = findVersion(bucket.value, key, undefined);
    if (latest && !latest.deleteMarker) {
      return s3Fail("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, {
        Condition: "If-None-Match",
      });
    }
  }
  const sse = sseFor(ctx.world, bucket.value, req);
  if (!sse.ok) return sse;
  const storageClass = storageClassOf(req);
  if (!storageClass.ok) return storageClass;
  const attributes = writeAttributes(req, bucket.value, ctx.now);
  if (!attributes.ok) return attributes;
  const checksum = sentChecksum(req);
  if (!checksum.ok) return checksum;
  const body = new BytesBody(Buffer.from(req.body));
  const v = writeVersion(ctx.world, bucket.value, {
    key,
    deleteMarker: false,
    body,
    size: body.size,
    etag: singlePartEtag(body),
    lastModified: ctx.now,
    ...attributes.value,
    ...(checksum.value ? { checksum: { ...checksum.value, type: "FULL_OBJECT" as const } } : {}),
    sse: sse.value,
    ...(storageClass.value ? { storageClass: storageClass.value } : {}),
    owner: ctx.account,
  });
  return {
    ok: true,
    value: {
      headers: {
        etag: v.etag,
        ...versionHeader(bucket.value, v),
        ...sseHeaders(v.sse),
        ...storageClassHeaders(v.storageClass),
        ...checksumHeaders(v.checksum),
      },
    },
  };
};

export interface Deleted {
  key: string;
  versionId?: string;
  deleteMarker: boolean;
  deleteMarkerVersionId?: string;
}

/**
 * One delete, as DeleteObject and DeleteObjects do it. With a version id: that entry goes (a missing one
 * is not an error). Without: Enabled adds a delete marker; Suspended replaces the "null" version with a
 * "null" marker; Unversioned removes the object.
 */
export function deleteEntry(
  world: World,
  bucket: Bucket,
  key: string,
  versionId: string | undefined,
  now: number,
  owner: string,
): Deleted {
  if (versionId !== undefined) {
    const target = bucket.objects.get(key).find((v) => v.versionId === versionId);
    if (target) bucket.objects.update(key, (h) => h.filter((v) => v !== target && v.versionId !== versionId));
    return { key, versionId, deleteMarker: target?.deleteMarker ?? false };
  }
  if (bucket.versioning === "Unversioned") {
    bucket.objects.update(key, (h) => h.filter((v) => v.versionId !== "null"));
    return { key, deleteMarker: false };
  }
  const markerId = bucket.versioning === "Enabled" ? newVersionId(world) : "null";
  const marker: Version = { key, versionId: markerId, deleteMarker: true, size: 0, etag: "", lastModified: now, owner };
  bucket.objects.update(key, (h) => [marker, ...h.filter((v) => markerId !== "null" || v.versionId !== "null")]);
  return { key, deleteMarker: true, deleteMarkerVersionId: markerId };
}

const DeleteObject: S3Handler = (ctx, req) => {
  const versionId = req.query.get("versionId") ?? undefined;
  const bucket = bucketFor(ctx, req, versionId ? "s3:DeleteObjectVersion" : "s3:DeleteObject");
  if (!bucket.ok) return bucket;
  const done = deleteEntry(ctx.world, bucket.value, req.key!, versionId, ctx.now, ctx.account);
  const headers: Record<string, string> = {};
  if (done.deleteMarker) headers["x-amz-delete-marker"] = "true";
  const id = done.versionId ?? done.deleteMarkerVersionId;
  if (id !== undefined && !(bucket.value.versioning === "Unversioned" && id === "null"))
    headers["x-amz-version-id"] = id;
  return { ok: true, value: { status: 204, headers } };
};

export const objectActions: Record<string, S3Handler> = { PutObject, DeleteObject };
