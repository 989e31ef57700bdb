/**
 * Versions over 5 GB: CopyObject and Batch PutObjectCopy refuse them (AWS-FACTS), so hikkoshi copies
 * them with a multipart upload of UploadPartCopy ranges. The upload id is checkpointed as soon as it
 * exists; a resume lists the upload's parts and copies only the missing ones. Content headers, user
 * metadata and tags are carried over by hand (UploadPartCopy copies bytes only).
 */
import type { StorageClass } from "@aws-sdk/client-s3";
import { awsCategory } from "../../../aws/errors.js";
import { s3 } from "../../../aws/sdk.js";
import { errorMessage } from "../../../core/errors.js";
import type { RunContext } from "../../define.js";
import { copySource, lockFieldsOf, versionCount } from "./direct.js";

const MIB = 1024 * 1024;
const MIN_PART = 512 * MIB;
const MAX_PARTS = 10_000;
const PART_CONCURRENCY = 4;

export interface LargeItem {
  key: string;
  versionId: string;
  size: number;
  wave: number;
  /** From the large-object list; the source's HEAD answers it too (lists from before classes lack it). */
  storageClass?: string;
}

export interface LargeCurrent {
  key: string;
  versionId: string;
  /** Set once CreateMultipartUpload answered. */
  uploadId?: string;
}

export function partSize(size: number): number {
  const needed = Math.ceil(size / MAX_PARTS / MIB) * MIB;
  return Math.max(MIN_PART, needed);
}

interface Settings {
  objectLock?: boolean;
  sourceBucket: string;
  destinationBucket: string;
}

async function sourceTags(ctx: RunContext, s: Settings, item: LargeItem): Promise<string | undefined> {
  try {
    const out = await ctx.aws.read(
      ctx.account.alias,
      "s3",
      new s3.GetObjectTaggingCommand({ Bucket: s.sourceBucket, Key: item.key, VersionId: item.versionId }),
    );
    const tags = out.TagSet ?? [];
    if (tags.length === 0) return undefined;
    return tags.map((t) => `${encodeURIComponent(t.Key ?? "")}=${encodeURIComponent(t.Value ?? "")}`).join("&");
  } catch (err) {
    ctx.log.warn(`tags of ${item.key} (${item.versionId}) not copied: ${errorMessage(err)}`);
    return undefined;
  }
}

/** An upload an earlier attempt created but did not get to checkpoint (newest for the exact key). */
async function findUpload(ctx: RunContext, s: Settings, key: string): Promise<string | undefined> {
  const out = await ctx.aws.read(
    ctx.account.alias,
    "s3",
    new s3.ListMultipartUploadsCommand({ Bucket: s.destinationBucket, Prefix: key }),
  );
  const mine = (out.Uploads ?? []).filter((u) => u.Key === key);
  mine.sort((a, b) => (b.Initiated?.getTime() ?? 0) - (a.Initiated?.getTime() ?? 0));
  return mine[0]?.UploadId;
}

async function doneParts(ctx: RunContext, s: Settings, key: string, uploadId: string): Promise<Map<number, string>> {
  const parts = new Map<number, string>();
  let marker: string | undefined;
  do {
    const out = await ctx.aws.read(
      ctx.account.alias,
      "s3",
      new s3.ListPartsCommand({ Bucket: s.destinationBucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
    );
    for (const p of out.Parts ?? []) if (p.PartNumber && p.ETag) parts.set(p.PartNumber, p.ETag);
    marker = out.IsTruncated ? out.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}

async function createUpload(ctx: RunContext, s: Settings, item: LargeItem): Promise<string> {
  const head = await ctx.aws.read(
    ctx.account.alias,
    "s3",
    new s3.HeadObjectCommand({ Bucket: s.sourceBucket, Key: item.key, VersionId: item.versionId }),
  );
  const tagging = await sourceTags(ctx, s, item);
  const storageClass = item.storageClass ?? head.StorageClass;
  const out = await ctx.aws.mutate(
    ctx.account.alias,
    "s3",
    new s3.CreateMultipartUploadCommand({
      Bucket: s.destinationBucket,
      Key: item.key,
      ...(head.ContentType ? { ContentType: head.ContentType } : {}),
      ...(head.CacheControl ? { CacheControl: head.CacheControl } : {}),
      ...(head.ContentDisposition ? { ContentDisposition: head.ContentDisposition } : {}),
      ...(head.ContentEncoding ? { ContentEncoding: head.ContentEncoding } : {}),
      ...(head.ContentLanguage ? { ContentLanguage: head.ContentLanguage } : {}),
      ...(head.Expires ? { Expires: head.Expires } : {}),
      ...(head.Metadata && Object.keys(head.Metadata).length > 0 ? { Metadata: head.Metadata } : {}),
      ...(tagging ? { Tagging: tagging } : {}),
      ...(s.objectLock ? lockFieldsOf(head) : {}),
      // A copy lands in STANDARD unless told: keep the source version's class.
      ...(storageClass && storageClass !== "STANDARD" ? { StorageClass: storageClass as StorageClass } : {}),
    }),
    `s3://${s.destinationBucket}/${item.key}`,
  );
  return out.UploadId ?? "";
}

/**
 * Copy one large version. `current` is this item's checkpoint (saved through `save`); returns when the
 * destination has the version (also when an earlier attempt completed it before it could checkpoint).
 */
export async function copyLarge(
  ctx: RunContext,
  s: Settings,
  item: LargeItem,
  current: LargeCurrent,
  save: () => void,
): Promise<void> {
  const resource = `s3://${s.destinationBucket}/${item.key}`;
  const resumed = current.uploadId !== undefined;
  let uploadId = current.uploadId ?? (await findUpload(ctx, s, item.key));
  if (!uploadId && (await versionCount(ctx, s.destinationBucket, item.key, item.wave + 1)) >= item.wave + 1) return;
  if (!uploadId) uploadId = await createUpload(ctx, s, item);
  current.uploadId = uploadId;
  save();

  let have: Map<number, string>;
  try {
    have = resumed ? await doneParts(ctx, s, item.key, uploadId) : new Map();
  } catch (err) {
    // The upload is gone: completed by the attempt that crashed (or aborted by someone).
    if (awsCategory(err) !== "not-found") throw err;
    if ((await versionCount(ctx, s.destinationBucket, item.key, item.wave + 1)) >= item.wave + 1) return;
    delete current.uploadId;
    save();
    return copyLarge(ctx, s, item, current, save);
  }
  const size = partSize(item.size);
  const count = Math.ceil(item.size / size);
  const todo = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !have.has(n));
  const source = copySource(s.sourceBucket, item.key, item.versionId);
  // The first part that fails stops the others from starting new parts; the error is thrown once every
  // part in flight has settled (none still writing after the task is marked failed).
  let failed = false;
  const next = async (): Promise<void> => {
    for (let n = failed ? undefined : todo.shift(); n !== undefined; n = failed ? undefined : todo.shift()) {
      ctx.signal.throwIfAborted();
      const first = (n - 1) * size;
      const last = Math.min(item.size, n * size) - 1;
      const out = await ctx.aws.mutate(
        ctx.account.alias,
        "s3",
        new s3.UploadPartCopyCommand({
          Bucket: s.destinationBucket,
          Key: item.key,
          UploadId: uploadId,
          PartNumber: n,
          CopySource: source,
          CopySourceRange: `bytes=${first}-${last}`,
        }),
        `${resource} part ${n}/${count}`,
      );
      have.set(n, out.CopyPartResult?.ETag ?? "");
    }
  };
  const worker = () =>
    next().catch((err: unknown) => {
      failed = true;
      throw err;
    });
  const settled = await Promise.allSettled(Array.from({ length: Math.min(PART_CONCURRENCY, todo.length) }, worker));
  const rejected = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (rejected) throw rejected.reason;
  await ctx.aws.mutate(
    ctx.account.alias,
    "s3",
    new s3.CompleteMultipartUploadCommand({
      Bucket: s.destinationBucket,
      Key: item.key,
      UploadId: uploadId,
      MultipartUpload: {
        Parts: [...have.entries()].sort((a, b) => a[0] - b[0]).map(([PartNumber, ETag]) => ({ PartNumber, ETag })),
      },
    }),
    resource,
  );
}
