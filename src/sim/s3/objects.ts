import type { CallContext } from "../protocol/types.js";
import type { World } from "../world.js";
import { checkDecrypt } from "./access.js";
import { BytesBody, md5, singlePartEtag } from "./body.js";
import {
  bucketFor,
  findVersion,
  httpDate,
  metadataHeaders,
  metadataOf,
  newVersionId,
  type S3Handler,
  sseFor,
  sseHeaders,
  storageClassHeaders,
  storageClassOf,
  versionHeader,
  writeVersion,
} from "./common.js";
import { ARCHIVED_CLASSES, type Bucket, type Version } from "./model.js";
import type { S3Request } from "./request.js";
import { type S3Outcome, type S3Reply, s3Fail } from "./xml.js";

/** Whole bodies above this are not served (ask for a Range): the simulator would have to build them. */
const MAX_SERVED_BODY = 512 * 1024 * 1024;

function noSuchKey(key: string, marker?: Version) {
  const headers = marker ? { "x-amz-delete-marker": "true", "x-amz-version-id": marker.versionId } : undefined;
  return s3Fail("NoSuchKey", "The specified key does not exist.", 404, { Key: key }, headers);
}

/**
 * The version a GET/HEAD reads: the latest, or the one asked for. A delete marker as latest is a 404
 * NoSuchKey; asking for a delete marker by id is a 405 MethodNotAllowed (both say x-amz-delete-marker).
 */
export function readableVersion(bucket: Bucket, key: string, versionId: string | undefined): S3Outcome<Version> {
  const version = findVersion(bucket, key, versionId);
  if (!version) {
    if (versionId === undefined) return noSuchKey(key);
    return s3Fail("NoSuchVersion", "The specified version does not exist.", 404, { Key: key, VersionId: versionId });
  }
  if (version.deleteMarker) {
    if (versionId === undefined) return noSuchKey(key, version);
    return s3Fail(
      "MethodNotAllowed",
      "The specified method is not allowed against this resource.",
      405,
      { Method: "GET", ResourceType: "DeleteMarker" },
      { "x-amz-delete-marker": "true", "x-amz-version-id": version.versionId, allow: "DELETE" },
    );
  }
  return { ok: true, value: version };
}

function objectHeaders(bucket: Bucket, v: Version): Record<string, string> {
  return {
    etag: v.etag,
    "last-modified": httpDate(v.lastModified),
    "content-type": v.contentType ?? "binary/octet-stream",
    "accept-ranges": "bytes",
    ...versionHeader(bucket, v),
    ...sseHeaders(v.sse),
    ...storageClassHeaders(v.storageClass),
    ...metadataHeaders(v.metadata),
  };
}

/** GET / copy of an archived version (GLACIER, DEEP_ARCHIVE) not restored: 403 InvalidObjectState. */
export function archivedState(v: Version): S3Outcome<never> | undefined {
  if (!v.storageClass || !ARCHIVED_CLASSES.has(v.storageClass)) return undefined;
  return s3Fail("InvalidObjectState", "The operation is not valid for the object's storage class", 403, {
    StorageClass: v.storageClass,
  });
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → [start, end) or undefined when unsatisfiable. */
export function parseRange(header: string, size: number): [number, number] | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const n = Number(m[2]);
    return n === 0 ? undefined : [Math.max(0, size - n), size];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size : Math.min(size, Number(m[2]) + 1);
  return start < size && start < end ? [start, end] : undefined;
}

function objectRead(ctx: CallContext, req: S3Request, head: boolean): S3Outcome<S3Reply> {
  const versionId = req.query.get("versionId") ?? undefined;
  const bucket = bucketFor(ctx, req, versionId ? "s3:GetObjectVersion" : "s3:GetObject");
  if (!bucket.ok) return bucket;
  const found = readableVersion(bucket.value, req.key!, versionId);
  if (!found.ok) return found;
  const v = found.value;
  const headers = objectHeaders(bucket.value, v);
  const size = v.size;
  const rangeHeader = req.headers.range;
  let range: [number, number] = [0, size];
  let status = 200;
  if (rangeHeader !== undefined && size > 0) {
    const parsed = parseRange(rangeHeader, size);
    if (!parsed) {
      return s3Fail("InvalidRange", "The requested range is not satisfiable", 416, {
        RangeRequested: rangeHeader,
        ActualObjectSize: String(size),
      });
    }
    range = parsed;
    status = 206;
    headers["content-range"] = `bytes ${range[0]}-${range[1] - 1}/${size}`;
  }
  if (head)
    return { ok: true, value: { status, headers: { ...headers, "content-length": String(range[1] - range[0]) } } };
  const archived = archivedState(v);
  if (archived) return archived;
  const decrypt = checkDecrypt(ctx.world, v, ctx.account);
  if (!decrypt.ok) return decrypt;
  if (range[1] - range[0] > MAX_SERVED_BODY) {
    return s3Fail(
      "InvalidRequest",
      `The simulator does not serve bodies over ${MAX_SERVED_BODY} bytes: ask for a Range`,
      400,
    );
  }
  const body = v.body ? v.body.read(range[0], range[1]) : Buffer.alloc(0);
  return { ok: true, value: { status, headers, body } };
}

const GetObject: S3Handler = (ctx, req) => objectRead(ctx, req, false);
const HeadObject: S3Handler = (ctx, req) => objectRead(ctx, req, true);

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
  const body = new BytesBody(Buffer.from(req.body));
  const v = writeVersion(ctx.world, bucket.value, {
    key,
    deleteMarker: false,
    body,
    size: body.size,
    etag: singlePartEtag(body),
    lastModified: ctx.now,
    contentType: req.headers["content-type"],
    metadata: metadataOf(req),
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

export const objectActions: Record<string, S3Handler> = { GetObject, HeadObject, PutObject, DeleteObject };
