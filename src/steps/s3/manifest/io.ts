/**
 * Moving manifest files between the local disk and S3: upload a spilled file (one PutObject, or a
 * multipart upload in fixed-size parts so memory holds one part), and read an object line by line with
 * exact byte offsets (so a reader can checkpoint an offset and resume with a Range request).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { Readable } from "node:stream";
import { s3 } from "../../../aws/sdk.js";
import { HikkoshiError } from "../../../core/errors.js";
import type { AwsReader, AwsWriter } from "../../define.js";
import { stripQuotes } from "../list/list.js";

/** 16 MiB parts: ≥ the 5 MiB minimum, 10,000 parts reach 160 GiB, one part in memory at a time. */
export const UPLOAD_PART_BYTES = 16 * 1024 * 1024;

export interface UploadHooks {
  /** Called with a multipart upload id as soon as it exists (to checkpoint it for cleanup). */
  onUploadId?(uploadId: string): void;
}

function readPart(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** Upload a local file to s3://bucket/key and return the object's ETag (without quotes). */
export async function uploadFile(
  aws: AwsWriter,
  alias: string,
  bucket: string,
  key: string,
  path: string,
  hooks: UploadHooks = {},
  partBytes = UPLOAD_PART_BYTES,
): Promise<string> {
  const size = statSync(path).size;
  const resource = `s3://${bucket}/${key}`;
  const fd = openSync(path, "r");
  try {
    if (size <= partBytes) {
      const body = readPart(fd, 0, size);
      const out = await aws.mutate(
        alias,
        "s3",
        new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "text/csv" }),
        resource,
      );
      return stripQuotes(out.ETag);
    }
    const created = await aws.mutate(
      alias,
      "s3",
      new s3.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: "text/csv" }),
      resource,
    );
    const uploadId = created.UploadId ?? "";
    hooks.onUploadId?.(uploadId);
    const parts: Array<{ PartNumber: number; ETag: string }> = [];
    for (let offset = 0, n = 1; offset < size; offset += partBytes, n++) {
      const body = readPart(fd, offset, Math.min(partBytes, size - offset));
      const part = await aws.mutate(
        alias,
        "s3",
        new s3.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body }),
        resource,
      );
      parts.push({ PartNumber: n, ETag: part.ETag ?? "" });
    }
    const done = await aws.mutate(
      alias,
      "s3",
      new s3.CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
      resource,
    );
    return stripQuotes(done.ETag);
  } finally {
    closeSync(fd);
  }
}

/** Best effort: an upload an earlier attempt left behind costs storage until it is aborted. */
export async function abortUpload(
  aws: AwsWriter,
  alias: string,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  try {
    await aws.mutate(
      alias,
      "s3",
      new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
      `s3://${bucket}/${key}`,
    );
  } catch {
    // Already completed or aborted: nothing left to clean. Anything else surfaces on the next call.
  }
}

export interface ObjectLine {
  line: string;
  /** Byte offset just after this line's newline: resume with `from: end`. */
  end: number;
}

/** Lines of s3://bucket/key from byte `from` (a Range request), with exact byte offsets. */
export async function* readLines(
  aws: AwsReader,
  alias: string,
  bucket: string,
  key: string,
  from = 0,
): AsyncGenerator<ObjectLine> {
  const out = await aws.read(
    alias,
    "s3",
    new s3.GetObjectCommand({ Bucket: bucket, Key: key, ...(from > 0 ? { Range: `bytes=${from}-` } : {}) }),
  );
  const body = out.Body as Readable | undefined;
  if (!body) {
    throw new HikkoshiError("S3_EMPTY_BODY", `s3://${bucket}/${key} came back without a body`, {
      resource: `s3://${bucket}/${key}`,
    });
  }
  let offset = from;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    const data: Buffer = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      offset += nl + 1 - start;
      yield { line: data.toString("utf8", start, nl).replace(/\r$/, ""), end: offset };
      start = nl + 1;
    }
    rest = data.subarray(start);
  }
  if (rest.length > 0) yield { line: rest.toString("utf8").replace(/\r$/, ""), end: offset + rest.length };
}
