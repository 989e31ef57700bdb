/**
 * A bucket's key histories in key order, listed over several key ranges at once. One listing stream is
 * bound by round trips (one page of 1,000 entries each); ranges listed concurrently are not.
 *
 * The listing starts as one stream: a bucket of a few pages is listed exactly as before. Past
 * `parallelAfter` entries the rest of the key space is probed for cuts (ranges.ts) while the
 * stream goes on; once they are known, the stream stops at a key boundary and up to `concurrency` ranges
 * after it are listed at a time, each by
 * `listKeyHistories` (its order checks per range). The consumer reads the ranges one after the other, so
 * keys come out in global key order. A range that runs ahead of the consumer keeps a few chunks in memory
 * and appends the rest to a temp file (one per range, removed when it has been read): memory stays bounded
 * however far the ranges run ahead, and no range waits for the consumer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { HikkoshiError } from "../../../core/errors.js";
import type { AwsReader } from "../../define.js";
import { RangeBuffer } from "./buffer.js";
import { type HistoryOptions, type KeyHistory, listKeyHistories } from "./key-history.js";
import { compareKeys, positionAfterKey } from "./list.js";
import { type Cut, rangeCuts } from "./ranges.js";

export interface ParallelListOptions extends HistoryOptions {
  /** Ranges listed at once; 1 = one stream. */
  concurrency: number;
  /**
   * Entries listed as one stream before the rest of the key space is probed for cuts (default 10,000);
   * the stream goes on while the probes run. A smaller bucket is listed exactly as one stream.
   */
  parallelAfter?: number;
  /** Ranges per concurrent listing (default 2: a range that ends early leaves no stream idle for long). */
  rangesPerStream?: number;
  /** Entries per chunk handed from a range to the consumer (default 1,000). */
  chunkEntries?: number;
  /** Chunks a range keeps in memory before it spills to its temp file (default 1). */
  memoryChunks?: number;
  signal?: AbortSignal;
}

/** The `listConcurrency` param of the steps that list whole buckets (s3.manifest, s3.verify). */
export const listConcurrencyParam = z
  .number()
  .int()
  .min(1)
  .max(64)
  .default(12)
  .describe(
    "Key ranges listed at once past the first 10,000 entries (1 = one listing stream). One stream waits a round trip per 1,000-entry page (about 20,000 entries a second on S3); 12 streams already list faster than one process writes the manifest or compares a bucket pair.",
  );

const CHUNK_ENTRIES = 1000;
const MEMORY_CHUNKS = 1;
const DEFAULT_PARALLEL_AFTER = 10_000;

interface Range {
  /** Keys after it (undefined: from the start). */
  after: string | undefined;
  /** Up to this key (undefined: to the end). */
  until: string | undefined;
  /** The first key a probe saw after `after`. */
  first: string | undefined;
}

function rangesOf(after: string | undefined, cuts: Cut[]): Range[] {
  const out: Range[] = [];
  let from: Cut | undefined = after === undefined ? undefined : { at: after };
  for (const cut of [...cuts, undefined]) {
    out.push({ after: from?.at, until: cut?.at, first: from?.first });
    from = cut;
  }
  return out;
}

function driftError(bucket: string, range: Range, got: string | undefined): HikkoshiError {
  return new HikkoshiError(
    "S3_LISTING_OUT_OF_ORDER",
    `listing s3://${bucket}: after the key marker "${range.after}" the store listed ${got === undefined ? "nothing" : `"${got}"`}, but "${range.first}" before`,
    {
      hint: "the store does not list from a key marker the way S3 does (or the bucket changed while it was listed); nothing was copied or deleted on the strength of this listing. List it again, or with listConcurrency: 1",
      resource: `s3://${bucket}/${range.first}`,
    },
  );
}

/** Lists one range into its buffer; `stopped` is read between keys. */
async function fill(
  aws: AwsReader,
  alias: string,
  bucket: string,
  options: HistoryOptions,
  range: Range,
  buffer: RangeBuffer,
  chunkEntries: number,
  stopped: () => boolean,
): Promise<void> {
  const { startAfter: _from, until: _until, ...rest } = options;
  const histories = listKeyHistories(aws, alias, bucket, {
    ...rest,
    // Many ranges in flight already: a page ahead per range would double the pages held.
    prefetch: false,
    ...(range.after !== undefined ? { startAfter: positionAfterKey(range.after) } : {}),
    ...(range.until !== undefined ? { until: range.until } : {}),
  });
  let chunk: KeyHistory[] = [];
  let entries = 0;
  let checked = range.first === undefined;
  for await (const h of histories) {
    // A range cut short must never look finished.
    if (stopped()) throw new Error("listing stopped");
    if (!checked) {
      // The probe saw this key first after the marker: a store that lists otherwise is not trusted.
      if (h.key !== range.first) throw driftError(bucket, range, h.key);
      checked = true;
    }
    chunk.push(h);
    entries += h.entries.length;
    if (entries >= chunkEntries) {
      buffer.put(chunk);
      chunk = [];
      entries = 0;
    }
  }
  if (!checked && (range.until === undefined || compareKeys(range.first!, range.until) <= 0)) {
    throw driftError(bucket, range, undefined);
  }
  if (stopped()) throw new Error("listing stopped");
  if (chunk.length > 0) buffer.put(chunk);
}

/**
 * Every key of `bucket` (under `prefix`, after `startAfter` when it is a key boundary) with its history,
 * in key order, as `listKeyHistories` gives them, listed over up to `concurrency` ranges at once.
 */
export async function* listKeyHistoriesParallel(
  aws: AwsReader,
  alias: string,
  bucket: string,
  options: ParallelListOptions,
): AsyncGenerator<KeyHistory> {
  const {
    concurrency,
    parallelAfter = DEFAULT_PARALLEL_AFTER,
    rangesPerStream = 2,
    chunkEntries = CHUNK_ENTRIES,
    memoryChunks = MEMORY_CHUNKS,
    signal,
    ...list
  } = options;
  // A resume inside a key (a version-id marker) or a bounded range stays one stream.
  if (concurrency <= 1 || list.startAfter?.versionIdMarker !== undefined || list.until !== undefined) {
    yield* listKeyHistories(aws, alias, bucket, list);
    return;
  }
  let last = list.startAfter?.keyMarker;
  let listed = 0;
  // Past `parallelAfter` entries the cuts are looked for while the one stream goes on; it stops at the
  // first key boundary after they are known.
  let sampling: Promise<void> | undefined;
  let found: { cuts: Cut[] } | { error: unknown } | undefined;
  for await (const h of listKeyHistories(aws, alias, bucket, list)) {
    yield h;
    last = h.key;
    listed += h.entries.length;
    if (!sampling && listed >= parallelAfter) {
      sampling = rangeCuts(aws, alias, bucket, {
        ...(list.prefix ? { prefix: list.prefix } : {}),
        ...(last !== undefined ? { after: last } : {}),
        ranges: concurrency * rangesPerStream,
        concurrency,
        ...(signal ? { signal } : {}),
      }).then(
        (cuts) => {
          found = { cuts };
        },
        (error: unknown) => {
          found = { error };
        },
      );
    }
    if (found) break;
  }
  if (!found) return;
  if ("error" in found) throw found.error;
  const after = last;
  const cuts = found.cuts.filter((c) => after === undefined || compareKeys(c.at, after) > 0);
  const ranges = rangesOf(last, cuts);
  const dir = mkdtempSync(join(tmpdir(), "hikkoshi-list-"));
  const buffers = ranges.map((_, i) => new RangeBuffer(join(dir, `range-${String(i).padStart(5, "0")}`), memoryChunks));
  // The first failure of any range ends the listing at once (the keys before it were complete).
  let failed: { error: unknown } | undefined;
  let stopped = false;
  let next = 0;
  let running = 0;
  const start = () => {
    while (!stopped && !failed && running < concurrency && next < ranges.length) {
      const i = next++;
      running++;
      const halt = () => stopped || failed !== undefined || !!signal?.aborted;
      fill(aws, alias, bucket, list, ranges[i]!, buffers[i]!, chunkEntries, halt)
        .then(
          () => buffers[i]!.end(),
          (thrown: unknown) => {
            // A range halted by an abort says why the listing stopped.
            const error: unknown = signal?.aborted ? signal.reason : thrown;
            failed ??= { error };
            buffers[i]!.end({ error });
            for (const b of buffers) b.end({ error });
          },
        )
        .finally(() => {
          running--;
          start();
        });
    }
  };
  try {
    start();
    signal?.throwIfAborted();
    for (const buffer of buffers) {
      for (let chunk = await buffer.take(); chunk; chunk = await buffer.take()) {
        signal?.throwIfAborted();
        if (failed) throw failed.error;
        yield* chunk;
      }
      buffer.close();
    }
  } finally {
    stopped = true;
    for (const buffer of buffers) buffer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
