/**
 * Where to cut a bucket's key space so that ranges of it can be listed at once. ListObjectVersions starts
 * after a key marker and has no end, so a range is (after, until]: listed from `KeyMarker = after` and
 * stopped at the first key past `until`. Any ascending strings partition the keys exactly (a boundary need
 * not be a key); how good the cuts are only decides how evenly the work spreads.
 *
 * Cuts come from the bucket's shape, read with a few small probes (MaxKeys 1): its top-level common
 * prefixes (Delimiter "/") when it has enough of them, else the branching of its keys character by
 * character: the common prefix of all keys is found by bisection, then the distinct next characters by
 * skipping from one to the next, level by level until there are enough groups. Each cut remembers the first
 * key after it that a probe saw, so the range listing can check the store lists from that marker as it did.
 */
import type { ListObjectVersionsOutput } from "@aws-sdk/client-s3";
import { s3 } from "../../../aws/sdk.js";
import type { AwsReader } from "../../define.js";
import { compareKeys } from "./list.js";

export interface Cut {
  /** Range boundary: the previous range ends with this key (inclusive), the next starts after it. */
  at: string;
  /** The first key after `at` a probe saw, when it differs from `at`. */
  first?: string;
}

export interface CutOptions {
  prefix?: string;
  /** Only cuts after this key (the ranges start there). */
  after?: string;
  /** How many ranges to aim for (cuts = ranges - 1). */
  ranges: number;
  /** Probes in flight. */
  concurrency: number;
  signal?: AbortSignal;
}

/** Sorts after every character a key is likely to hold after a prefix: "all keys under p" end before p + MAX. */
const MAX = "\u{10FFFF}\u{10FFFF}";
/** Children of one group enumerated at most (the last child takes the rest). */
const MAX_CHILDREN = 64;
const MAX_LEVELS = 4;
const MAX_TOP_PREFIXES = 1000;

function decode(out: ListObjectVersionsOutput, s: string): string {
  return out.EncodingType === "url" ? decodeURIComponent(s.replace(/\+/g, " ")) : s;
}

interface Probe {
  aws: AwsReader;
  alias: string;
  bucket: string;
  signal?: AbortSignal | undefined;
}

/** The first key under `prefix` after `marker` (any version or delete marker), or undefined. */
async function firstKeyAfter(p: Probe, prefix: string, marker: string): Promise<string | undefined> {
  p.signal?.throwIfAborted();
  const out: ListObjectVersionsOutput = await p.aws.read(
    p.alias,
    "s3",
    new s3.ListObjectVersionsCommand({
      Bucket: p.bucket,
      EncodingType: "url",
      MaxKeys: 1,
      ...(prefix ? { Prefix: prefix } : {}),
      ...(marker ? { KeyMarker: marker } : {}),
    }),
  );
  const keys = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].map((e) => decode(out, e.Key ?? ""));
  keys.sort(compareKeys);
  const key = keys[0];
  if (key === undefined || (marker && compareKeys(key, marker) <= 0) || !key.startsWith(prefix)) return undefined;
  return key;
}

async function topPrefixes(p: Probe, prefix: string): Promise<string[]> {
  const out: ListObjectVersionsOutput = await p.aws.read(
    p.alias,
    "s3",
    new s3.ListObjectVersionsCommand({
      Bucket: p.bucket,
      EncodingType: "url",
      Delimiter: "/",
      MaxKeys: MAX_TOP_PREFIXES,
      ...(prefix ? { Prefix: prefix } : {}),
    }),
  );
  return (out.CommonPrefixes ?? []).map((c) => decode(out, c.Prefix ?? "")).sort(compareKeys);
}

interface Group {
  /** Every key of the group starts with it. */
  prefix: string;
  /** Its first key. */
  first: string;
  /** A single key: nothing to split. */
  leaf?: boolean;
}

/** Candidate lengths probed at once when the common prefix is searched (bisection beyond). */
const PROBES_AT_ONCE = 16;

/** The longest prefix of `first` (at least `group`) that every key under `group` starts with. */
async function commonPrefix(p: Probe, group: string, first: string): Promise<string> {
  // By code points: a marker must not end in half a surrogate pair (it would not encode).
  const chars = Array.from(first);
  // No key under the group after every key starting with the candidate: all keys start with it.
  const shared = async (length: number) =>
    (await firstKeyAfter(p, group, chars.slice(0, length).join("") + MAX)) === undefined;
  let lo = Array.from(group).length;
  let hi = chars.length;
  while (lo < hi) {
    // Several lengths per round trip: `shared` holds up to some length and not after it.
    const step = Math.max(1, Math.ceil((hi - lo) / PROBES_AT_ONCE));
    const lengths: number[] = [];
    for (let n = lo + step; n < hi; n += step) lengths.push(n);
    lengths.push(hi);
    const answers = await Promise.all(lengths.map(shared));
    const firstFalse = answers.indexOf(false);
    if (firstFalse < 0) return chars.slice(0, hi).join("");
    hi = lengths[firstFalse]! - 1;
    if (firstFalse > 0) lo = lengths[firstFalse - 1]!;
  }
  return chars.slice(0, lo).join("");
}

/** Is `code` a code point a string can hold on its own? */
function isChar(code: number): boolean {
  return code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
}

/** A group's subgroups by the character after its common prefix, in key order. */
async function childrenOf(p: Probe, g: Group): Promise<Group[]> {
  if (g.leaf) return [g];
  const stem = await commonPrefix(p, g.prefix, g.first);
  if (stem === g.first) {
    // The first key is the whole common prefix: it stands alone, the keys that extend it branch after it.
    const leaf = { prefix: stem, first: stem, leaf: true };
    const next = await firstKeyAfter(p, stem, stem);
    return next === undefined ? [leaf] : [leaf, ...(await childrenOf(p, { prefix: stem, first: next }))];
  }
  const at = stem.length;
  const found = new Map<number, string>();
  let from = g.first.codePointAt(at)!;
  found.set(from, g.first);
  // The next child after character c is the first key after stem + c + MAX. Probing c, c+1, ... c+15 at
  // once finds every child among the next 16 code points (and the first one past them) in one round trip.
  while (found.size < MAX_CHILDREN) {
    const codes: number[] = [];
    for (let c = from; codes.length < PROBES_AT_ONCE && c <= 0x10ffff; c++) if (isChar(c)) codes.push(c);
    const keys = await Promise.all(codes.map((c) => firstKeyAfter(p, stem, stem + String.fromCodePoint(c) + MAX)));
    let furthest = from;
    for (const key of keys) {
      if (key === undefined) continue;
      const c = key.codePointAt(at)!;
      if (!found.has(c) || compareKeys(key, found.get(c)!) < 0) found.set(c, key);
      furthest = Math.max(furthest, c);
    }
    // Nothing past the window (or a key beyond MAX that cannot be skipped): the last child takes the rest.
    if (keys[keys.length - 1] === undefined || furthest <= codes[codes.length - 1]!) break;
    from = furthest;
  }
  return [...found.entries()]
    .sort(([a], [b]) => a - b)
    .map(([c, first]) => ({ prefix: stem + String.fromCodePoint(c), first }));
}

async function mapLimit<T, R>(items: T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Evenly spaced picks of `n` items (by position), keeping order. */
function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor(((i + 1) * items.length) / (n + 1))]!);
}

/**
 * Ascending cuts of the keys after `options.after` under `options.prefix` into about `options.ranges` ranges;
 * empty when the bucket shows no place to cut (one range).
 */
export async function rangeCuts(aws: AwsReader, alias: string, bucket: string, options: CutOptions): Promise<Cut[]> {
  const p: Probe = { aws, alias, bucket, signal: options.signal };
  const prefix = options.prefix ?? "";
  const after = options.after;
  const keep = (cuts: Cut[]) =>
    cuts.filter(
      (c, i) => (after === undefined || compareKeys(c.at, after) > 0) && (i === 0 || c.at !== cuts[i - 1]!.at),
    );

  const top = keep((await topPrefixes(p, prefix)).map((at) => ({ at })));
  if (top.length + 1 >= options.ranges) return spread(top, options.ranges - 1);

  const first = await firstKeyAfter(p, prefix, after ?? "");
  if (first === undefined) return [];
  let groups: Group[] = [{ prefix, first }];
  for (let level = 0; level < MAX_LEVELS && groups.length < options.ranges; level++) {
    const next = (await mapLimit(groups, options.concurrency, (g) => childrenOf(p, g))).flat();
    if (next.length <= groups.length) break;
    groups = next;
  }
  // A group's prefix is a cut: its keys are after it (longer), the previous group's keys before it.
  const cuts = keep(
    groups.slice(1).map((g) => (g.first === g.prefix ? { at: g.prefix } : { at: g.prefix, first: g.first })),
  );
  return spread(cuts, options.ranges - 1);
}
