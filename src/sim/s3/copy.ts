import type { Principal, World } from "../world.js";
import { allowed, checkDecrypt, findBucket } from "./access.js";
import { md5Of } from "./body.js";
import {
  bucketFor,
  isoDate,
  metadataOf,
  type S3Handler,
  sseFor,
  sseHeaders,
  storageClassHeaders,
  storageClassOf,
  versionHeader,
  writeVersion,
} from "./common.js";
import { type Bucket, MAX_COPY_SOURCE, S3_XMLNS, type StorageClass, type Version } from "./model.js";
import { archivedState, readableVersion } from "./objects.js";
import type { S3Request } from "./request.js";
import { type S3Outcome, s3Fail, xmlReply } from "./xml.js";

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/** `x-amz-copy-source`: `[/]bucket/url-encoded-key[?versionId=id]`. */
export function parseCopySource(header: string): CopySource | undefined {
  const [path = "", query = ""] = header.replace(/^\//, "").split("?");
  const slash = path.indexOf("/");
  if (slash <= 0) return undefined;
  try {
    const key = decodeURIComponent(path.slice(slash + 1));
    const versionId = new URLSearchParams(query).get("versionId") ?? undefined;
    return { bucket: decodeURIComponent(path.slice(0, slash)), key, versionId };
  } catch {
    return undefined;
  }
}

/**
 * The version a copy reads, checked the way S3 checks a copy source: the bucket exists, the principal
 * may read it (owner or bucket policy), the version exists and is not a delete marker nor archived
 * (GLACIER / DEEP_ARCHIVE: InvalidObjectState), and its KMS key (if any) is usable by the principal's account.
 */
export function copySourceVersion(
  world: World,
  principal: Principal,
  src: CopySource,
): S3Outcome<{ bucket: Bucket; version: Version }> {
  const bucket = findBucket(world, src.bucket);
  if (!bucket.ok) return bucket;
  const action = src.versionId ? "s3:GetObjectVersion" : "s3:GetObject";
  if (!allowed(bucket.value, principal, action, src.key)) return s3Fail("AccessDenied", "Access Denied", 403);
  const found = readableVersion(bucket.value, src.key, src.versionId);
  if (!found.ok) {
    if (found.error.code === "MethodNotAllowed") {
      return s3Fail(
        "InvalidRequest",
        "The source of a copy request may not specifically refer to a delete marker by version id.",
        400,
      );
    }
    return { ok: false, error: { ...found.error, headers: undefined } };
  }
  const archived = archivedState(found.value);
  if (archived) return archived;
  const decrypt = checkDecrypt(world, found.value, principal.account);
  if (!decrypt.ok) return decrypt;
  return { ok: true, value: { bucket: bucket.value, version: found.value } };
}

export function tooLargeToCopy() {
  return s3Fail(
    "InvalidRequest",
    `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_SOURCE}`,
    400,
  );
}

/** A copy made by CopyObject is one PUT: a multipart source's ETag becomes a plain MD5. */
function copiedEtag(source: Version): string {
  if (!source.etag.includes("-") || !source.body) return source.etag;
  return `"${md5Of(source.body)}"`;
}

export interface CopyOptions {
  destKey: string;
  now: number;
  /** The request, for metadata (REPLACE), encryption and storage-class headers; absent for Batch Operations. */
  req?: S3Request;
  /** Batch Operations' job-wide StorageClass (CopyObject reads `x-amz-storage-class` from `req`). */
  storageClass?: StorageClass;
}

/** CopyObject's work, shared with Batch Operations' S3PutObjectCopy. */
export function copyInto(
  world: World,
  principal: Principal,
  src: CopySource,
  dest: Bucket,
  options: CopyOptions,
): S3Outcome<{ source: Version; sourceBucket: Bucket; version: Version }> {
  const found = copySourceVersion(world, principal, src);
  if (!found.ok) return found;
  const source = found.value.version;
  if (source.size > MAX_COPY_SOURCE) return tooLargeToCopy();
  const replace = (options.req?.headers["x-amz-metadata-directive"] ?? "COPY").toUpperCase() === "REPLACE";
  const changesEncryption = options.req?.headers["x-amz-server-side-encryption"] !== undefined;
  // A copy does not inherit the source's class: absent means STANDARD, as on AWS.
  const requested = options.req ? storageClassOf(options.req) : { ok: true as const, value: options.storageClass };
  if (!requested.ok) return requested;
  const storageClass = requested.value === "STANDARD" ? undefined : requested.value;
  const changesClass = (storageClass ?? "STANDARD") !== (source.storageClass ?? "STANDARD");
  if (
    found.value.bucket === dest &&
    src.key === options.destKey &&
    src.versionId === undefined &&
    !replace &&
    !changesEncryption &&
    !changesClass
  ) {
    return s3Fail(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      400,
    );
  }
  const sse = sseFor(world, dest, options.req);
  if (!sse.ok) return sse;
  const version = writeVersion(world, dest, {
    key: options.destKey,
    deleteMarker: false,
    body: source.body,
    size: source.size,
    etag: copiedEtag(source),
    lastModified: options.now,
    contentType: replace ? options.req?.headers["content-type"] : source.contentType,
    metadata: replace && options.req ? metadataOf(options.req) : source.metadata,
    sse: sse.value,
    ...(storageClass ? { storageClass } : {}),
    owner: principal.account,
  });
  return { ok: true, value: { source, sourceBucket: found.value.bucket, version } };
}

const CopyObject: S3Handler = (ctx, req) => {
  const dest = bucketFor(ctx, req, "s3:PutObject");
  if (!dest.ok) return dest;
  const src = parseCopySource(req.headers["x-amz-copy-source"] ?? "");
  if (!src)
    return s3Fail("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", 400);
  const done = copyInto(ctx.world, ctx.principal, src, dest.value, { destKey: req.key!, now: ctx.now, req });
  if (!done.ok) return done;
  const { version, source, sourceBucket } = done.value;
  const reply = xmlReply(
    "CopyObjectResult",
    { LastModified: isoDate(version.lastModified), ETag: version.etag },
    S3_XMLNS,
  );
  reply.headers = {
    ...reply.headers,
    ...versionHeader(dest.value, version),
    ...sseHeaders(version.sse),
    ...storageClassHeaders(version.storageClass),
    ...(sourceBucket.versioning === "Unversioned" ? {} : { "x-amz-copy-source-version-id": source.versionId }),
  };
  return { ok: true, value: reply };
};

export const copyActions: Record<string, S3Handler> = { CopyObject };
