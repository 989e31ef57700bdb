/**
 * The direct engine: hikkoshi copies a wave's rows itself with CopyObject, `concurrency` at a time,
 * checkpointing the byte offset of the finished prefix of the wave's CSV. A resumed wave re-checks the
 * rows that may have been copied after the last checkpoint (the pool's window) by counting the
 * destination key's versions (delete markers not counted): after wave n a key has n+1 versions there,
 * since a key takes part in waves 0..n without gaps.
 */
import type { HeadObjectOutput, StorageClass } from "@aws-sdk/client-s3";
import { s3 } from "../../../aws/sdk.js";
import type { RunContext } from "../../define.js";
import { listVersions } from "../list/list.js";
import { encodeKey, parseManifestRow } from "../manifest/csv.js";
import { readLines } from "../manifest/io.js";
import { orderedPool } from "./pool.js";

export interface DirectSettings {
  manifestBucket: string;
  /** The source has Object Lock: each copy carries its version's retention and legal hold (a HEAD first). */
  objectLock?: boolean;
  sourceBucket: string;
  destinationBucket: string;
  concurrency: number;
}

export interface DirectProgress {
  /** Rows of the wave copied (a finished prefix of the CSV). */
  rows: number;
  /** Byte offset in the CSV after those rows. */
  offset: number;
  /** Saved before the first copy of the wave: a resume must re-check the rows after `offset`. */
  started?: boolean;
  done?: boolean;
}

/** Rows past the watermark the pool may run ahead; checkpoints every CHECKPOINT_ROWS of progress. */
const WINDOW = 256;
const CHECKPOINT_ROWS = 64;

export function copySource(bucket: string, key: string, versionId: string): string {
  return `${bucket}/${encodeKey(key)}?versionId=${encodeURIComponent(versionId)}`;
}

/** Non-marker versions of exactly `key` in `bucket`, counting up to `enough`. */
export async function versionCount(ctx: RunContext, bucket: string, key: string, enough: number): Promise<number> {
  let count = 0;
  for await (const e of listVersions(ctx.aws, ctx.account.alias, bucket, {
    prefix: key,
    pageSize: Math.min(1000, enough + 2),
  })) {
    if (e.key !== key) break;
    if (!e.deleteMarker) count++;
    if (count >= enough) break;
  }
  return count;
}

/** A version's retention and legal hold, as CopyObject takes them (empty when it has none). */
export function lockFieldsOf(head: HeadObjectOutput) {
  return {
    ...(head.ObjectLockMode ? { ObjectLockMode: head.ObjectLockMode } : {}),
    ...(head.ObjectLockRetainUntilDate ? { ObjectLockRetainUntilDate: head.ObjectLockRetainUntilDate } : {}),
    ...(head.ObjectLockLegalHoldStatus ? { ObjectLockLegalHoldStatus: head.ObjectLockLegalHoldStatus } : {}),
  };
}

export async function copyObjectVersion(
  ctx: RunContext,
  s: { sourceBucket: string; destinationBucket: string; objectLock?: boolean },
  key: string,
  versionId: string,
  storageClass?: string,
): Promise<void> {
  // CopyObject never carries Object Lock settings: read them and set them on the copy.
  const lock = s.objectLock
    ? lockFieldsOf(
        await ctx.aws.read(
          ctx.account.alias,
          "s3",
          new s3.HeadObjectCommand({
            Bucket: s.sourceBucket,
            Key: key,
            ...(versionId !== "null" ? { VersionId: versionId } : {}),
          }),
        ),
      )
    : {};
  await ctx.aws.mutate(
    ctx.account.alias,
    "s3",
    new s3.CopyObjectCommand({
      Bucket: s.destinationBucket,
      Key: key,
      CopySource: copySource(s.sourceBucket, key, versionId),
      MetadataDirective: "COPY",
      TaggingDirective: "COPY",
      // A copy lands in STANDARD unless told: keep the source version's class.
      ...(storageClass && storageClass !== "STANDARD" ? { StorageClass: storageClass as StorageClass } : {}),
      ...lock,
    }),
    `s3://${s.destinationBucket}/${key}`,
  );
}

export async function runDirectWave(
  ctx: RunContext,
  s: DirectSettings,
  wave: { index: number; key: string; storageClass?: string },
  dp: DirectProgress,
  save: () => void,
): Promise<DirectProgress> {
  if (dp.done) return dp;
  const uncertain = dp.started ? WINDOW + CHECKPOINT_ROWS : 0;
  if (!dp.started) {
    dp.started = true;
    save();
  }
  const start = { rows: dp.rows, offset: dp.offset };
  let seen = 0;
  let saved = dp.rows;
  const rows = (async function* () {
    for await (const { line, end } of readLines(ctx.aws, ctx.account.alias, s.manifestBucket, wave.key, dp.offset)) {
      const row = parseManifestRow(line);
      if (row) yield { ...row, end, seq: seen++ };
    }
  })();
  await orderedPool(rows, {
    concurrency: s.concurrency,
    window: WINDOW,
    signal: ctx.signal,
    worker: async (row) => {
      if (row.seq < uncertain) {
        const have = await versionCount(ctx, s.destinationBucket, row.key, wave.index + 1);
        if (have >= wave.index + 1) return;
      }
      await copyObjectVersion(ctx, s, row.key, row.versionId, wave.storageClass);
    },
    onAdvance: (count, end) => {
      dp.rows = start.rows + count;
      dp.offset = end;
      if (dp.rows - saved >= CHECKPOINT_ROWS) {
        saved = dp.rows;
        save();
      }
    },
  });
  dp.done = true;
  save();
  return dp;
}
