import { parseAlgorithm } from "../s3/checksum.js";
import type { ChecksumAlgorithm, ObjectAttributes, StorageClass, TagSet } from "../s3/model.js";
import { validateTags } from "../s3/object-attributes.js";
import { many, record, type S3Outcome, s3Fail, text } from "../s3/xml.js";

/** S3PutObjectCopy's StorageClass values (the S3 Control API's S3StorageClass). */
const BATCH_STORAGE_CLASSES: readonly string[] = [
  "STANDARD",
  "STANDARD_IA",
  "ONEZONE_IA",
  "GLACIER",
  "INTELLIGENT_TIERING",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
];

/** What S3PutObjectCopy asks of every copy, beyond the target bucket. */
export interface BatchCopySpec {
  /** Destination key = prefix + source key. */
  targetKeyPrefix?: string;
  /** The class of every copy (absent = STANDARD). */
  storageClass?: StorageClass;
  /** MetadataDirective REPLACE: NewObjectMetadata (absent = content headers and metadata copied). */
  content?: ObjectAttributes;
  /** NewObjectTagging, when given (even empty): the copies' tags (absent = the source version's). */
  tags?: TagSet;
  checksumAlgorithm?: ChecksumAlgorithm;
  /** ObjectLock* fields as sent: checked against the target bucket by each task, as CopyObject would. */
  objectLock?: { mode?: string; until?: string; hold?: string };
}

const invalid = (message: string) => s3Fail("InvalidRequest", message, 400);

/** NewObjectMetadata → the copies' content headers and user metadata (HttpExpiresDate as an HTTP date). */
function newMetadata(m: Record<string, unknown>): ObjectAttributes {
  const out: ObjectAttributes = {};
  const fields = [
    ["contentType", "ContentType"],
    ["contentEncoding", "ContentEncoding"],
    ["contentDisposition", "ContentDisposition"],
    ["contentLanguage", "ContentLanguage"],
    ["cacheControl", "CacheControl"],
  ] as const;
  for (const [field, element] of fields) {
    const value = text(m[element]);
    if (value !== undefined) out[field] = value;
  }
  const expires = Date.parse(text(m.HttpExpiresDate) ?? "");
  if (Number.isFinite(expires)) out.expires = new Date(expires).toUTCString();
  const entries = many(record(m.UserMetadata).entry).map((e) => [
    (text(record(e).key) ?? "").toLowerCase(),
    text(record(e).value) ?? "",
  ]);
  if (entries.length > 0) out.metadata = Object.fromEntries(entries);
  return out;
}

/**
 * Reads the S3PutObjectCopy element. Metadata is replaced with MetadataDirective REPLACE (or, without a
 * directive, when NewObjectMetadata is given); tags whenever NewObjectTagging is present.
 */
export function readCopySpec(copy: Record<string, unknown>): S3Outcome<BatchCopySpec> {
  const spec: BatchCopySpec = {};
  const storageClass = text(copy.StorageClass);
  if (storageClass !== undefined && !BATCH_STORAGE_CLASSES.includes(storageClass))
    return invalid(`S3PutObjectCopy.StorageClass ${storageClass} is not one of ${BATCH_STORAGE_CLASSES.join(", ")}`);
  if (storageClass && storageClass !== "STANDARD") spec.storageClass = storageClass as StorageClass;
  const prefix = text(copy.TargetKeyPrefix);
  if (prefix) spec.targetKeyPrefix = prefix;
  const directive = text(copy.MetadataDirective);
  if (directive !== undefined && directive !== "COPY" && directive !== "REPLACE")
    return invalid(`S3PutObjectCopy.MetadataDirective ${directive} is not COPY or REPLACE`);
  if (directive === "REPLACE" || (directive === undefined && copy.NewObjectMetadata !== undefined))
    spec.content = newMetadata(record(copy.NewObjectMetadata));
  if (copy.NewObjectTagging !== undefined) {
    const members = many(record(copy.NewObjectTagging).member);
    const tags = validateTags(members.map((t) => [text(record(t).Key) ?? "", text(record(t).Value) ?? ""]));
    if (!tags.ok) return invalid(`S3PutObjectCopy.NewObjectTagging: ${tags.error.message}`);
    spec.tags = tags.value;
  }
  const algorithm = parseAlgorithm(text(copy.ChecksumAlgorithm), "ChecksumAlgorithm");
  if (!algorithm.ok) return invalid(`S3PutObjectCopy.ChecksumAlgorithm ${text(copy.ChecksumAlgorithm)} is not valid`);
  if (algorithm.value) spec.checksumAlgorithm = algorithm.value;
  const lock = {
    mode: text(copy.ObjectLockMode),
    until: text(copy.ObjectLockRetainUntilDate),
    hold: text(copy.ObjectLockLegalHoldStatus),
  };
  if (lock.mode !== undefined || lock.until !== undefined || lock.hold !== undefined) spec.objectLock = lock;
  return { ok: true, value: spec };
}
