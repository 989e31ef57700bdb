/**
 * Emptying a bucket for DeleteBucket: every version, every delete marker (ListObjectVersions →
 * DeleteObjects with version ids, one listing page of ≤ 1000 per batch, through the one listing loop in
 * s3/list/list.ts) and every incomplete multipart upload. The listing position and counts are checkpointed
 * after each batch, so a resumed task goes on where it stopped; a last pass from the start catches what
 * a crash between a batch and its checkpoint (or a late writer behind the position) left behind. Counts
 * are exact except for such a crash: the batch deleted just before it is not counted.
 */

import { s3 } from "../../../aws/sdk.js";
import { HikkoshiError } from "../../../core/errors.js";
import type { JsonObject } from "../../../core/json.js";
import type { AccountRef, AwsReader, RunContext } from "../../define.js";
import { bucketArn, isS3Error } from "../basics.js";
import { type ListedPage, type ListPosition, listVersions } from "../list/list.js";

export const PAGE_SIZE = 1000;

export interface EmptyState extends JsonObject {
  phase: "versions" | "uploads" | "done";
  deletedVersions: number;
  deletedMarkers: number;
  abortedUploads: number;
}

export function initialEmptyState(saved: JsonObject | undefined): EmptyState {
  return {
    ...(saved ?? {}),
    phase: saved?.phase === "uploads" || saved?.phase === "done" ? saved.phase : "versions",
    deletedVersions: typeof saved?.deletedVersions === "number" ? saved.deletedVersions : 0,
    deletedMarkers: typeof saved?.deletedMarkers === "number" ? saved.deletedMarkers : 0,
    abortedUploads: typeof saved?.abortedUploads === "number" ? saved.abortedUploads : 0,
  };
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function marker(name: string, value: string | undefined): JsonObject {
  return value === undefined ? {} : { [name]: value };
}

/** One DeleteObjects call (≤ 1000 versions); any per-object error fails the task with the first three. */
export async function deleteBatch(
  ctx: RunContext,
  bucket: string,
  objects: Array<{ Key: string; VersionId: string }>,
): Promise<void> {
  const out = await ctx.aws.mutate(
    ctx.account.alias,
    "s3",
    new s3.DeleteObjectsCommand({
      Bucket: bucket,
      ExpectedBucketOwner: ctx.account.id,
      Delete: { Objects: objects, Quiet: true },
    }),
    bucketArn(bucket, ctx.account.region),
  );
  const errors = out.Errors ?? [];
  if (errors.length > 0) {
    const first = errors
      .slice(0, 3)
      .map((e) => `${e.Key} (${e.VersionId}): ${e.Code} ${e.Message ?? ""}`.trim())
      .join("; ");
    throw new HikkoshiError(
      "S3_DELETE_FAILED",
      `${errors.length} of ${objects.length} deletes in ${bucket} failed: ${first}`,
      {
        hint: "AccessDenied on a version usually means Object Lock retention or a legal hold (or MFA delete); clear them, then resume",
        resource: bucket,
      },
    );
  }
}

function savedPosition(state: EmptyState): ListPosition | undefined {
  const keyMarker = str(state.keyMarker);
  if (keyMarker === undefined) return undefined;
  const versionIdMarker = str(state.versionIdMarker);
  return versionIdMarker === undefined ? { keyMarker } : { keyMarker, versionIdMarker };
}

function savePosition(state: EmptyState, position: ListPosition | undefined): void {
  delete state.keyMarker;
  delete state.versionIdMarker;
  if (position)
    Object.assign(state, marker("keyMarker", position.keyMarker), marker("versionIdMarker", position.versionIdMarker));
}

/**
 * Deletes every version and delete marker, one listing page (≤ 1000 entries) per DeleteObjects; `state`
 * holds the position after the last deleted page and the counts. Ends with a pass from the start that
 * finds nothing.
 */
export async function deleteAllVersions(ctx: RunContext, bucket: string, state: EmptyState): Promise<void> {
  for (;;) {
    const start = savedPosition(state);
    let page: ListedPage | undefined;
    let batch: Array<{ Key: string; VersionId: string }> = [];
    let markers = 0;
    let seen = 0;
    const flush = async (done: ListedPage) => {
      if (batch.length > 0) await deleteBatch(ctx, bucket, batch);
      state.deletedVersions += batch.length - markers;
      state.deletedMarkers += markers;
      savePosition(state, done.next);
      ctx.saveProgress(state);
      batch = [];
      markers = 0;
    };
    const listing = listVersions(ctx.aws, ctx.account.alias, bucket, {
      pageSize: PAGE_SIZE,
      ...(start ? { startAfter: start } : {}),
    });
    for await (const entry of listing) {
      if (page && entry.page !== page) await flush(page);
      page = entry.page;
      seen += 1;
      batch.push({ Key: entry.key, VersionId: entry.versionId });
      if (entry.deleteMarker) markers += 1;
    }
    if (page) await flush(page);
    if (start === undefined && seen === 0) {
      state.phase = "uploads";
      ctx.saveProgress(state);
      return;
    }
    // Started mid-listing, or deleted something: one more pass from the start proves the bucket empty.
    savePosition(state, undefined);
    ctx.saveProgress(state);
  }
}

/**
 * AbortMultipartUpload of one upload: true when this call aborted it, false when it was already gone
 * (aborted by an attempt that crashed before its checkpoint: the goal is reached).
 */
export async function abortUpload(ctx: RunContext, bucket: string, key: string, uploadId: string): Promise<boolean> {
  try {
    await ctx.aws.mutate(
      ctx.account.alias,
      "s3",
      new s3.AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        ExpectedBucketOwner: ctx.account.id,
      }),
      `${bucketArn(bucket, ctx.account.region)}/${key}`,
    );
    return true;
  } catch (err) {
    if (!isS3Error(err, "NoSuchUpload")) throw err;
    return false;
  }
}

/** Aborts every incomplete multipart upload (their parts are billed and block DeleteBucket). */
export async function abortAllUploads(ctx: RunContext, bucket: string, state: EmptyState): Promise<void> {
  for (;;) {
    const keyMarker = str(state.uploadKeyMarker);
    const uploadIdMarker = str(state.uploadIdMarker);
    const page = await ctx.aws.read(
      ctx.account.alias,
      "s3",
      new s3.ListMultipartUploadsCommand({
        Bucket: bucket,
        ExpectedBucketOwner: ctx.account.id,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId) continue;
      if (await abortUpload(ctx, bucket, upload.Key, upload.UploadId)) state.abortedUploads += 1;
    }
    delete state.uploadKeyMarker;
    delete state.uploadIdMarker;
    if (!page.IsTruncated) {
      state.phase = "done";
      ctx.saveProgress(state);
      return;
    }
    Object.assign(
      state,
      marker("uploadKeyMarker", page.NextKeyMarker),
      marker("uploadIdMarker", page.NextUploadIdMarker),
    );
    ctx.saveProgress(state);
  }
}

export interface ContentCount {
  versions: number;
  deleteMarkers: number;
  bytes: number;
  uploads: number;
  /** False when the listing stopped after `maxPages`: the counts are lower bounds. */
  complete: boolean;
}

/** Plan-time count, bounded to `maxPages` pages of the version listing (then "at least"). */
export async function countContents(
  aws: AwsReader,
  account: AccountRef,
  bucket: string,
  maxPages: number,
): Promise<ContentCount> {
  const count: ContentCount = { versions: 0, deleteMarkers: 0, bytes: 0, uploads: 0, complete: true };
  for await (const entry of listVersions(aws, account.alias, bucket, { pageSize: PAGE_SIZE })) {
    if (entry.page.index >= maxPages) {
      count.complete = false;
      break;
    }
    if (entry.deleteMarker) count.deleteMarkers += 1;
    else count.versions += 1;
    count.bytes += entry.size;
  }
  const uploads = await aws.read(
    account.alias,
    "s3",
    new s3.ListMultipartUploadsCommand({ Bucket: bucket, ExpectedBucketOwner: account.id }),
  );
  count.uploads = uploads.Uploads?.length ?? 0;
  if (uploads.IsTruncated) count.complete = false;
  return count;
}

export function describeCount(c: ContentCount): string {
  const atLeast = c.complete ? "" : "at least ";
  const gb = (c.bytes / 1024 ** 3).toFixed(c.bytes >= 1024 ** 3 ? 1 : 3);
  return `${atLeast}${c.versions} version(s) (${gb} GB), ${atLeast}${c.deleteMarkers} delete marker(s), ${atLeast}${c.uploads} incomplete multipart upload(s)`;
}
