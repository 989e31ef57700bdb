import { bucketFor, type S3Handler } from "./common.js";
import { el, latestPage, listParams, xmlOk } from "./list-common.js";
import { S3_XMLNS } from "./model.js";

/**
 * ListObjects (version 1): keys after `marker`, with their Owner (V1 always answers it). NextMarker only
 * comes with a delimiter, as on AWS: without one, the next marker is the page's last key.
 */
const ListObjects: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:ListBucket");
  if (!bucket.ok) return bucket;
  const params = listParams(req);
  if (!params.ok) return params;
  const p = params.value;
  const marker = req.query.get("marker") ?? "";
  const page = latestPage(ctx.world, bucket.value, p, marker, true);
  const head = [
    el("Name", bucket.value.name),
    el("Prefix", p.encode(p.prefix)),
    el("Marker", p.encode(marker)),
    page.truncated && p.delimiter !== "" && page.last !== undefined ? el("NextMarker", p.encode(page.last)) : "",
    el("MaxKeys", p.max),
    p.delimiter ? el("Delimiter", p.encode(p.delimiter)) : "",
    el("IsTruncated", page.truncated),
    p.url ? el("EncodingType", "url") : "",
  ].join("");
  return xmlOk(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${S3_XMLNS}">${head}${page.parts.join("")}</ListBucketResult>`,
  );
};

export const listV1Actions: Record<string, S3Handler> = { ListObjects };
