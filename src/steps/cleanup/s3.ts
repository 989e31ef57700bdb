/**
 * S3 for the cleanup step: a bucket's tags (is it this run's?), deleting every version, delete marker and
 * incomplete upload under a prefix ("" = the whole bucket), and deleting the bucket. The version loop
 * lists from the start of the prefix each time and deletes what it lists, one page per DeleteObjects:
 * what is deleted is no longer listed, so a resumed attempt simply starts again and needs no checkpoint.
 */

import { s3 } from "../../aws/sdk.js";
import type { RunContext } from "../define.js";
import { bucketArn, isS3Error } from "../s3/basics.js";
import { abortUpload, deleteBatch, PAGE_SIZE } from "../s3/empty/empty.js";
import { listVersions } from "../s3/list/list.js";

/** One listing page (≤ 1000) of versions and markers under `prefix`, from its start. */
async function firstPage(ctx: RunContext, bucket: string, prefix: string) {
  const page: Array<{ Key: string; VersionId: string }> = [];
  for await (const entry of listVersions(ctx.aws, ctx.account.alias, bucket, { prefix, pageSize: PAGE_SIZE })) {
    if (entry.page.index > 0) break;
    page.push({ Key: entry.key, VersionId: entry.versionId });
  }
  return page;
}

export interface EmptyCount {
  versions: number;
  uploads: number;
}

/** Deletes every version and delete marker under `prefix`, then aborts every incomplete upload there. */
export async function emptyPrefix(ctx: RunContext, bucket: string, prefix: string): Promise<EmptyCount> {
  const count: EmptyCount = { versions: 0, uploads: 0 };
  for (;;) {
    const page = await firstPage(ctx, bucket, prefix);
    if (page.length === 0) break;
    await deleteBatch(ctx, bucket, page);
    count.versions += page.length;
  }
  for (;;) {
    const out = await ctx.aws.read(
      ctx.account.alias,
      "s3",
      new s3.ListMultipartUploadsCommand({
        Bucket: bucket,
        ExpectedBucketOwner: ctx.account.id,
        ...(prefix ? { Prefix: prefix } : {}),
      }),
    );
    const uploads = (out.Uploads ?? []).filter((u) => u.Key && u.UploadId);
    for (const u of uploads) if (await abortUpload(ctx, bucket, u.Key!, u.UploadId!)) count.uploads += 1;
    // Aborted uploads are no longer listed: the next listing starts over until none is left.
    if (!out.IsTruncated || uploads.length === 0) break;
  }
  return count;
}

/** DeleteBucket of an emptied bucket; NoSuchBucket (deleted by an attempt that crashed) is done. */
export async function deleteBucket(ctx: RunContext, bucket: string): Promise<void> {
  try {
    await ctx.aws.mutate(
      ctx.account.alias,
      "s3",
      new s3.DeleteBucketCommand({ Bucket: bucket, ExpectedBucketOwner: ctx.account.id }),
      bucketArn(bucket, ctx.account.region),
    );
  } catch (err) {
    if (!isS3Error(err, "NoSuchBucket")) throw err;
  }
}
