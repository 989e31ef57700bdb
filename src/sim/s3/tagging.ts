import type { CallContext } from "../protocol/types.js";
import { bucketFor, changeVersion, type S3Handler, versionHeader } from "./common.js";
import { esc } from "./list-common.js";
import { S3_XMLNS, type TagSet } from "./model.js";
import { validateTags } from "./object-attributes.js";
import { readableVersion } from "./read.js";
import type { S3Request } from "./request.js";
import { many, parseXml, record, type S3Outcome, s3Fail, text } from "./xml.js";

/** PutObjectTagging / GetObjectTagging / DeleteObjectTagging: the tags of one version (the latest by default). */

function taggedVersion(ctx: CallContext, req: S3Request, verb: "Put" | "Get" | "Delete") {
  const versionId = req.query.get("versionId") ?? undefined;
  const bucket = bucketFor(ctx, req, `s3:${verb}Object${versionId ? "Version" : ""}Tagging`);
  if (!bucket.ok) return bucket;
  const found = readableVersion(bucket.value, req.key!, versionId);
  if (!found.ok) return found;
  return { ok: true as const, value: { bucket: bucket.value, version: found.value } };
}

function tagSetOf(xml: string): S3Outcome<TagSet> {
  const doc = parseXml(xml);
  if (!doc || doc.TagSet === undefined) {
    return s3Fail(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema",
      400,
    );
  }
  const tags: TagSet = many(record(doc.TagSet).Tag).map((t) => [
    text(record(t).Key) ?? "",
    text(record(t).Value) ?? "",
  ]);
  return validateTags(tags);
}

const PutObjectTagging: S3Handler = (ctx, req) => {
  const found = taggedVersion(ctx, req, "Put");
  if (!found.ok) return found;
  const tags = tagSetOf(req.text);
  if (!tags.ok) return tags;
  const { bucket, version } = found.value;
  changeVersion(bucket, version, (v) => {
    const { tags: _old, ...rest } = v;
    return tags.value.length > 0 ? { ...rest, tags: tags.value } : rest;
  });
  return { ok: true, value: { headers: versionHeader(bucket, version) } };
};

const GetObjectTagging: S3Handler = (ctx, req) => {
  const found = taggedVersion(ctx, req, "Get");
  if (!found.ok) return found;
  const { bucket, version } = found.value;
  const set = (version.tags ?? []).map(([k, v]) => `<Tag><Key>${esc(k)}</Key><Value>${esc(v)}</Value></Tag>`);
  return {
    ok: true,
    value: {
      headers: { "content-type": "application/xml", ...versionHeader(bucket, version) },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Tagging xmlns="${S3_XMLNS}"><TagSet>${set.join("")}</TagSet></Tagging>`,
    },
  };
};

const DeleteObjectTagging: S3Handler = (ctx, req) => {
  const found = taggedVersion(ctx, req, "Delete");
  if (!found.ok) return found;
  const { bucket, version } = found.value;
  changeVersion(bucket, version, ({ tags: _old, ...rest }) => rest);
  return { ok: true, value: { status: 204, headers: versionHeader(bucket, version) } };
};

export const taggingActions: Record<string, S3Handler> = { PutObjectTagging, GetObjectTagging, DeleteObjectTagging };
