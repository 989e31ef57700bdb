/**
 * The files of an export, laid out as AWS writes them (DynamoDB Developer Guide, "DynamoDB table export output
 * format"): `<prefix>/AWSDynamoDB/<exportId>/` holds `_started` (empty, at the start), `manifest-summary.json`,
 * `manifest-files.json` (one JSON line per data file), their `.checksum` files (MD5 hex), and
 * `data/<name>.json.gz`: gzip of one `{"Item":{…}}` DynamoDB-JSON line per item. Items are spread over the
 * data files by partition-key hash (one file per 50,000 items, at least one), as AWS writes one or more
 * files per partition.
 */
import { gzipSync } from "node:zlib";
import { digest } from "../ids.js";
import { BytesBody, md5, singlePartEtag } from "../s3/body.js";
import { writeVersion } from "../s3/common.js";
import type { Sse } from "../s3/model.js";
import type { World } from "../world.js";
import { hashOf, segmentOf } from "./items.js";
import type { TableExport } from "./model.js";
import { exportBase } from "./render.js";

const ITEMS_PER_FILE = 50_000;

function writer(world: World, e: TableExport, at: number) {
  const bucket = world.s3.buckets.get(e.params.bucket);
  const sse: Sse =
    e.params.sseAlgorithm === "KMS"
      ? { algorithm: "aws:kms", ...(e.params.sseKmsKeyId ? { kmsKeyArn: e.params.sseKmsKeyId } : {}) }
      : { algorithm: "AES256" };
  return (key: string, bytes: Buffer, contentType: string) => {
    if (!bucket) return;
    const body = new BytesBody(bytes);
    writeVersion(world, bucket, {
      key,
      deleteMarker: false,
      body,
      size: body.size,
      etag: singlePartEtag(body),
      lastModified: at,
      contentType,
      sse,
      owner: bucket.owner,
    });
  };
}

/** The empty `_started` marker AWS writes when an export begins. */
export function writeStarted(world: World, e: TableExport): void {
  writer(world, e, e.startedAt)(`${exportBase(e)}/_started`, Buffer.alloc(0), "binary/octet-stream");
}

function writeFiles(world: World, e: TableExport): void {
  const table = world.dynamodb.tables.get(e.params.tableArn);
  const put = writer(world, e, e.endsAt);
  const base = exportBase(e);
  const count = table?.items.count ?? 0;
  const files = Math.max(1, Math.ceil(count / ITEMS_PER_FILE));
  const lines: string[][] = Array.from({ length: files }, () => []);
  for (let i = 0; table && i < table.items.positions; i++) {
    const item = table.items.at(i);
    if (!item) continue;
    lines[segmentOf(hashOf(item, table.keySchema), files)]?.push(JSON.stringify({ Item: item }));
  }
  const manifestLines = lines.map((group, n) => {
    const bytes = gzipSync(Buffer.from(group.length > 0 ? `${group.join("\n")}\n` : "", "utf8"));
    const key = `${base}/data/${digest("dynamodb-export-file", e.arn, n).slice(0, 26)}.json.gz`;
    put(key, bytes, "application/x-gzip");
    return JSON.stringify({
      itemCount: group.length,
      md5Checksum: Buffer.from(md5(bytes), "hex").toString("base64"),
      etag: md5(bytes),
      dataFileS3Key: key,
    });
  });
  const manifestFiles = `${manifestLines.join("\n")}\n`;
  const iso = (ms: number) => new Date(ms).toISOString();
  const summary = JSON.stringify({
    version: "2020-06-30",
    exportArn: e.arn,
    startTime: iso(e.startedAt),
    endTime: iso(e.endsAt),
    tableArn: e.params.tableArn,
    tableId: e.tableId,
    exportTime: iso(e.exportTime),
    s3Bucket: e.params.bucket,
    s3Prefix: e.params.prefix ?? null,
    s3SseAlgorithm: e.params.sseAlgorithm ?? "AES256",
    s3SseKmsKeyId: e.params.sseKmsKeyId ?? null,
    manifestFilesS3Key: `${base}/manifest-files.json`,
    billedSizeBytes: e.sizeBytes,
    itemCount: e.itemCount,
    outputFormat: e.params.format,
    exportType: "FULL_EXPORT",
  });
  put(`${base}/manifest-files.json`, Buffer.from(manifestFiles), "application/json");
  put(`${base}/manifest-files.checksum`, Buffer.from(md5(manifestFiles)), "binary/octet-stream");
  put(`${base}/manifest-summary.json`, Buffer.from(summary), "application/json");
  put(`${base}/manifest-summary.checksum`, Buffer.from(md5(summary)), "binary/octet-stream");
}

/** Exports whose virtual end has passed get their files (once). Run before every call and every dump. */
export function settleExports(world: World, now: number): void {
  for (const e of world.dynamodb.exports.values()) {
    if (e.written || e.failure || now < e.endsAt) continue;
    e.written = true;
    writeFiles(world, e);
  }
}
