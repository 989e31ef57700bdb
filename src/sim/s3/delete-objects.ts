import { identityAllows } from "../iam/enforce.js";
import { s3ObjectArn } from "../iam/resources.js";
import { allowed } from "./access.js";
import { bucketFor, type S3Handler } from "./common.js";
import { esc } from "./list-common.js";
import { S3_XMLNS } from "./model.js";
import { deleteEntry } from "./objects.js";
import { many, parseXml, record, s3Fail, text } from "./xml.js";

const MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema";

/** DeleteObjects: up to 1000 keys (with optional version ids) per call; Quiet answers only the errors. */
const DeleteObjects: S3Handler = (ctx, req) => {
  // Permission is checked per key (s3:DeleteObject / s3:DeleteObjectVersion), as S3 does.
  const bucket = bucketFor(ctx, req, "s3:DeleteObject");
  if (!bucket.ok && bucket.error.code !== "AccessDenied") return bucket;
  const found = ctx.world.s3.buckets.get(req.bucket ?? "");
  if (!found)
    return s3Fail("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: req.bucket ?? "" });
  const doc = parseXml(req.text);
  if (!doc) return s3Fail("MalformedXML", MALFORMED, 400);
  const objects = many(doc.Object).map((o) => ({
    key: text(record(o).Key),
    versionId: text(record(o).VersionId) || undefined,
  }));
  if (objects.length === 0 || objects.length > 1000 || objects.some((o) => o.key === undefined)) {
    return s3Fail("MalformedXML", MALFORMED, 400);
  }
  const quiet = text(doc.Quiet)?.toLowerCase() === "true";
  const out: string[] = [];
  // Identity policies (when enforced) per key too: the call itself needs no permission (iam/authorization.ts).
  const call = { ...ctx, input: req, service: "s3", apiAction: "DeleteObjects" };
  for (const o of objects) {
    const key = o.key!;
    const action = o.versionId ? "s3:DeleteObjectVersion" : "s3:DeleteObject";
    if (
      !allowed(found, ctx.principal, action, key) ||
      !identityAllows(call, { action, resource: s3ObjectArn(found.name, key) })
    ) {
      out.push(
        `<Error><Key>${esc(key)}</Key>${o.versionId ? `<VersionId>${esc(o.versionId)}</VersionId>` : ""}<Code>AccessDenied</Code><Message>Access Denied</Message></Error>`,
      );
      continue;
    }
    const done = deleteEntry(ctx.world, found, key, o.versionId, ctx.now, ctx.account);
    if (quiet) continue;
    const parts = [`<Key>${esc(key)}</Key>`];
    if (done.versionId !== undefined) parts.push(`<VersionId>${esc(done.versionId)}</VersionId>`);
    if (done.deleteMarker) parts.push("<DeleteMarker>true</DeleteMarker>");
    if (done.deleteMarkerVersionId !== undefined && found.versioning !== "Unversioned") {
      parts.push(`<DeleteMarkerVersionId>${esc(done.deleteMarkerVersionId)}</DeleteMarkerVersionId>`);
    }
    out.push(`<Deleted>${parts.join("")}</Deleted>`);
  }
  return {
    ok: true,
    value: {
      headers: { "content-type": "application/xml" },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="${S3_XMLNS}">${out.join("")}</DeleteResult>`,
    },
  };
};

export const deleteObjectsActions: Record<string, S3Handler> = { DeleteObjects };
