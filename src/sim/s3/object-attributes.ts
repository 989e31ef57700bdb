import { contentChecksum } from "./checksum.js";
import type { Bucket, Checksum, ChecksumAlgorithm, ObjectAttributes, ObjectLock, TagSet, Version } from "./model.js";
import type { S3Request } from "./request.js";
import { parseXml, record, type S3Outcome, s3Fail, text } from "./xml.js";

/**
 * A version's attributes besides its content — content headers, user metadata, tags, Object Lock — as
 * writes carry them in headers and GET/HEAD answer them. Checksums are in checksum.ts.
 */

const CONTENT_HEADERS = [
  ["contentType", "content-type"],
  ["contentEncoding", "content-encoding"],
  ["contentDisposition", "content-disposition"],
  ["contentLanguage", "content-language"],
  ["cacheControl", "cache-control"],
  ["expires", "expires"],
] as const;

/** What S3 answers as Content-Type when the writer gave none. */
export const DEFAULT_CONTENT_TYPE = "binary/octet-stream";

/** x-amz-meta-* request headers (node lower-cases names, as S3 stores them). */
function metadataOf(req: S3Request): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (k.startsWith("x-amz-meta-") && v !== undefined) out[k.slice(11)] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Content headers and user metadata of a write. `aws-chunked` is how the body travelled, not what it is. */
export function contentAttributes(req: S3Request): ObjectAttributes {
  const out: ObjectAttributes = {};
  for (const [field, header] of CONTENT_HEADERS) {
    let value = req.headers[header];
    if (field === "contentEncoding" && value !== undefined) {
      const codings = value.split(",").map((c) => c.trim());
      value = codings.filter((c) => c !== "" && c !== "aws-chunked").join(",") || undefined;
    }
    if (value !== undefined) out[field] = value;
  }
  const metadata = metadataOf(req);
  if (metadata) out.metadata = metadata;
  return out;
}

/** The content headers and metadata alone (what MetadataDirective COPY takes from the source). */
export function contentPart(a: ObjectAttributes): ObjectAttributes {
  const out: ObjectAttributes = {};
  for (const [field] of CONTENT_HEADERS) if (a[field] !== undefined) out[field] = a[field];
  if (a.metadata && Object.keys(a.metadata).length > 0) out.metadata = { ...a.metadata };
  return out;
}

const invalidTag = (message: string) => s3Fail("InvalidTag", message, 400);

/** S3's limits on object tags: at most 10, keys of 1–128 characters, values of up to 256, keys unique. */
export function validateTags(tags: TagSet): S3Outcome<TagSet> {
  if (tags.length > 10) return invalidTag("Object tags cannot be greater than 10");
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (k === "") return invalidTag("The TagKey you have provided is invalid");
    if ([...k].length > 128) return invalidTag("The TagKey you have provided is too long, max 128");
    if ([...v].length > 256) return invalidTag("The TagValue you have provided is too long, max 256");
    if (seen.has(k)) return invalidTag("Cannot provide multiple Tags with the same key");
    seen.add(k);
  }
  return { ok: true, value: tags };
}

/** `x-amz-tagging: k=v&k2=v2` (URL query encoding). */
export function taggingHeader(raw: string | undefined): S3Outcome<TagSet | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  const tags: TagSet = [...new URLSearchParams(raw)].map(([k, v]) => [k, v]);
  return validateTags(tags);
}

export function noLockConfiguration() {
  return s3Fail("InvalidRequest", "Bucket is missing Object Lock Configuration", 400);
}

const DAY = 86_400_000;

/** The bucket's default retention (Rule.DefaultRetention of its Object Lock configuration) applied at `now`. */
export function defaultRetention(bucket: Bucket, now: number): ObjectLock | undefined {
  if (!bucket.objectLockEnabled) return undefined;
  const rule = record(record(parseXml(bucket.configs.get("object-lock") ?? "")?.Rule).DefaultRetention);
  const mode = text(rule.Mode);
  const days = Number(text(rule.Days) ?? 0) + 365 * Number(text(rule.Years) ?? 0);
  if ((mode !== "GOVERNANCE" && mode !== "COMPLIANCE") || !(days > 0)) return undefined;
  return { mode, retainUntil: now + days * DAY };
}

/** A retention (mode + date) as S3 checks it on a write or a PutObjectRetention. */
export function checkRetention(
  mode: string | undefined,
  until: string | undefined,
  now: number,
): S3Outcome<ObjectLock> {
  if ((mode === undefined) !== (until === undefined)) {
    return s3Fail(
      "InvalidArgument",
      "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
      400,
    );
  }
  if (mode === undefined || until === undefined) return { ok: true, value: {} };
  if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE")
    return s3Fail("InvalidArgument", "Unknown wormMode directive.", 400);
  const retainUntil = Date.parse(until);
  if (!Number.isFinite(retainUntil)) return s3Fail("InvalidArgument", "The retain until date must be a date", 400);
  if (retainUntil <= now) return s3Fail("InvalidArgument", "The retain until date must be in the future!", 400);
  return { ok: true, value: { mode, retainUntil } };
}

/**
 * Object Lock headers of a write. Without a mode the bucket's default retention applies (a legal hold
 * alone keeps it); any lock header on a bucket without Object Lock is refused.
 */
export function lockHeaders(req: S3Request, bucket: Bucket, now: number): S3Outcome<ObjectLock | undefined> {
  const mode = req.headers["x-amz-object-lock-mode"];
  const until = req.headers["x-amz-object-lock-retain-until-date"];
  const hold = req.headers["x-amz-object-lock-legal-hold"];
  return objectLockFor(bucket, now, { mode, until, hold });
}

/** The same from values given another way (Batch Operations' ObjectLock* fields). */
export function objectLockFor(
  bucket: Bucket,
  now: number,
  given: { mode?: string; until?: string; hold?: string },
): S3Outcome<ObjectLock | undefined> {
  const { mode, until, hold } = given;
  if (mode === undefined && until === undefined && hold === undefined)
    return { ok: true, value: defaultRetention(bucket, now) };
  if (!bucket.objectLockEnabled) return noLockConfiguration();
  const retention = checkRetention(mode, until, now);
  if (!retention.ok) return retention;
  if (hold !== undefined && hold !== "ON" && hold !== "OFF")
    return s3Fail("InvalidArgument", "Legal Hold must be either of 'ON' or 'OFF'", 400);
  const lock: ObjectLock = { ...(mode === undefined ? defaultRetention(bucket, now) : retention.value) };
  if (hold !== undefined) lock.legalHold = hold;
  return { ok: true, value: lock };
}

/** Content headers, metadata, tags and Object Lock of a PutObject / CreateMultipartUpload. */
export function writeAttributes(req: S3Request, bucket: Bucket, now: number): S3Outcome<ObjectAttributes> {
  const tags = taggingHeader(req.headers["x-amz-tagging"]);
  if (!tags.ok) return tags;
  const lock = lockHeaders(req, bucket, now);
  if (!lock.ok) return lock;
  return { ok: true, value: withOptional(contentAttributes(req), tags.value, lock.value) };
}

function withOptional(base: ObjectAttributes, tags: TagSet | undefined, lock: ObjectLock | undefined) {
  const out = { ...base };
  if (tags && tags.length > 0) out.tags = tags;
  if (lock && Object.keys(lock).length > 0) out.objectLock = lock;
  return out;
}

/**
 * HTTP header values are ASCII: S3 answers other text (user metadata, a seeded Content-Disposition…)
 * RFC 2047-encoded, as `=?UTF-8?B?<base64>?=`.
 */
function headerValue(value: string): string {
  return /^[\x20-\x7e\t]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

/** GET/HEAD headers of a version's attributes (the checksum aside: it depends on the checksum mode). */
export function attributeHeaders(v: ObjectAttributes): Record<string, string> {
  const out: Record<string, string> = { "content-type": headerValue(v.contentType ?? DEFAULT_CONTENT_TYPE) };
  for (const [field, header] of CONTENT_HEADERS)
    if (field !== "contentType" && v[field] !== undefined) out[header] = headerValue(v[field]);
  for (const [k, value] of Object.entries(v.metadata ?? {})) out[`x-amz-meta-${k}`] = headerValue(value);
  if (v.tags && v.tags.length > 0) out["x-amz-tagging-count"] = String(v.tags.length);
  const lock = v.objectLock;
  if (lock?.mode) out["x-amz-object-lock-mode"] = lock.mode;
  if (lock?.retainUntil !== undefined)
    out["x-amz-object-lock-retain-until-date"] = new Date(lock.retainUntil).toISOString();
  if (lock?.legalHold) out["x-amz-object-lock-legal-hold"] = lock.legalHold;
  return out;
}

/** How a copy gets its attributes; an absent member means "as the source version has it". */
export interface CopyDirectives {
  /** MetadataDirective REPLACE: these content headers and metadata. */
  content?: ObjectAttributes;
  /** TaggingDirective REPLACE: these tags. */
  tags?: TagSet;
  /** The copy's checksum algorithm; absent = the source's. */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** Object Lock of the copy (never the source's: S3 does not copy retention or legal holds). */
  objectLock?: ObjectLock;
}

/**
 * The checksum of a copy: the source's when it has the wanted algorithm (the content is the same), else
 * that algorithm computed over the content.
 */
export function copiedChecksum(source: Version, algorithm: ChecksumAlgorithm | undefined): Checksum | undefined {
  const wanted = algorithm ?? source.checksum?.algorithm;
  if (wanted === undefined) return undefined;
  if (source.checksum?.algorithm === wanted) return source.checksum;
  return { algorithm: wanted, value: contentChecksum(wanted, source.body), type: "FULL_OBJECT" };
}

export function copiedAttributes(source: Version, d: CopyDirectives): ObjectAttributes {
  const out = withOptional(d.content ?? contentPart(source), d.tags ?? source.tags, d.objectLock);
  const checksum = copiedChecksum(source, d.checksumAlgorithm);
  if (checksum) out.checksum = checksum;
  return out;
}
