import { digest } from "../ids.js";
import { type Body, BytesBody, ConcatBody, md5Of, multipartEtag, SliceBody } from "./body.js";
import {
  bucketFor,
  isoDate,
  metadataOf,
  ownerXml,
  type S3Handler,
  sseFor,
  sseHeaders,
  storageClassOf,
  versionHeader,
  writeVersion,
} from "./common.js";
import { copySourceVersion, parseCopySource, tooLargeToCopy } from "./copy.js";
import { compareKeys } from "./keys.js";
import { type Bucket, MAX_COPY_SOURCE, type MultipartUpload, S3_XMLNS } from "./model.js";
import type { S3Request } from "./request.js";
import { many, parseXml, record, type S3Outcome, s3Fail, text, xmlReply } from "./xml.js";

const MIN_PART = 5 * 1024 * 1024;

function uploadOf(bucket: Bucket, req: S3Request): S3Outcome<MultipartUpload> {
  const id = req.query.get("uploadId") ?? "";
  const upload = bucket.uploads.get(id);
  if (upload && upload.key === req.key) return { ok: true, value: upload };
  return s3Fail(
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    404,
    { UploadId: id },
  );
}

function partNumberOf(req: S3Request): S3Outcome<number> {
  const n = Number(req.query.get("partNumber"));
  if (Number.isInteger(n) && n >= 1 && n <= 10_000) return { ok: true, value: n };
  return s3Fail("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400);
}

const CreateMultipartUpload: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:PutObject");
  if (!bucket.ok) return bucket;
  const sse = sseFor(ctx.world, bucket.value, req);
  if (!sse.ok) return sse;
  const storageClass = storageClassOf(req);
  if (!storageClass.ok) return storageClass;
  ctx.world.s3.uploadCounter += 1;
  const uploadId = Buffer.from(digest("s3-upload", ctx.world.s3.uploadCounter), "hex").toString("base64url");
  bucket.value.uploads.set(uploadId, {
    uploadId,
    key: req.key!,
    initiated: ctx.now,
    owner: ctx.account,
    contentType: req.headers["content-type"],
    metadata: metadataOf(req),
    sse: sse.value,
    ...(storageClass.value ? { storageClass: storageClass.value } : {}),
    parts: new Map(),
  });
  const reply = xmlReply(
    "InitiateMultipartUploadResult",
    { Bucket: bucket.value.name, Key: req.key, UploadId: uploadId },
    S3_XMLNS,
  );
  reply.headers = { ...reply.headers, ...sseHeaders(sse.value) };
  return { ok: true, value: reply };
};

const UploadPart: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:PutObject");
  if (!bucket.ok) return bucket;
  const upload = uploadOf(bucket.value, req);
  if (!upload.ok) return upload;
  const partNumber = partNumberOf(req);
  if (!partNumber.ok) return partNumber;
  const body = new BytesBody(Buffer.from(req.body));
  const etag = `"${md5Of(body)}"`;
  upload.value.parts.set(partNumber.value, { partNumber: partNumber.value, body, etag, lastModified: ctx.now });
  return { ok: true, value: { headers: { etag, ...sseHeaders(upload.value.sse) } } };
};

const UploadPartCopy: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:PutObject");
  if (!bucket.ok) return bucket;
  const upload = uploadOf(bucket.value, req);
  if (!upload.ok) return upload;
  const partNumber = partNumberOf(req);
  if (!partNumber.ok) return partNumber;
  const src = parseCopySource(req.headers["x-amz-copy-source"] ?? "");
  if (!src)
    return s3Fail("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", 400);
  const found = copySourceVersion(ctx.world, ctx.principal, src);
  if (!found.ok) return found;
  const source = found.value.version;
  const rangeHeader = req.headers["x-amz-copy-source-range"];
  let body: Body = source.body!;
  if (rangeHeader !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim());
    const start = Number(m?.[1]);
    const end = Number(m?.[2]) + 1;
    if (!m || start >= end || end > source.size) {
      return s3Fail("InvalidArgument", `Range specified is not valid for source object of size: ${source.size}`, 400, {
        ArgumentName: "x-amz-copy-source-range",
        ArgumentValue: rangeHeader,
      });
    }
    body = new SliceBody(source.body!, start, end);
  }
  if (body.size > MAX_COPY_SOURCE) return tooLargeToCopy();
  const etag = `"${md5Of(body)}"`;
  upload.value.parts.set(partNumber.value, { partNumber: partNumber.value, body, etag, lastModified: ctx.now });
  const reply = xmlReply("CopyPartResult", { ETag: etag, LastModified: isoDate(ctx.now) }, S3_XMLNS);
  if (found.value.bucket.versioning !== "Unversioned") {
    reply.headers = { ...reply.headers, "x-amz-copy-source-version-id": source.versionId };
  }
  return { ok: true, value: reply };
};

const CompleteMultipartUpload: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:PutObject");
  if (!bucket.ok) return bucket;
  const upload = uploadOf(bucket.value, req);
  if (!upload.ok) return upload;
  const listed = many(parseXml(req.text)?.Part).map((p) => ({
    n: Number(text(record(p).PartNumber)),
    etag: (text(record(p).ETag) ?? "").replace(/"/g, ""),
  }));
  if (listed.length === 0) {
    return s3Fail(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema",
      400,
    );
  }
  const parts = [];
  for (const [i, p] of listed.entries()) {
    if (i > 0 && p.n <= listed[i - 1]!.n) {
      return s3Fail(
        "InvalidPartOrder",
        "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
        400,
      );
    }
    const part = upload.value.parts.get(p.n);
    if (!part || part.etag.replace(/"/g, "") !== p.etag) {
      return s3Fail(
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        400,
        { UploadId: upload.value.uploadId, PartNumber: String(p.n), ETag: p.etag },
      );
    }
    if (i < listed.length - 1 && part.body.size < MIN_PART) {
      return s3Fail("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 400, {
        ProposedSize: String(part.body.size),
        MinSizeAllowed: String(MIN_PART),
        PartNumber: String(p.n),
      });
    }
    parts.push(part);
  }
  const body = new ConcatBody(parts.map((p) => p.body));
  const u = upload.value;
  const version = writeVersion(ctx.world, bucket.value, {
    key: u.key,
    deleteMarker: false,
    body,
    size: body.size,
    etag: multipartEtag(parts.map((p) => p.etag)),
    lastModified: ctx.now,
    contentType: u.contentType,
    metadata: u.metadata,
    sse: u.sse,
    ...(u.storageClass ? { storageClass: u.storageClass } : {}),
    owner: ctx.account,
  });
  bucket.value.uploads.delete(u.uploadId);
  const reply = xmlReply(
    "CompleteMultipartUploadResult",
    {
      Location: `http://${bucket.value.name}.s3.amazonaws.com/${encodeURI(u.key)}`,
      Bucket: bucket.value.name,
      Key: u.key,
      ETag: version.etag,
    },
    S3_XMLNS,
  );
  reply.headers = { ...reply.headers, ...versionHeader(bucket.value, version), ...sseHeaders(version.sse) };
  return { ok: true, value: reply };
};

const AbortMultipartUpload: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:AbortMultipartUpload");
  if (!bucket.ok) return bucket;
  const upload = uploadOf(bucket.value, req);
  if (!upload.ok) return upload;
  bucket.value.uploads.delete(upload.value.uploadId);
  return { ok: true, value: { status: 204 } };
};

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
        })),
        StorageClass: upload.value.storageClass ?? "STANDARD",
      },
      S3_XMLNS,
    ),
  };
};

export const multipartActions: Record<string, S3Handler> = {
  CreateMultipartUpload,
  UploadPart,
  UploadPartCopy,
  CompleteMultipartUpload,
  AbortMultipartUpload,
  ListMultipartUploads,
  ListParts,
};
