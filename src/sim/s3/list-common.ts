import type { World } from "../world.js";
import { canonicalId } from "./common.js";
import { compareKeys, s3UrlEncode } from "./keys.js";
import type { Bucket } from "./model.js";
import type { S3Request } from "./request.js";
import { type S3Outcome, type S3Reply, s3Fail } from "./xml.js";

/**
 * What the listings share. They are written as strings, not through the XML builder: a page of 1000
 * versions must cost well under a millisecond or listing ten million versions would be dominated by the
 * simulator.
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

export function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? "" : `<${name}>${typeof value === "string" ? esc(value) : String(value)}</${name}>`;
}

const PLAIN_ETAG = /^"[0-9a-f]+(-[0-9]+)?"$/;

/** `<ETag>` of a listing: an MD5 ETag needs only its quotes escaped (the generic escape walks it per character). */
export function etagEl(etag: string): string {
  return PLAIN_ETAG.test(etag) ? `<ETag>&quot;${etag.slice(1, -1)}&quot;</ETag>` : el("ETag", etag);
}

export interface ListParams {
  prefix: string;
  delimiter: string;
  max: number;
  encode: (s: string) => string;
  url: boolean;
}

export function listParams(req: S3Request): S3Outcome<ListParams> {
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
export function commonPrefix(key: string, p: ListParams): string | undefined {
  if (p.delimiter === "") return undefined;
  const at = key.indexOf(p.delimiter, p.prefix.length);
  return at < 0 ? undefined : key.slice(0, at + p.delimiter.length);
}

function owner(world: World, account: string): string {
  const name = world.accounts.get(account)?.name || `sim-${account}`;
  return `<Owner><DisplayName>${esc(name)}</DisplayName><ID>${canonicalId(account)}</ID></Owner>`;
}

export function xmlOk(body: string): S3Outcome<S3Reply> {
  return { ok: true, value: { headers: { "content-type": "application/xml" }, body } };
}

/** One page of latest versions (ListObjects, ListObjectsV2): `<Contents>` and `<CommonPrefixes>` elements. */
export interface LatestPage {
  parts: string[];
  count: number;
  truncated: boolean;
  /** The last key or common prefix on the page (what a continuation starts after). */
  last?: string;
}

/** The keys after `marker` whose latest version is not a delete marker, rolled up by the delimiter. */
export function latestPage(
  world: World,
  bucket: Bucket,
  p: ListParams,
  marker: string,
  fetchOwner: boolean,
): LatestPage {
  const from = compareKeys(marker, p.prefix) > 0 ? marker : p.prefix;
  const page: LatestPage = { parts: [], count: 0, truncated: false };
  let lastPrefix = marker !== "" && p.delimiter !== "" && marker.endsWith(p.delimiter) ? marker : undefined;
  for (const [key, history] of bucket.objects.entries(from, from === marker && marker !== "")) {
    if (!key.startsWith(p.prefix)) {
      if (compareKeys(key, p.prefix) > 0) break;
      continue;
    }
    const latest = history[0];
    if (!latest || latest.deleteMarker) continue;
    if (lastPrefix !== undefined && key.startsWith(lastPrefix)) continue;
    if (page.count === p.max) {
      page.truncated = true;
      break;
    }
    const cp = commonPrefix(key, p);
    if (cp !== undefined) {
      page.parts.push(`<CommonPrefixes>${el("Prefix", p.encode(cp))}</CommonPrefixes>`);
      lastPrefix = cp;
      page.last = cp;
    } else {
      page.parts.push(
        `<Contents>${el("Key", p.encode(key))}${el("LastModified", new Date(latest.lastModified).toISOString())}${etagEl(latest.etag)}${el("Size", latest.size)}${fetchOwner ? owner(world, latest.owner) : ""}<StorageClass>${latest.storageClass ?? "STANDARD"}</StorageClass></Contents>`,
      );
      page.last = key;
    }
    page.count += 1;
  }
  return page;
}
