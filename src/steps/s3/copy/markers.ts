/**
 * Delete markers re-created at their place in each key's history. The markers that sat after exactly
 * `position` versions of their key are made (DeleteObject without a version id) once wave position-1 is
 * copied and before wave `position` starts, so the destination lists the same sequence of versions and
 * markers per key as the source. A DeleteObject makes a new marker every time it is sent: a resumed pass
 * counts, for the keys it may have reached after its last checkpoint, the markers already newer than the
 * key's newest version in the destination, and makes only the missing ones.
 */

import { s3 } from "../../../aws/sdk.js";
import type { RunContext } from "../../define.js";
import { listKeyHistories } from "../list/key-history.js";
import { parseManifestRow } from "../manifest/csv.js";
import { readLines } from "../manifest/io.js";
import type { MarkerPosition } from "../manifest/types.js";
import { orderedPool } from "./pool.js";

export interface MarkerProgress {
  /** Keys done (a finished prefix of the CSV) and the byte offset after them. */
  keys: number;
  offset: number;
  created: number;
  /** Saved before the first marker: a resume re-checks the keys after `offset`. */
  started?: boolean;
  done?: boolean;
}

const WINDOW = 128;
const CHECKPOINT_KEYS = 32;

/** Delete markers of `key` in `bucket` newer than its newest version (all of them if it has none). */
async function trailingMarkers(ctx: RunContext, bucket: string, key: string): Promise<number> {
  for await (const h of listKeyHistories(ctx.aws, ctx.account.alias, bucket, { prefix: key, pageSize: 100 })) {
    if (h.key !== key) break;
    let n = 0;
    while (n < h.entries.length && h.entries[n]!.deleteMarker) n++;
    return n;
  }
  return 0;
}

/** One key's markers of this position: consecutive rows of the CSV. */
async function* keyGroups(ctx: RunContext, manifestBucket: string, at: MarkerPosition, offset: number) {
  let group: { key: string; count: number; end: number } | undefined;
  for await (const { line, end } of readLines(ctx.aws, ctx.account.alias, manifestBucket, at.key, offset)) {
    const row = parseManifestRow(line);
    if (!row) continue;
    if (group && group.key === row.key) {
      group.count++;
      group.end = end;
      continue;
    }
    if (group) yield group;
    group = { key: row.key, count: 1, end };
  }
  if (group) yield group;
}

export async function createMarkersAt(
  ctx: RunContext,
  s: { manifestBucket: string; destinationBucket: string; concurrency: number },
  at: MarkerPosition,
  mp: MarkerProgress,
  save: () => void,
): Promise<void> {
  if (mp.done) return;
  const uncertain = mp.started ? WINDOW + CHECKPOINT_KEYS : 0;
  if (!mp.started) {
    mp.started = true;
    save();
  }
  const start = mp.keys;
  let saved = mp.keys;
  let seq = 0;
  const groups = (async function* () {
    for await (const g of keyGroups(ctx, s.manifestBucket, at, mp.offset)) yield { ...g, seq: seq++ };
  })();
  await orderedPool(groups, {
    concurrency: s.concurrency,
    window: WINDOW,
    signal: ctx.signal,
    worker: async (g) => {
      const have = g.seq < uncertain ? await trailingMarkers(ctx, s.destinationBucket, g.key) : 0;
      // One key's markers one after the other: their order is the history's.
      for (let i = have; i < g.count; i++) {
        await ctx.aws.mutate(
          ctx.account.alias,
          "s3",
          new s3.DeleteObjectCommand({ Bucket: s.destinationBucket, Key: g.key }),
          `s3://${s.destinationBucket}/${g.key}`,
        );
        mp.created++;
      }
    },
    onAdvance: (count, end) => {
      mp.keys = start + count;
      mp.offset = end;
      if (mp.keys - saved >= CHECKPOINT_KEYS) {
        saved = mp.keys;
        save();
      }
    },
  });
  mp.done = true;
  save();
}
