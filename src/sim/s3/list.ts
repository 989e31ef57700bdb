import { bucketFor, type S3Handler } from "./common.js";
import { compareKeys } from "./keys.js";
import { commonPrefix, el, etagEl, latestPage, listParams, xmlOk } from "./list-common.js";
import { arrangePage, listOrderOf, type PageEntry } from "./list-order.js";
import { S3_XMLNS, type Version } from "./model.js";
import { s3Fail } from "./xml.js";

/**
 * Versions and delete markers are answered without their Owner element: the SDK's XML parsing is the
 * bottleneck when listing millions of versions, and nothing here reads it (ListObjectsV2 has FetchOwner).
 * Which entries a page holds, and its markers, follow S3; the bucket's listing order (list-order.ts) may
 * then arrange them differently, or page in first-written key order (`unsorted-keys`, without a delimiter).
 */
const ListObjectVersions: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:ListBucketVersions");
  if (!bucket.ok) return bucket;
  const params = listParams(req);
  if (!params.ok) return params;
  const p = params.value;
  const keyMarker = req.query.get("key-marker") ?? "";
  const idMarker = req.query.get("version-id-marker") ?? "";
  if (idMarker !== "" && keyMarker === "") {
    return s3Fail("InvalidArgument", "A version-id marker cannot be specified without a key marker.", 400, {
      ArgumentName: "version-id-marker",
      ArgumentValue: idMarker,
    });
  }
  const order = listOrderOf(ctx.world, bucket.value);
  const unsorted = order === "unsorted-keys" && p.delimiter === "";
  const from = compareKeys(keyMarker, p.prefix) > 0 ? keyMarker : p.prefix;
  const after = from === keyMarker && keyMarker !== "" && idMarker === "";
  const source = unsorted
    ? bucket.value.objects.inWriteOrder(keyMarker === "" ? undefined : keyMarker, idMarker === "")
    : bucket.value.objects.entries(from, after);
  const entries: PageEntry[] = [];
  let truncated = false;
  let last: { key: string; versionId?: string } | undefined;
  let lastPrefix = keyMarker !== "" && p.delimiter !== "" && keyMarker.endsWith(p.delimiter) ? keyMarker : undefined;
  outer: for (const [key, history] of source) {
    if (!key.startsWith(p.prefix)) {
      if (!unsorted && compareKeys(key, p.prefix) > 0) break;
      continue;
    }
    if (lastPrefix !== undefined && key.startsWith(lastPrefix)) continue;
    const cp = commonPrefix(key, p);
    if (cp !== undefined) {
      if (entries.length === p.max) {
        truncated = true;
        break;
      }
      entries.push({ kind: "prefix", xml: `<CommonPrefixes>${el("Prefix", p.encode(cp))}</CommonPrefixes>` });
      lastPrefix = cp;
      last = { key: cp };
      continue;
    }
    let versions: readonly Version[] = history;
    if (idMarker !== "" && key === keyMarker) {
      const at = history.findIndex((v) => v.versionId === idMarker);
      if (at < 0 && !/^(null|[A-Za-z0-9._]{20,64})$/.test(idMarker)) {
        return s3Fail("InvalidArgument", "Invalid version id specified", 400, {
          ArgumentName: "version-id-marker",
          ArgumentValue: idMarker,
        });
      }
      // A marker version deleted since the last page (list, delete, continue): the key's remaining
      // versions are the ones not yet listed.
      versions = at < 0 ? history : history.slice(at + 1);
    }
    for (const v of versions) {
      if (entries.length === p.max) {
        truncated = true;
        break outer;
      }
      const common = `${el("Key", p.encode(v.key))}${el("VersionId", v.versionId)}${el("IsLatest", v === history[0])}${el("LastModified", new Date(v.lastModified).toISOString())}`;
      entries.push(
        v.deleteMarker
          ? { kind: "marker", xml: `<DeleteMarker>${common}</DeleteMarker>` }
          : {
              kind: "version",
              xml: `<Version>${common}${etagEl(v.etag)}${el("Size", v.size)}<StorageClass>${v.storageClass ?? "STANDARD"}</StorageClass></Version>`,
            },
      );
      last = { key: v.key, versionId: v.versionId };
    }
  }
  const head = [
    el("Name", bucket.value.name),
    el("Prefix", p.encode(p.prefix)),
    el("KeyMarker", p.encode(keyMarker)),
    el("VersionIdMarker", idMarker),
    truncated && last ? el("NextKeyMarker", p.encode(last.key)) : "",
    truncated && last?.versionId ? el("NextVersionIdMarker", last.versionId) : "",
    el("MaxKeys", p.max),
    p.delimiter ? el("Delimiter", p.encode(p.delimiter)) : "",
    el("IsTruncated", truncated),
    p.url ? el("EncodingType", "url") : "",
  ].join("");
  const body = arrangePage(order, entries, [bucket.value.name, keyMarker, idMarker]);
  return xmlOk(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="${S3_XMLNS}">${head}${body}</ListVersionsResult>`,
  );
};

function decodeToken(token: string): string | undefined {
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  return decoded.startsWith("sim:") ? decoded.slice(4) : undefined;
}

const ListObjectsV2: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:ListBucket");
  if (!bucket.ok) return bucket;
  const params = listParams(req);
  if (!params.ok) return params;
  const p = params.value;
  const token = req.query.get("continuation-token");
  const startAfter = req.query.get("start-after") ?? "";
  let marker = startAfter;
  if (token !== null) {
    const decoded = decodeToken(token);
    if (decoded === undefined) {
      return s3Fail("InvalidArgument", "The continuation token provided is incorrect", 400, {
        ArgumentName: "continuation-token",
      });
    }
    marker = decoded;
  }
  const page = latestPage(ctx.world, bucket.value, p, marker, req.query.get("fetch-owner") === "true");
  const head = [
    el("Name", bucket.value.name),
    el("Prefix", p.encode(p.prefix)),
    p.delimiter ? el("Delimiter", p.encode(p.delimiter)) : "",
    el("MaxKeys", p.max),
    el("KeyCount", page.count),
    el("IsTruncated", page.truncated),
    token !== null ? el("ContinuationToken", token) : "",
    page.truncated && page.last !== undefined
      ? el("NextContinuationToken", Buffer.from(`sim:${page.last}`).toString("base64url"))
      : "",
    startAfter ? el("StartAfter", p.encode(startAfter)) : "",
    p.url ? el("EncodingType", "url") : "",
  ].join("");
  return xmlOk(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${S3_XMLNS}">${head}${page.parts.join("")}</ListBucketResult>`,
  );
};

export const listActions: Record<string, S3Handler> = { ListObjectVersions, ListObjectsV2 };
