import type { CallContext } from "../protocol/types.js";
import { checkDecrypt } from "./access.js";
import { checksumHeaders, checksumOfBody } from "./checksum.js";
import {
  bucketFor,
  findVersion,
  httpDate,
  type S3Handler,
  sseHeaders,
  storageClassHeaders,
  versionHeader,
} from "./common.js";
import { ARCHIVED_CLASSES, type Bucket, type Version } from "./model.js";
import { attributeHeaders } from "./object-attributes.js";
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
    "accept-ranges": "bytes",
    ...attributeHeaders(v),
    ...versionHeader(bucket, v),
    ...sseHeaders(v.sse),
    ...storageClassHeaders(v.storageClass),
  };
}

/**
 * `x-amz-checksum-mode: ENABLED`: HEAD answers the stored checksum as is. GET answers it only for a whole,
 * full-object read whose bytes are known to match it: the SDK checks the body against what GET answers
 * (and asks for checksums on every GET), so a seeded value that does not fit the content must stay unsaid.
 */
function checksumReply(req: S3Request, v: Version, head: boolean, whole: boolean): Record<string, string> {
  if ((req.headers["x-amz-checksum-mode"] ?? "").toUpperCase() !== "ENABLED" || !v.checksum) return {};
  if (head) return checksumHeaders(v.checksum);
  if (!whole || v.checksum.type !== "FULL_OBJECT" || !v.body) return {};
  return checksumOfBody(v.checksum.algorithm, v.body) === v.checksum.value ? checksumHeaders(v.checksum) : {};
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
  Object.assign(headers, checksumReply(req, v, head, status === 200));
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

export const readActions: Record<string, S3Handler> = { GetObject, HeadObject };
