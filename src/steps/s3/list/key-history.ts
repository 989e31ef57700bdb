/**
 * A bucket's keys, each with its whole history (versions and delete markers, newest first), whatever
 * order the store lists entries in within a page. AWS lists keys ascending and a key newest first, with
 * versions and markers interleaved in one sequence; other S3 implementations list a page's versions, then
 * its markers, or a page in no order at all. So a page is grouped by key and sorted here, and a key's
 * history is ordered by `IsLatest`, then LastModified — never by where an entry stood.
 *
 * What cannot be put right is refused, naming the key: a key that comes back after a later key (a store
 * that pages out of key order: sorting would need the whole listing), a key without exactly one latest
 * entry, or — in a listing whose pages were out of order — a version and a delete marker with the same
 * LastModified (their order is unknowable). In S3-ordered pages such a tie keeps the listing's order.
 * Memory: one page, plus the one key that may continue on the next page.
 */
import { HikkoshiError } from "../../../core/errors.js";
import type { AwsReader } from "../../define.js";
import { compareKeys, type ListedPage, type ListOptions, listVersions, type VersionEntry } from "./list.js";

export interface HistoryOptions extends ListOptions {
  /**
   * The last key of a key range (inclusive): entries of later keys are dropped and the listing stops with
   * the page that reaches past it (ListObjectVersions has a start marker but no end).
   */
  until?: string;
}

export interface KeyHistory {
  key: string;
  /** Newest first: `entries[0]` is the entry S3 marks IsLatest. */
  entries: VersionEntry[];
}

interface OpenKey extends KeyHistory {
  /** Some part of this key came from a page that was not in S3's order. */
  untrusted: boolean;
}

/** Whether a page's document order is S3's: keys ascending, each key latest first and newest first. */
function inS3Order(page: VersionEntry[]): boolean {
  for (let i = 1; i < page.length; i++) {
    const [a, b] = [page[i - 1]!, page[i]!];
    const byKey = compareKeys(a.key, b.key);
    if (byKey > 0) return false;
    if (byKey === 0 && (b.isLatest || b.lastModified > a.lastModified)) return false;
  }
  return true;
}

function listingError(code: string, bucket: string, key: string, what: string): HikkoshiError {
  return new HikkoshiError(code, `listing s3://${bucket}: ${what}`, {
    hint: "the store does not list versions the way S3 does, and hikkoshi will not guess a key's history; nothing was copied or deleted on the strength of this listing. Move this bucket with a tool that reads the store natively, or list a smaller prefix",
    resource: `s3://${bucket}/${key}`,
  });
}

/** A finished key's entries, newest first, checked. */
function orderKey(bucket: string, open: OpenKey): VersionEntry[] {
  const { key, entries } = open;
  const latest = entries.filter((e) => e.isLatest).length;
  if (latest !== 1) {
    throw listingError(
      "S3_LISTING_INCONSISTENT",
      bucket,
      key,
      `key "${key}" has ${latest} entries marked IsLatest (exactly one expected)`,
    );
  }
  const sorted = entries
    .map((e, i) => ({ e, i }))
    .sort((x, y) => Number(y.e.isLatest) - Number(x.e.isLatest) || y.e.lastModified - x.e.lastModified || x.i - y.i)
    .map(({ e }) => e);
  if (open.untrusted) {
    for (let i = 2; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1]!, sorted[i]!];
      if (a.lastModified === b.lastModified && a.deleteMarker !== b.deleteMarker) {
        throw listingError(
          "S3_LISTING_AMBIGUOUS",
          bucket,
          key,
          `key "${key}" has a version (${(a.deleteMarker ? b : a).versionId}) and a delete marker (${(a.deleteMarker ? a : b).versionId}) with the same LastModified, listed out of order: their order in the key's history cannot be known`,
        );
      }
    }
  }
  return sorted;
}

/**
 * Every key of `bucket` (under `prefix`) with its history, keys ascending in S3's order. `startAfter`
 * resumes after a key boundary (`positionAfterKey`): a key at or before it is refused (S3 lists the keys
 * after a key marker); `until` ends a key range.
 */
export async function* listKeyHistories(
  aws: AwsReader,
  alias: string,
  bucket: string,
  options: HistoryOptions = {},
): AsyncGenerator<KeyHistory> {
  let open: OpenKey | undefined;
  const marker = options.startAfter?.versionIdMarker === undefined ? options.startAfter?.keyMarker : undefined;
  let lastClosed: string | undefined = marker;
  let untrustedListing = false;

  function* takePage(page: VersionEntry[]): Generator<KeyHistory> {
    if (!inS3Order(page)) untrustedListing = true;
    const groups = new Map<string, VersionEntry[]>();
    for (const e of page) {
      const group = groups.get(e.key);
      if (group) group.push(e);
      else groups.set(e.key, [e]);
    }
    for (const key of [...groups.keys()].sort(compareKeys)) {
      const entries = groups.get(key)!;
      if (open && open.key === key) {
        open.entries.push(...entries);
        open.untrusted ||= untrustedListing;
        continue;
      }
      const before = open?.key ?? lastClosed;
      if (before !== undefined && compareKeys(key, before) <= 0) {
        throw listingError(
          "S3_LISTING_OUT_OF_ORDER",
          bucket,
          key,
          before === marker && !open
            ? `key "${key}" was listed after the key marker "${before}", which sorts after it: the store does not list from a key marker in key order`
            : `key "${key}" came on a later page than "${before}", which sorts after it: the store pages out of key order`,
        );
      }
      if (open) {
        yield { key: open.key, entries: orderKey(bucket, open) };
        lastClosed = open.key;
      }
      open = { key, entries, untrusted: untrustedListing };
    }
  }

  const { until, ...listOptions } = options;
  let page: VersionEntry[] = [];
  let current: ListedPage | undefined;
  let seen = 0;
  let past = false;
  for await (const e of listVersions(aws, alias, bucket, listOptions)) {
    if (e.page !== current) {
      yield* takePage(page);
      page = [];
      current = e.page;
      seen = 0;
    }
    seen++;
    // A page in another store's order may hold keys of the range after one past it: read it whole.
    if (until !== undefined && compareKeys(e.key, until) > 0) past = true;
    else page.push(e);
    if (past && seen === e.page.count) break;
  }
  yield* takePage(page);
  if (open) yield { key: open.key, entries: orderKey(bucket, open) };
}
