import type { World } from "../world.js";
import { bucketFor, canonicalId, type S3Handler } from "./common.js";
import { compareKeys, s3UrlEncode } from "./keys.js";
import { S3_XMLNS, type Version } from "./model.js";
import type { S3Request } from "./request.js";
import { type S3Outcome, type S3Reply, s3Fail } from "./xml.js";

/**
 * Listings are written as strings, not through the XML builder: a page of 1000 versions must cost well
 * under a millisecond or listing ten million versions would be dominated by the simulator.
 */
const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped.
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/** XML text escaping; control characters (which XML 1.0 cannot carry literally) become character references. */
export function esc(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const named = XML_ESCAPES[s[i]!];
    if (named === undefined && (c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)) continue;
    out += s.slice(from, i) + (named ?? `&#x${c.toString(16)};`);
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? "" : `<${name}>${typeof value === "string" ? esc(value) : String(value)}</${name}>`;
}

interface ListParams {
  prefix: string;
  delimiter: string;
  max: number;
  encode: (s: string) => string;
  url: boolean;
}

function listParams(req: S3Request): S3Outcome<ListParams> {
  const rawMax = req.query.get("max-keys");
  const max = rawMax === null ? 1000 : Number(rawMax);
  if (!Number.isInteger(max) || max < 0) {
    return s3Fail("InvalidArgument", "Provided max-keys not an integer or within integer range", 400, {
      ArgumentName: "max-keys",
      ArgumentValue: rawMax ?? "",
    });
  }
  const encoding = req.query.get("encoding-type");
  if (encoding !== null && encoding !== "url") {
    return s3Fail("InvalidArgument", "Invalid Encoding Method specified in Request", 400, {
      ArgumentName: "encoding-type",
      ArgumentValue: encoding,
    });
  }
  const url = encoding === "url";
  return {
    ok: true,
    value: {
      prefix: req.query.get("prefix") ?? "",
      delimiter: req.query.get("delimiter") ?? "",
      max: Math.min(max, 1000),
      url,
      encode: url ? s3UrlEncode : (s) => s,
    },
  };
}

/** The common prefix a key rolls up into, or undefined. */
function commonPrefix(key: string, p: ListParams): string | undefined {
  if (p.delimiter === "") return undefined;
  const at = key.indexOf(p.delimiter, p.prefix.length);
  return at < 0 ? undefined : key.slice(0, at + p.delimiter.length);
}

function owner(world: World, account: string): string {
  const name = world.accounts.get(account)?.name || `sim-${account}`;
  return `<Owner><DisplayName>${esc(name)}</DisplayName><ID>${canonicalId(account)}</ID></Owner>`;
}

function xmlOk(body: string): S3Outcome<S3Reply> {
  return { ok: true, value: { headers: { "content-type": "application/xml" }, body } };
}

/**
 * Versions and delete markers are answered without their Owner element: the SDK's XML parsing is the
 * bottleneck when listing millions of versions, and nothing here reads it (ListObjectsV2 has FetchOwner).
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
  const from = compareKeys(keyMarker, p.prefix) > 0 ? keyMarker : p.prefix;
  const after = from === keyMarker && keyMarker !== "" && idMarker === "";
  const parts: string[] = [];
  let count = 0;
  let truncated = false;
  let last: { key: string; versionId?: string } | undefined;
  let lastPrefix = keyMarker !== "" && p.delimiter !== "" && keyMarker.endsWith(p.delimiter) ? keyMarker : undefined;
  outer: for (const [key, history] of bucket.value.objects.entries(from, after)) {
    if (!key.startsWith(p.prefix)) {
      if (compareKeys(key, p.prefix) > 0) break;
      continue;
    }
    if (lastPrefix !== undefined && key.startsWith(lastPrefix)) continue;
    const cp = commonPrefix(key, p);
    if (cp !== undefined) {
      if (count === p.max) {
        truncated = true;
        break;
      }
      parts.push(`<CommonPrefixes>${el("Prefix", p.encode(cp))}</CommonPrefixes>`);
      count += 1;
      lastPrefix = cp;
      last = { key: cp };
      continue;
    }
    let entries: readonly Version[] = history;
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
      entries = at < 0 ? history : history.slice(at + 1);
    }
    for (const v of entries) {
      if (count === p.max) {
        truncated = true;
        break outer;
      }
      const common = `${el("Key", p.encode(v.key))}${el("VersionId", v.versionId)}${el("IsLatest", v === history[0])}${el("LastModified", new Date(v.lastModified).toISOString())}`;
      parts.push(
        v.deleteMarker
          ? `<DeleteMarker>${common}</DeleteMarker>`
          : `<Version>${common}${el("ETag", v.etag)}${el("Size", v.size)}<StorageClass>${v.storageClass ?? "STANDARD"}</StorageClass></Version>`,
      );
      count += 1;
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
  return xmlOk(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="${S3_XMLNS}">${head}${parts.join("")}</ListVersionsResult>`,
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
  const from = compareKeys(marker, p.prefix) > 0 ? marker : p.prefix;
  const fetchOwner = req.query.get("fetch-owner") === "true";
  const parts: string[] = [];
  let count = 0;
  let truncated = false;
  let last: string | undefined;
  let lastPrefix = marker !== "" && p.delimiter !== "" && marker.endsWith(p.delimiter) ? marker : undefined;
  for (const [key, history] of bucket.value.objects.entries(from, from === marker && marker !== "")) {
    if (!key.startsWith(p.prefix)) {
      if (compareKeys(key, p.prefix) > 0) break;
      continue;
    }
    const latest = history[0];
    if (!latest || latest.deleteMarker) continue;
    if (lastPrefix !== undefined && key.startsWith(lastPrefix)) continue;
    if (count === p.max) {
      truncated = true;
      break;
    }
    const cp = commonPrefix(key, p);
    if (cp !== undefined) {
      parts.push(`<CommonPrefixes>${el("Prefix", p.encode(cp))}</CommonPrefixes>`);
      lastPrefix = cp;
      last = cp;
    } else {
      parts.push(
        `<Contents>${el("Key", p.encode(key))}${el("LastModified", new Date(latest.lastModified).toISOString())}${el("ETag", latest.etag)}${el("Size", latest.size)}${fetchOwner ? owner(ctx.world, latest.owner) : ""}<StorageClass>${latest.storageClass ?? "STANDARD"}</StorageClass></Contents>`,
      );
      last = key;
    }
    count += 1;
  }
  const head = [
    el("Name", bucket.value.name),
    el("Prefix", p.encode(p.prefix)),
    p.delimiter ? el("Delimiter", p.encode(p.delimiter)) : "",
    el("MaxKeys", p.max),
    el("KeyCount", count),
    el("IsTruncated", truncated),
    token !== null ? el("ContinuationToken", token) : "",
    truncated && last !== undefined
      ? el("NextContinuationToken", Buffer.from(`sim:${last}`).toString("base64url"))
      : "",
    startAfter ? el("StartAfter", p.encode(startAfter)) : "",
    p.url ? el("EncodingType", "url") : "",
  ].join("");
  return xmlOk(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${S3_XMLNS}">${head}${parts.join("")}</ListBucketResult>`,
  );
};

export const listActions: Record<string, S3Handler> = { ListObjectVersions, ListObjectsV2 };
