import { bucketFor, isoDate, ownerXml, type S3Handler } from "./common.js";
import { compareKeys } from "./keys.js";
import { S3_XMLNS } from "./model.js";
import { uploadOf } from "./multipart.js";
import { xmlReply } from "./xml.js";

const ListMultipartUploads: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:ListBucketMultipartUploads");
  if (!bucket.ok) return bucket;
  const prefix = req.query.get("prefix") ?? "";
  const keyMarker = req.query.get("key-marker") ?? "";
  const idMarker = req.query.get("upload-id-marker") ?? "";
  const max = Math.min(1000, Number(req.query.get("max-uploads") ?? 1000) || 1000);
  const all = [...bucket.value.uploads.values()]
    .filter((u) => u.key.startsWith(prefix))
    .sort((a, b) => compareKeys(a.key, b.key) || a.initiated - b.initiated || (a.uploadId < b.uploadId ? -1 : 1));
  let start = 0;
  if (keyMarker !== "") {
    start = all.findIndex((u) => {
      const c = compareKeys(u.key, keyMarker);
      return c > 0 || (c === 0 && idMarker !== "" && u.uploadId > idMarker);
    });
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + max);
  const truncated = start + max < all.length;
  const last = page[page.length - 1];
  const owner = ownerXml(ctx.world, bucket.value.owner);
  return {
    ok: true,
    value: xmlReply(
      "ListMultipartUploadsResult",
      {
        Bucket: bucket.value.name,
        KeyMarker: keyMarker,
        UploadIdMarker: idMarker,
        NextKeyMarker: truncated ? last?.key : undefined,
        NextUploadIdMarker: truncated ? last?.uploadId : undefined,
        Prefix: prefix || undefined,
        MaxUploads: max,
        IsTruncated: truncated,
        Upload: page.map((u) => ({
          Key: u.key,
          UploadId: u.uploadId,
          Initiator: ownerXml(ctx.world, u.owner),
          Owner: owner,
          StorageClass: u.storageClass ?? "STANDARD",
          Initiated: isoDate(u.initiated),
        })),
      },
      S3_XMLNS,
    ),
  };
};

const ListParts: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:ListMultipartUploadParts");
  if (!bucket.ok) return bucket;
  const upload = uploadOf(bucket.value, req);
  if (!upload.ok) return upload;
  const marker = Number(req.query.get("part-number-marker") ?? 0) || 0;
  const max = Math.min(1000, Number(req.query.get("max-parts") ?? 1000) || 1000);
  const all = [...upload.value.parts.values()]
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const page = all.slice(0, max);
  const truncated = all.length > max;
  const algorithm = upload.value.checksumAlgorithm;
  return {
    ok: true,
    value: xmlReply(
      "ListPartsResult",
      {
        Bucket: bucket.value.name,
        Key: upload.value.key,
        UploadId: upload.value.uploadId,
        PartNumberMarker: marker,
        NextPartNumberMarker: page[page.length - 1]?.partNumber,
        MaxParts: max,
        IsTruncated: truncated,
        Part: page.map((p) => ({
          PartNumber: p.partNumber,
          LastModified: isoDate(p.lastModified),
          ETag: p.etag,
          Size: p.body.size,
          ...(algorithm && p.checksum ? { [`Checksum${algorithm}`]: p.checksum } : {}),
        })),
        StorageClass: upload.value.storageClass ?? "STANDARD",
        ChecksumAlgorithm: algorithm,
        ChecksumType: upload.value.checksumType,
      },
      S3_XMLNS,
    ),
  };
};

export const multipartListActions: Record<string, S3Handler> = { ListMultipartUploads, ListParts };
