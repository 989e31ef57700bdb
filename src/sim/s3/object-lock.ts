import type { CallContext } from "../protocol/types.js";
import { accessDenied } from "./access.js";
import { bucketFor, changeVersion, type S3Handler } from "./common.js";
import { S3_XMLNS } from "./model.js";
import { checkRetention, noLockConfiguration } from "./object-attributes.js";
import { readableVersion } from "./read.js";
import type { S3Request } from "./request.js";
import { parseXml, s3Fail, text, xmlReply } from "./xml.js";

/**
 * Get/PutObjectRetention and Get/PutObjectLegalHold of one version. Enough to read and set them: a locked
 * version can still be deleted here (S3 would refuse).
 */

function lockedVersion(ctx: CallContext, req: S3Request, action: string) {
  const bucket = bucketFor(ctx, req, action);
  if (!bucket.ok) return bucket;
  if (!bucket.value.objectLockEnabled) return noLockConfiguration();
  const found = readableVersion(bucket.value, req.key!, req.query.get("versionId") ?? undefined);
  if (!found.ok) return found;
  return { ok: true as const, value: { bucket: bucket.value, version: found.value } };
}

const noConfiguration = () =>
  s3Fail("NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration", 404);

const malformed = () =>
  s3Fail(
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
    400,
  );

const GetObjectRetention: S3Handler = (ctx, req) => {
  const found = lockedVersion(ctx, req, "s3:GetObjectRetention");
  if (!found.ok) return found;
  const lock = found.value.version.objectLock;
  if (lock?.mode === undefined || lock.retainUntil === undefined) return noConfiguration();
  const retention = { Mode: lock.mode, RetainUntilDate: new Date(lock.retainUntil).toISOString() };
  return { ok: true, value: xmlReply("Retention", retention, S3_XMLNS) };
};

/** A retention may be lengthened; shortening it needs GOVERNANCE mode and x-amz-bypass-governance-retention. */
const PutObjectRetention: S3Handler = (ctx, req) => {
  const found = lockedVersion(ctx, req, "s3:PutObjectRetention");
  if (!found.ok) return found;
  const doc = parseXml(req.text);
  if (!doc) return malformed();
  const next = checkRetention(text(doc.Mode), text(doc.RetainUntilDate), ctx.now);
  if (!next.ok) return next;
  const { bucket, version } = found.value;
  const current = version.objectLock;
  const weakens =
    current?.retainUntil !== undefined &&
    current.retainUntil > ctx.now &&
    ((next.value.retainUntil ?? 0) < current.retainUntil ||
      (current.mode === "COMPLIANCE" && next.value.mode !== "COMPLIANCE"));
  const bypass = (req.headers["x-amz-bypass-governance-retention"] ?? "").toLowerCase() === "true";
  if (weakens && (current.mode === "COMPLIANCE" || !bypass)) return accessDenied();
  changeVersion(bucket, version, (v) => {
    const { mode: _m, retainUntil: _r, ...rest } = v.objectLock ?? {};
    return { ...v, objectLock: { ...rest, ...next.value } };
  });
  return { ok: true, value: {} };
};

const GetObjectLegalHold: S3Handler = (ctx, req) => {
  const found = lockedVersion(ctx, req, "s3:GetObjectLegalHold");
  if (!found.ok) return found;
  const hold = found.value.version.objectLock?.legalHold;
  if (hold === undefined) return noConfiguration();
  return { ok: true, value: xmlReply("LegalHold", { Status: hold }, S3_XMLNS) };
};

const PutObjectLegalHold: S3Handler = (ctx, req) => {
  const found = lockedVersion(ctx, req, "s3:PutObjectLegalHold");
  if (!found.ok) return found;
  const status = text(parseXml(req.text)?.Status);
  if (status !== "ON" && status !== "OFF") return malformed();
  changeVersion(found.value.bucket, found.value.version, (v) => ({
    ...v,
    objectLock: { ...v.objectLock, legalHold: status },
  }));
  return { ok: true, value: {} };
};

export const objectLockActions: Record<string, S3Handler> = {
  GetObjectRetention,
  PutObjectRetention,
  GetObjectLegalHold,
  PutObjectLegalHold,
};
