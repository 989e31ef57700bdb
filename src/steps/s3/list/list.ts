/**
 * THE ListObjectVersions loop (the SDK has no paginator for it; AWS-FACTS). Yields versions and delete
 * markers in S3's order: keys ascending (UTF-8 byte order), newest first within a key. Every entry
 * carries the page it came from, so a caller can checkpoint a position and resume with `startAfter`.
 *
 * Responses are read by a fast scanner that keeps S3's document order (parser.ts).
 * Should the SDK's output arrive instead (`Versions` and `DeleteMarkers` apart, interleaving lost), the
 * order is rebuilt by key, then LastModified (newest first); equal timestamps of a version and a marker
 * of one key are ordered by IsLatest, then versions first.
 */
import type { DeleteMarkerEntry, ListObjectVersionsOutput, ObjectVersion } from "@aws-sdk/client-s3";
import { s3 } from "../../../aws/sdk.js";
import type { AwsReader } from "../../define.js";
import { type FastOutput, parseEntries, withFastListing } from "./parser.js";

export interface ListPosition {
  keyMarker: string;
  /** Absent: resume after every version of `keyMarker` (at the next key). */
  versionIdMarker?: string;
}

export interface ListedPage {
  /** 0-based number of the page in this listing. */
  index: number;
  /** Where this page started (undefined for the first page of a fresh listing). */
  start: ListPosition | undefined;
  /** Where the next page starts; undefined on the last page. */
  next: ListPosition | undefined;
  /** Entries on the page (set before the first is yielded). */
  count?: number;
}

export interface VersionEntry {
  key: string;
  /** "null" for objects written while versioning was off. */
  versionId: string;
  deleteMarker: boolean;
  isLatest: boolean;
  /** 0 for delete markers. */
  size: number;
  /** With its quotes stripped; "" for delete markers. */
  etag: string;
  lastModified: number;
  storageClass: string;
  page: ListedPage;
}

export interface ListOptions {
  prefix?: string;
  /** MaxKeys per request (S3 caps it at 1000). */
  pageSize?: number;
  startAfter?: ListPosition;
  /** Ask for the next page while this one is consumed (default true; parallel ranges save the memory). */
  prefetch?: boolean;
}

/** Resume right after this entry. */
export function positionAfter(entry: { key: string; versionId: string }): ListPosition {
  return { keyMarker: entry.key, versionIdMarker: entry.versionId };
}

/** Resume at the key after `key` (a key-boundary checkpoint). */
export function positionAfterKey(key: string): ListPosition {
  return { keyMarker: key };
}

/**
 * Compare keys the way S3 orders them (UTF-8 bytes = code points). JavaScript's `<` compares UTF-16
 * code units, which puts U+E000–U+FFFF after astral characters; the fix-up maps surrogates above them.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

function fixup(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  if (c >= 0xe000) return c - 0x800;
  return c;
}

/** S3 url-encodes keys form-style ("+" for a space) when asked with EncodingType=url. */
function decoder(out: ListObjectVersionsOutput): (s: string) => string {
  if (out.EncodingType !== "url") return (s) => s;
  return (s) => decodeURIComponent(s.replace(/\+/g, " "));
}

export function stripQuotes(etag: string | undefined): string {
  return (etag ?? "").replace(/^"|"$/g, "");
}

function entriesOf(out: FastOutput, page: ListedPage): VersionEntry[] {
  const decode = decoder(out);
  if (out.$raw) {
    // Completed in place: no second object per entry.
    const entries = parseEntries(out.$raw) as VersionEntry[];
    for (const e of entries) {
      e.key = decode(e.key);
      e.page = page;
    }
    return entries;
  }
  const fromVersion = (v: ObjectVersion): VersionEntry => ({
    key: decode(v.Key ?? ""),
    versionId: v.VersionId ?? "null",
    deleteMarker: false,
    isLatest: v.IsLatest === true,
    size: v.Size ?? 0,
    etag: stripQuotes(v.ETag),
    lastModified: v.LastModified?.getTime() ?? 0,
    storageClass: v.StorageClass ?? "STANDARD",
    page,
  });
  const fromMarker = (m: DeleteMarkerEntry): VersionEntry => ({
    key: decode(m.Key ?? ""),
    versionId: m.VersionId ?? "null",
    deleteMarker: true,
    isLatest: m.IsLatest === true,
    size: 0,
    etag: "",
    lastModified: m.LastModified?.getTime() ?? 0,
    storageClass: "",
    page,
  });
  const versions = (out.Versions ?? []).map(fromVersion);
  const markers = (out.DeleteMarkers ?? []).map(fromMarker);
  if (markers.length === 0) return versions;
  if (versions.length === 0) return markers;
  return mergeNewestFirst(versions, markers);
}

/** Both inputs are in S3 order; merge them by key, then newest first within a key. */
function mergeNewestFirst(a: VersionEntry[], b: VersionEntry[]): VersionEntry[] {
  const out: VersionEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const byKey = compareKeys(x.key, y.key);
    const takeX =
      byKey !== 0
        ? byKey < 0
        : x.lastModified !== y.lastModified
          ? x.lastModified > y.lastModified
          : x.isLatest || !y.isLatest;
    if (takeX) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** Entries yielded between two turns of the event loop. */
const YIELD_EVERY = 100;

function request(bucket: string, options: ListOptions, position: ListPosition | undefined) {
  return withFastListing(
    new s3.ListObjectVersionsCommand({
      Bucket: bucket,
      EncodingType: "url",
      ...(options.prefix ? { Prefix: options.prefix } : {}),
      ...(options.pageSize ? { MaxKeys: options.pageSize } : {}),
      ...(position ? { KeyMarker: position.keyMarker } : {}),
      ...(position?.versionIdMarker !== undefined ? { VersionIdMarker: position.versionIdMarker } : {}),
    }),
  );
}

function nextPosition(out: ListObjectVersionsOutput, entries: VersionEntry[]): ListPosition | undefined {
  if (!out.IsTruncated) return undefined;
  if (out.NextKeyMarker === undefined) {
    const last = entries[entries.length - 1];
    return last && positionAfter(last);
  }
  return {
    keyMarker: decoder(out)(out.NextKeyMarker),
    ...(out.NextVersionIdMarker ? { versionIdMarker: out.NextVersionIdMarker } : {}),
  };
}

/**
 * Every version and delete marker of `bucket` (under `prefix`), read through `aws` as account `alias`.
 * The next page is requested as soon as this one is parsed, so S3 works on it while the caller
 * consumes this one; memory holds two pages at most.
 */
export async function* listVersions(
  aws: AwsReader,
  alias: string,
  bucket: string,
  options: ListOptions = {},
): AsyncGenerator<VersionEntry> {
  let position = options.startAfter;
  let pending: Promise<FastOutput> | undefined = aws.read(alias, "s3", request(bucket, options, position));
  for (let index = 0; pending; index++) {
    const out = await pending;
    pending = undefined;
    const page: ListedPage = { index, start: position, next: undefined };
    // The next request goes out before this page's entries are parsed (when S3 says where it starts).
    let entries: VersionEntry[] | undefined;
    if (out.IsTruncated && out.NextKeyMarker === undefined) entries = entriesOf(out, page);
    page.next = nextPosition(out, entries ?? []);
    if (page.next && options.prefetch !== false) {
      pending = aws.read(alias, "s3", request(bucket, options, page.next));
      // Consumed on the next turn; if the caller stops first, its failure must not go unhandled.
      pending.catch(() => undefined);
    }
    entries ??= entriesOf(out, page);
    page.count = entries.length;
    position = page.next;
    // A consumer of an async generator runs in one microtask chain and never gives the event loop a
    // turn; without these pauses the next request would leave only after this page is consumed.
    for (let i = 0; i < entries.length; i += YIELD_EVERY) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      yield* entries.slice(i, i + YIELD_EVERY);
    }
    if (page.next && !pending) pending = aws.read(alias, "s3", request(bucket, options, page.next));
  }
}
