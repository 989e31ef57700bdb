import type { Body } from "./body.js";
import {
  checksumHeader,
  checksumOfBody,
  compositeChecksum,
  computeChecksum,
  contentChecksum,
  parseAlgorithm,
  sentChecksum,
} from "./checksum.js";
import type { Checksum, ChecksumAlgorithm, MultipartUpload, UploadPart } from "./model.js";
import type { S3Request } from "./request.js";
import { type S3Outcome, s3Fail } from "./xml.js";

/**
 * `x-amz-checksum-algorithm` / `x-amz-checksum-type` of CreateMultipartUpload. The type defaults to
 * FULL_OBJECT for CRC64NVME and COMPOSITE otherwise; SHA checksums cannot be FULL_OBJECT, CRC64NVME
 * cannot be COMPOSITE.
 */
export function uploadChecksum(req: S3Request): S3Outcome<{ algorithm?: ChecksumAlgorithm; type?: Checksum["type"] }> {
  const algorithm = parseAlgorithm(req.headers["x-amz-checksum-algorithm"], "x-amz-checksum-algorithm");
  if (!algorithm.ok) return algorithm;
  const rawType = req.headers["x-amz-checksum-type"]?.toUpperCase();
  if (rawType !== undefined && rawType !== "FULL_OBJECT" && rawType !== "COMPOSITE")
    return s3Fail("InvalidRequest", "Value for x-amz-checksum-type header is invalid.", 400);
  const a = algorithm.value;
  if (a === undefined) {
    if (rawType === undefined) return { ok: true, value: {} };
    return s3Fail(
      "InvalidRequest",
      "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
      400,
    );
  }
  const type = rawType ?? (a === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE");
  if ((type === "FULL_OBJECT" && a.startsWith("SHA")) || (type === "COMPOSITE" && a === "CRC64NVME")) {
    return s3Fail(
      "InvalidRequest",
      `The ${type} checksum type cannot be used with the ${a.toLowerCase()} checksum algorithm.`,
      400,
    );
  }
  return { ok: true, value: { algorithm: a, type } };
}

/**
 * A part's checksum is kept in the upload's algorithm: the one the part carries (checked against its bytes),
 * or computed. Parts of an upload without an algorithm keep none (the SDK sends CRC32 with every part).
 */
export function partChecksum(req: S3Request, upload: MultipartUpload): S3Outcome<string | undefined> {
  const sent = sentChecksum(req);
  if (!sent.ok) return sent;
  const algorithm = upload.checksumAlgorithm;
  if (!algorithm) return { ok: true, value: undefined };
  if (sent.value && sent.value.algorithm !== algorithm) {
    return s3Fail(
      "InvalidRequest",
      `Checksum Type mismatch occurred, expected checksum Type: ${algorithm.toLowerCase()}, actual checksum Type: ${sent.value.algorithm.toLowerCase()}`,
      400,
    );
  }
  return { ok: true, value: sent.value?.value ?? computeChecksum(algorithm, req.body) };
}

/**
 * The completed object's checksum: COMPOSITE = the checksum of the part checksums plus `-<parts>`;
 * FULL_OBJECT = the checksum of the whole content (S3 combines the part CRCs, which comes to the same), checked
 * against the one the request carries when the bytes are known.
 */
export function completedChecksum(
  req: S3Request,
  u: MultipartUpload,
  parts: readonly UploadPart[],
  body: Body,
): S3Outcome<Checksum | undefined> {
  const algorithm = u.checksumAlgorithm;
  if (!algorithm) return { ok: true, value: undefined };
  if (u.checksumType === "COMPOSITE") {
    const value = compositeChecksum(
      algorithm,
      parts.map((p) => p.checksum ?? contentChecksum(algorithm, p.body)),
    );
    return { ok: true, value: { algorithm, value, type: "COMPOSITE" } };
  }
  const computed = contentChecksum(algorithm, body);
  const sent = req.headers[checksumHeader(algorithm)];
  if (sent !== undefined && checksumOfBody(algorithm, body) !== undefined && sent !== computed)
    return s3Fail("BadDigest", `The ${algorithm} you specified did not match the calculated checksum.`, 400);
  return { ok: true, value: { algorithm, value: sent ?? computed, type: "FULL_OBJECT" } };
}
