import type { RawRequest } from "../protocol/types.js";

/** An S3 request with its bucket and key found (path-style or virtual-host) and its body de-chunked. */
export interface S3Request {
  method: string;
  bucket?: string;
  key?: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Trailing headers of an aws-chunked body (lower-case names): where streamed uploads put their checksum. */
  trailers: Record<string, string | undefined>;
  /** The body as UTF-8 (XML documents, policies). */
  text: string;
}

/** Host names that carry no bucket: IP literals, `localhost`, and the service endpoints themselves. */
function bucketFromHost(host: string | undefined): string | undefined {
  const name = (host ?? "").replace(/:\d+$/, "").toLowerCase();
  if (name === "" || name === "localhost" || /^[\d.]+$/.test(name) || name.startsWith("[")) return undefined;
  const aws = /^(.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com$/.exec(name);
  if (aws) return aws[1];
  if (/^s3[.-]/.test(name)) return undefined;
  const dot = name.indexOf(".");
  return dot > 0 ? name.slice(0, dot) : undefined;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `aws-chunked` (what the SDK sends for streamed bodies with a trailing checksum) → the plain bytes and trailers. */
export function dechunk(bytes: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const eol = bytes.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = Number.parseInt(bytes.subarray(at, eol).toString("latin1").split(";")[0] ?? "", 16);
    if (!Number.isFinite(size)) break;
    if (size === 0) {
      at = eol + 2;
      break;
    }
    out.push(bytes.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of bytes.subarray(at).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(out), trailers };
}

function isChunked(req: RawRequest): boolean {
  return (
    (req.headers["content-encoding"] ?? "").includes("aws-chunked") ||
    (req.headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING-")
  );
}

export function readS3Request(req: RawRequest): S3Request {
  const hostBucket = bucketFromHost(req.headers.host);
  const segments = req.rawPath.split("/").slice(1);
  let bucket: string | undefined;
  let keyParts: string[];
  if (hostBucket !== undefined) {
    bucket = hostBucket;
    keyParts = segments;
  } else {
    bucket = segments[0] ? decodeSegment(segments[0]) : undefined;
    keyParts = segments.slice(1);
  }
  const keyText = keyParts.join("/");
  const { body, trailers } = isChunked(req) ? dechunk(req.bytes) : { body: req.bytes, trailers: {} };
  return {
    method: req.method.toUpperCase(),
    bucket,
    key: keyText === "" ? undefined : decodeSegment(keyText),
    query: req.query,
    headers: req.headers,
    body,
    trailers,
    text: body.toString("utf8"),
  };
}

/** Bucket subresources that have their own Put/Get/Delete operations. */
const BUCKET_SUBRESOURCES: Record<string, { put: string; get: string; delete?: string }> = {
  versioning: { put: "PutBucketVersioning", get: "GetBucketVersioning" },
  encryption: { put: "PutBucketEncryption", get: "GetBucketEncryption", delete: "DeleteBucketEncryption" },
  lifecycle: {
    put: "PutBucketLifecycleConfiguration",
    get: "GetBucketLifecycleConfiguration",
    delete: "DeleteBucketLifecycle",
  },
  tagging: { put: "PutBucketTagging", get: "GetBucketTagging", delete: "DeleteBucketTagging" },
  cors: { put: "PutBucketCors", get: "GetBucketCors", delete: "DeleteBucketCors" },
  website: { put: "PutBucketWebsite", get: "GetBucketWebsite", delete: "DeleteBucketWebsite" },
  ownershipControls: {
    put: "PutBucketOwnershipControls",
    get: "GetBucketOwnershipControls",
    delete: "DeleteBucketOwnershipControls",
  },
  publicAccessBlock: { put: "PutPublicAccessBlock", get: "GetPublicAccessBlock", delete: "DeletePublicAccessBlock" },
  policy: { put: "PutBucketPolicy", get: "GetBucketPolicy", delete: "DeleteBucketPolicy" },
  notification: { put: "PutBucketNotificationConfiguration", get: "GetBucketNotificationConfiguration" },
  replication: { put: "PutBucketReplication", get: "GetBucketReplication", delete: "DeleteBucketReplication" },
  "object-lock": { put: "PutObjectLockConfiguration", get: "GetObjectLockConfiguration" },
  logging: { put: "PutBucketLogging", get: "GetBucketLogging" },
  requestPayment: { put: "PutBucketRequestPayment", get: "GetBucketRequestPayment" },
  acl: { put: "PutBucketAcl", get: "GetBucketAcl" },
  accelerate: { put: "PutBucketAccelerateConfiguration", get: "GetBucketAccelerateConfiguration" },
  location: { put: "PutBucketLocation", get: "GetBucketLocation" },
  policyStatus: { put: "PutBucketPolicyStatus", get: "GetBucketPolicyStatus" },
};

function bucketOperation(r: S3Request): string {
  const q = r.query;
  if (r.method === "POST" && q.has("delete")) return "DeleteObjects";
  if (r.method === "HEAD") return "HeadBucket";
  if (r.method === "GET") {
    if (q.has("versions")) return "ListObjectVersions";
    if (q.has("uploads")) return "ListMultipartUploads";
    if (q.get("list-type") === "2") return "ListObjectsV2";
  }
  for (const [name, ops] of Object.entries(BUCKET_SUBRESOURCES)) {
    if (!q.has(name)) continue;
    if (r.method === "PUT") return ops.put;
    if (r.method === "GET") return ops.get;
    if (r.method === "DELETE") return ops.delete ?? `Delete${ops.get.slice(3)}`;
  }
  if (r.method === "PUT") return "CreateBucket";
  if (r.method === "DELETE") return "DeleteBucket";
  if (r.method === "GET") return "ListObjects";
  return `Unsupported${r.method}Bucket`;
}

function objectOperation(r: S3Request): string {
  const q = r.query;
  const copy = r.headers["x-amz-copy-source"] !== undefined;
  switch (r.method) {
    case "PUT":
      if (q.has("uploadId")) return copy ? "UploadPartCopy" : "UploadPart";
      if (q.has("tagging")) return "PutObjectTagging";
      if (q.has("retention")) return "PutObjectRetention";
      if (q.has("legal-hold")) return "PutObjectLegalHold";
      if (q.has("acl")) return "PutObjectAcl";
      return copy ? "CopyObject" : "PutObject";
    case "GET":
      if (q.has("uploadId")) return "ListParts";
      if (q.has("tagging")) return "GetObjectTagging";
      if (q.has("retention")) return "GetObjectRetention";
      if (q.has("legal-hold")) return "GetObjectLegalHold";
      if (q.has("acl")) return "GetObjectAcl";
      if (q.has("attributes")) return "GetObjectAttributes";
      return "GetObject";
    case "HEAD":
      return "HeadObject";
    case "DELETE":
      if (q.has("uploadId")) return "AbortMultipartUpload";
      if (q.has("tagging")) return "DeleteObjectTagging";
      return "DeleteObject";
    case "POST":
      if (q.has("uploads")) return "CreateMultipartUpload";
      if (q.has("uploadId")) return "CompleteMultipartUpload";
      if (q.has("restore")) return "RestoreObject";
      return "PostObject";
    default:
      return `Unsupported${r.method}Object`;
  }
}

/** The S3 operation a request is, from its method, bucket/key and subresources (the SDK's `x-id` is a hint). */
export function operationOf(r: S3Request): string {
  if (r.bucket === undefined) return r.method === "GET" ? "ListBuckets" : `Unsupported${r.method}Service`;
  return r.key === undefined ? bucketOperation(r) : objectOperation(r);
}
