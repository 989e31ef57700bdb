import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import { type Body, MD5_LIMIT, md5Of } from "./body.js";
import { CHECKSUM_ALGORITHMS, type Checksum, type ChecksumAlgorithm } from "./model.js";
import type { S3Request } from "./request.js";
import { type S3Outcome, s3Fail } from "./xml.js";

/**
 * S3's additional checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256), base64 of the big-endian digest as
 * on the wire. CRC32C and CRC64NVME are table-driven here (node has neither; zlib.crc32 only since 20.15),
 * and exact: the SDK validates GET bodies against what we answer.
 */

function reflectedTable(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = reflectedTable(0xedb88320);
const CRC32C_TABLE = reflectedTable(0x82f63b78);

function crc32With(table: Uint32Array, bytes: Uint8Array): Buffer {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out;
}

/** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), kept as two 32-bit halves: BigInt per byte is too slow. */
const CRC64_TABLE = (() => {
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  const poly = 0x9a6c9329ac4bc9b5n;
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    lo[i] = Number(c & 0xffffffffn);
    hi[i] = Number(c >> 32n);
  }
  return { lo, hi };
})();

function crc64nvme(bytes: Uint8Array): Buffer {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  const { lo: tLo, hi: tHi } = CRC64_TABLE;
  for (let i = 0; i < bytes.length; i++) {
    const idx = (lo ^ bytes[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ tLo[idx]!) >>> 0;
    hi = ((hi >>> 8) ^ tHi[idx]!) >>> 0;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
  return out;
}

/** zlib.crc32 (node ≥ 20.15) is several times faster than the table: every SDK PutObject carries a CRC32. */
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

function crc32(bytes: Uint8Array): Buffer {
  if (!zlibCrc32) return crc32With(CRC32_TABLE, bytes);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlibCrc32(bytes) >>> 0);
  return out;
}

function rawChecksum(algorithm: ChecksumAlgorithm, bytes: Uint8Array): Buffer {
  switch (algorithm) {
    case "CRC32":
      return crc32(bytes);
    case "CRC32C":
      return crc32With(CRC32C_TABLE, bytes);
    case "CRC64NVME":
      return crc64nvme(bytes);
    case "SHA1":
      return createHash("sha1").update(bytes).digest();
    case "SHA256":
      return createHash("sha256").update(bytes).digest();
  }
}

export function computeChecksum(algorithm: ChecksumAlgorithm, bytes: Uint8Array): string {
  return rawChecksum(algorithm, bytes).toString("base64");
}

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

const cache = new WeakMap<Body, Map<ChecksumAlgorithm, string>>();

/** The real checksum of a body small enough to read (cached per body), else undefined. */
export function checksumOfBody(algorithm: ChecksumAlgorithm, body: Body): string | undefined {
  if (body.size > MD5_LIMIT) return undefined;
  let known = cache.get(body);
  if (!known) {
    known = new Map();
    cache.set(body, known);
  }
  let value = known.get(algorithm);
  if (value === undefined) {
    value = computeChecksum(algorithm, body.read(0, body.size));
    known.set(algorithm, value);
  }
  return value;
}

/**
 * A full-object checksum for content: real when the bytes can be read, else a stand-in of the right length
 * derived from the content's MD5 (fake for huge content, but equal content gives equal values).
 */
export function contentChecksum(algorithm: ChecksumAlgorithm, body: Body | undefined): string {
  if (!body) return computeChecksum(algorithm, Buffer.alloc(0));
  const real = checksumOfBody(algorithm, body);
  if (real !== undefined) return real;
  const h = createHash("sha256")
    .update(`sim-checksum:${algorithm}:${md5Of(body)}`)
    .digest();
  return Buffer.concat([h, h]).subarray(0, DIGEST_BYTES[algorithm]).toString("base64");
}

/** A multipart upload's COMPOSITE checksum: the checksum of the parts' binary checksums, then `-<parts>`. */
export function compositeChecksum(algorithm: ChecksumAlgorithm, parts: readonly string[]): string {
  const joined = Buffer.concat(parts.map((p) => Buffer.from(p, "base64")));
  return `${computeChecksum(algorithm, joined)}-${parts.length}`;
}

export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** The checksum as S3 answers it in headers (PutObject, HEAD/GET with checksum mode). */
export function checksumHeaders(checksum: Checksum | undefined): Record<string, string> {
  if (!checksum) return {};
  return { [checksumHeader(checksum.algorithm)]: checksum.value, "x-amz-checksum-type": checksum.type };
}

/** The same as XML elements (CopyObjectResult, CompleteMultipartUploadResult): ChecksumCRC32…, ChecksumType. */
export function checksumElements(checksum: Checksum | undefined): Record<string, string> {
  if (!checksum) return {};
  return { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type };
}

export function parseAlgorithm(raw: string | undefined, header: string): S3Outcome<ChecksumAlgorithm | undefined> {
  if (raw === undefined || raw === "") return { ok: true, value: undefined };
  const upper = raw.toUpperCase();
  if ((CHECKSUM_ALGORITHMS as readonly string[]).includes(upper))
    return { ok: true, value: upper as ChecksumAlgorithm };
  return s3Fail("InvalidRequest", `Value for ${header} header is invalid.`, 400);
}

/**
 * The checksum a write carries, in a header or in the aws-chunked trailer, checked against the bytes
 * received (BadDigest otherwise, as S3 answers).
 */
export function sentChecksum(req: S3Request): S3Outcome<{ algorithm: ChecksumAlgorithm; value: string } | undefined> {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = checksumHeader(algorithm);
    const value = req.headers[name] ?? req.trailers[name];
    if (value === undefined) continue;
    if (computeChecksum(algorithm, req.body) !== value) {
      return s3Fail("BadDigest", `The ${algorithm} you specified did not match the calculated checksum.`, 400);
    }
    return { ok: true, value: { algorithm, value } };
  }
  return { ok: true, value: undefined };
}
