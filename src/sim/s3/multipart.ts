import { digest } from "../ids.js";
import { type Body, BytesBody, ConcatBody, md5Of, multipartEtag, SliceBody } from "./body.js";
import { checksumElements, checksumHeader, contentChecksum } from "./checksum.js";
import {
  bucketFor,
  isoDate,
  type S3Handler,
  sseFor,
  sseHeaders,
  storageClassOf,
  versionHeader,
  writeVersion,
} from "./common.js";
import { copySourceVersion, parseCopySource, tooLargeToCopy } from "./copy.js";
import { type Bucket, MAX_COPY_SOURCE, type MultipartUpload, type UploadPart as Part, S3_XMLNS } from "./model.js";
import { completedChecksum, partChecksum, uploadChecksum } from "./multipart-checksum.js";
import { writeAttributes } from "./object-attributes.js";
import type { S3Request } from "./request.js";
import { many, parseXml, record, type S3Outcome, s3Fail, text, xmlReply } from "./xml.js";

const MIN_PART = 5 * 1024 * 1024;

export function uploadOf(bucket: Bucket, req: S3Request): S3Outcome<MultipartUpload> {
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

/** The object's attributes come from this request's headers, never from a copied part's source (as on AWS). */
const CreateMultipartUpload: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:PutObject");
  if (!bucket.ok) return bucket;
  const sse = sseFor(ctx.world, bucket.value, req);
  if (!sse.ok) return sse;
  const storageClass = storageClassOf(req);
  if (!storageClass.ok) return storageClass;
  const attributes = writeAttributes(req, bucket.value, ctx.now);
  if (!attributes.ok) return attributes;
  const checksum = uploadChecksum(req);
  if (!checksum.ok) return checksum;
  const { algorithm, type } = checksum.value;
  ctx.world.s3.uploadCounter += 1;
  const uploadId = Buffer.from(digest("s3-upload", ctx.world.s3.uploadCounter), "hex").toString("base64url");
  bucket.value.uploads.set(uploadId, {
    uploadId,
    key: req.key!,
    initiated: ctx.now,
    owner: ctx.account,
    attributes: attributes.value,
    ...(algorithm ? { checksumAlgorithm: algorithm, checksumType: type } : {}),
    sse: sse.value,
    ...(storageClass.value ? { storageClass: storageClass.value } : {}),
    parts: new Map(),
  });
  const reply = xmlReply(
    "InitiateMultipartUploadResult",
    { Bucket: bucket.value.name, Key: req.key, UploadId: uploadId },
    S3_XMLNS,
  );
  reply.headers = {
    ...reply.headers,
    ...sseHeaders(sse.value),
    ...(algorithm ? { "x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": type! } : {}),
  };
  return { ok: true, value: reply };
};

function storePart(upload: MultipartUpload, n: number, body: Body, now: number, checksum?: string): Part {
  const part = { partNumber: n, body, etag: `"${md5Of(body)}"`, lastModified: now, ...(checksum ? { checksum } : {}) };
  upload.parts.set(n, part);
  return part;
}

const UploadPart: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:PutObject");
  if (!bucket.ok) return bucket;
  const upload = uploadOf(bucket.value, req);
  if (!upload.ok) return upload;
  const partNumber = partNumberOf(req);
  if (!partNumber.ok) return partNumber;
  const checksum = partChecksum(req, upload.value);
  if (!checksum.ok) return checksum;
  const algorithm = upload.value.checksumAlgorithm;
  const body = new BytesBody(Buffer.from(req.body));
  const part = storePart(upload.value, partNumber.value, body, ctx.now, checksum.value);
  const headers = { etag: part.etag, ...sseHeaders(upload.value.sse) };
  if (algorithm && checksum.value) Object.assign(headers, { [checksumHeader(algorithm)]: checksum.value });
  return { ok: true, value: { headers } };
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
  const expectedOwner = req.headers["x-amz-source-expected-bucket-owner"];
  const found = copySourceVersion(ctx.world, ctx.principal, src, expectedOwner);
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
  const algorithm = upload.value.checksumAlgorithm;
  const checksum = algorithm ? contentChecksum(algorithm, body) : undefined;
  const part = storePart(upload.value, partNumber.value, body, ctx.now, checksum);
  const result = { ETag: part.etag, LastModified: isoDate(ctx.now) };
  if (algorithm && checksum) Object.assign(result, { [`Checksum${algorithm}`]: checksum });
  const reply = xmlReply("CopyPartResult", result, S3_XMLNS);
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
  const checksum = completedChecksum(req, u, parts, body);
  if (!checksum.ok) return checksum;
  const version = writeVersion(ctx.world, bucket.value, {
    key: u.key,
    deleteMarker: false,
    body,
    size: body.size,
    etag: multipartEtag(parts.map((p) => p.etag)),
    lastModified: ctx.now,
    ...u.attributes,
    ...(checksum.value ? { checksum: checksum.value } : {}),
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
      ...checksumElements(version.checksum),
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

export const multipartActions: Record<string, S3Handler> = {
  CreateMultipartUpload,
  UploadPart,
  UploadPartCopy,
  CompleteMultipartUpload,
  AbortMultipartUpload,
};
