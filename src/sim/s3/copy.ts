import type { Principal, World } from "../world.js";
import { accessDenied, allowed, checkDecrypt, findBucket } from "./access.js";
import { md5Of } from "./body.js";
import { checksumElements, parseAlgorithm } from "./checksum.js";
import {
  bucketFor,
  isoDate,
  type S3Handler,
  sseFor,
  sseHeaders,
  storageClassHeaders,
  storageClassOf,
  versionHeader,
  writeVersion,
} from "./common.js";
import { type Bucket, MAX_COPY_SOURCE, S3_XMLNS, type StorageClass, type Version } from "./model.js";
import {
  type CopyDirectives,
  contentAttributes,
  copiedAttributes,
  lockHeaders,
  taggingHeader,
} from "./object-attributes.js";
import { archivedState, readableVersion } from "./read.js";
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
 * The version a copy reads, checked the way S3 checks a copy source: the bucket exists (and is owned by
 * `expectedOwner` when the request names one), the principal may read it (owner or bucket policy), the
 * version exists and is not a delete marker nor archived (GLACIER / DEEP_ARCHIVE: InvalidObjectState), and
 * its KMS key (if any) is usable by the principal's account.
 */
export function copySourceVersion(
  world: World,
  principal: Principal,
  src: CopySource,
  expectedOwner?: string,
): S3Outcome<{ bucket: Bucket; version: Version }> {
  const bucket = findBucket(world, src.bucket);
  if (!bucket.ok) return bucket;
  if (expectedOwner !== undefined && expectedOwner !== bucket.value.owner) return accessDenied();
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
  /** CopyObject's request, for its encryption headers; absent for Batch Operations (the bucket default). */
  req?: S3Request;
  /** The copy's class: a copy does not inherit the source's (absent = STANDARD, as on AWS). */
  storageClass?: StorageClass;
  directives: CopyDirectives;
  /** `x-amz-source-expected-bucket-owner`. */
  expectedSourceOwner?: string;
}

/** CopyObject's work, shared with Batch Operations' S3PutObjectCopy. */
export function copyInto(
  world: World,
  principal: Principal,
  src: CopySource,
  dest: Bucket,
  options: CopyOptions,
): S3Outcome<{ source: Version; sourceBucket: Bucket; version: Version }> {
  const found = copySourceVersion(world, principal, src, options.expectedSourceOwner);
  if (!found.ok) return found;
  const source = found.value.version;
  if (source.size > MAX_COPY_SOURCE) return tooLargeToCopy();
  const replace = options.directives.content !== undefined;
  const changesEncryption = options.req?.headers["x-amz-server-side-encryption"] !== undefined;
  const storageClass = options.storageClass === "STANDARD" ? undefined : options.storageClass;
  const changesClass = (storageClass ?? "STANDARD") !== (source.storageClass ?? "STANDARD");
  // Copying in place is how S3 users add or change an object's checksum algorithm.
  const wanted = options.directives.checksumAlgorithm;
  const changesChecksum = wanted !== undefined && wanted !== source.checksum?.algorithm;
  if (
    found.value.bucket === dest &&
    src.key === options.destKey &&
    src.versionId === undefined &&
    !replace &&
    !changesEncryption &&
    !changesClass &&
    !changesChecksum
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
    ...copiedAttributes(source, options.directives),
    sse: sse.value,
    ...(storageClass ? { storageClass } : {}),
    owner: principal.account,
  });
  return { ok: true, value: { source, sourceBucket: found.value.bucket, version } };
}

function directive(req: S3Request, header: string, what: string): S3Outcome<"COPY" | "REPLACE"> {
  const value = (req.headers[header] ?? "COPY").toUpperCase();
  if (value === "COPY" || value === "REPLACE") return { ok: true, value };
  return s3Fail("InvalidArgument", `Unknown ${what} directive.`, 400, { ArgumentName: header, ArgumentValue: value });
}

/** CopyObject's headers: metadata and tagging directives, checksum algorithm, Object Lock of the copy. */
function requestDirectives(req: S3Request, dest: Bucket, now: number): S3Outcome<CopyDirectives> {
  const metadata = directive(req, "x-amz-metadata-directive", "metadata");
  if (!metadata.ok) return metadata;
  const tagging = directive(req, "x-amz-tagging-directive", "tagging");
  if (!tagging.ok) return tagging;
  const tags = tagging.value === "REPLACE" ? taggingHeader(req.headers["x-amz-tagging"] ?? "") : undefined;
  if (tags && !tags.ok) return tags;
  const algorithm = parseAlgorithm(req.headers["x-amz-checksum-algorithm"], "x-amz-checksum-algorithm");
  if (!algorithm.ok) return algorithm;
  const lock = lockHeaders(req, dest, now);
  if (!lock.ok) return lock;
  return {
    ok: true,
    value: {
      ...(metadata.value === "REPLACE" ? { content: contentAttributes(req) } : {}),
      ...(tags ? { tags: tags.value } : {}),
      ...(algorithm.value ? { checksumAlgorithm: algorithm.value } : {}),
      ...(lock.value ? { objectLock: lock.value } : {}),
    },
  };
}

const CopyObject: S3Handler = (ctx, req) => {
  const dest = bucketFor(ctx, req, "s3:PutObject");
  if (!dest.ok) return dest;
  const src = parseCopySource(req.headers["x-amz-copy-source"] ?? "");
  if (!src)
    return s3Fail("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", 400);
  const storageClass = storageClassOf(req);
  if (!storageClass.ok) return storageClass;
  const directives = requestDirectives(req, dest.value, ctx.now);
  if (!directives.ok) return directives;
  const done = copyInto(ctx.world, ctx.principal, src, dest.value, {
    destKey: req.key!,
    now: ctx.now,
    req,
    ...(storageClass.value ? { storageClass: storageClass.value } : {}),
    directives: directives.value,
    expectedSourceOwner: req.headers["x-amz-source-expected-bucket-owner"],
  });
  if (!done.ok) return done;
  const { version, source, sourceBucket } = done.value;
  const reply = xmlReply(
    "CopyObjectResult",
    { LastModified: isoDate(version.lastModified), ETag: version.etag, ...checksumElements(version.checksum) },
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
