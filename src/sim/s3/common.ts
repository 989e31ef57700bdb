import { digest } from "../ids.js";
import { managedKey, resolveKey } from "../kms/keys.js";
import type { CallContext } from "../protocol/types.js";
import type { World } from "../world.js";
import { authorize, checkRegion, findBucket } from "./access.js";
import { type Bucket, type Sse, STORAGE_CLASSES, type StorageClass, type Version } from "./model.js";
import type { S3Request } from "./request.js";
import { parseXml, record, type S3Outcome, type S3Reply, s3Fail, text } from "./xml.js";

export type S3Handler = (ctx: CallContext, req: S3Request) => S3Outcome<S3Reply>;

/** The bucket of a request, checked: exists, addressed in its region, and the caller may do `action`. */
export function bucketFor(
  ctx: CallContext,
  req: S3Request,
  action: string,
  options: { anyRegion?: boolean } = {},
): S3Outcome<Bucket> {
  const found = findBucket(ctx.world, req.bucket);
  if (!found.ok) return found;
  if (!options.anyRegion) {
    const region = checkRegion(found.value, ctx.region);
    if (!region.ok) return region;
  }
  return authorize(found.value, ctx.principal, action, req.key);
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._";

/** 32 characters of [A-Za-z0-9._], like S3's, deterministic from a world-wide counter. */
export function newVersionId(world: World): string {
  world.s3.versionCounter += 1;
  const h = digest("s3-version", world.s3.versionCounter);
  let out = "";
  for (let i = 0; out.length < 32; i += 2) out += ALPHABET[Number.parseInt(h.slice(i, i + 2), 16) % 64];
  return out;
}

export function canonicalId(account: string): string {
  return digest("s3-canonical-user", account);
}

export function ownerXml(world: World, account: string): Record<string, string> {
  return { DisplayName: world.accounts.get(account)?.name || `sim-${account}`, ID: canonicalId(account) };
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/** x-amz-version-id is answered once a bucket has had versioning (Enabled or Suspended). */
export function versionHeader(bucket: Bucket, v: Version): Record<string, string> {
  return bucket.versioning === "Unversioned" && v.versionId === "null" ? {} : { "x-amz-version-id": v.versionId };
}

export function sseHeaders(sse: Sse | undefined): Record<string, string> {
  if (!sse) return {};
  const out: Record<string, string> = { "x-amz-server-side-encryption": sse.algorithm };
  if (sse.kmsKeyArn) out["x-amz-server-side-encryption-aws-kms-key-id"] = sse.kmsKeyArn;
  return out;
}

/** The bucket's default encryption: SSE-S3 unless a configuration says SSE-KMS. */
export function bucketDefaultSse(bucket: Bucket): { algorithm: string; kmsKeyId?: string } {
  const doc = parseXml(bucket.configs.get("encryption") ?? "");
  const rule = record(Array.isArray(doc?.Rule) ? doc.Rule[0] : doc?.Rule);
  const def = record(rule.ApplyServerSideEncryptionByDefault);
  const algorithm = text(def.SSEAlgorithm) ?? "AES256";
  return { algorithm, kmsKeyId: text(def.KMSMasterKeyID) };
}

/**
 * Encryption of an object written to `bucket`: the request's headers, else the bucket default. SSE-KMS
 * without a key, or naming aws/s3, uses the bucket owner's AWS managed key aws/s3.
 */
export function sseFor(world: World, bucket: Bucket, req: S3Request | undefined): S3Outcome<Sse> {
  const requested = req?.headers["x-amz-server-side-encryption"];
  const def = bucketDefaultSse(bucket);
  const algorithm = requested ?? def.algorithm;
  if (algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse") return { ok: true, value: { algorithm: "AES256" } };
  const ref = requested ? req?.headers["x-amz-server-side-encryption-aws-kms-key-id"] : def.kmsKeyId;
  if (ref === undefined || ref === "alias/aws/s3" || ref.endsWith(":alias/aws/s3")) {
    return {
      ok: true,
      value: { algorithm: "aws:kms", kmsKeyArn: managedKey(world, bucket.owner, bucket.region, "s3").arn },
    };
  }
  const key = resolveKey(world, bucket.owner, bucket.region, ref);
  if (key.ok) return { ok: true, value: { algorithm: "aws:kms", kmsKeyArn: key.value.arn } };
  if (ref.startsWith("arn:aws:kms:")) return { ok: true, value: { algorithm: "aws:kms", kmsKeyArn: ref } };
  return s3Fail("KMS.NotFoundException", `Invalid keyId ${ref}`, 400);
}

/** `x-amz-storage-class` of a write: absent → undefined (STANDARD), unknown → InvalidStorageClass. */
export function storageClassOf(req: S3Request | undefined): S3Outcome<StorageClass | undefined> {
  const raw = req?.headers["x-amz-storage-class"];
  if (raw === undefined) return { ok: true, value: undefined };
  if (!(STORAGE_CLASSES as readonly string[]).includes(raw))
    return s3Fail("InvalidStorageClass", "The storage class you specified is not valid", 400, {
      StorageClassRequested: raw,
    });
  return { ok: true, value: raw === "STANDARD" ? undefined : (raw as StorageClass) };
}

/** S3 answers `x-amz-storage-class` on GET/HEAD only for classes other than STANDARD. */
export function storageClassHeaders(storageClass: StorageClass | undefined): Record<string, string> {
  return storageClass && storageClass !== "STANDARD" ? { "x-amz-storage-class": storageClass } : {};
}

/**
 * Write a new entry on top of a key's history. Versioning Enabled: a new version id. Unversioned or
 * Suspended: the "null" version is replaced.
 */
export function writeVersion(world: World, bucket: Bucket, entry: Omit<Version, "versionId">): Version {
  const versionId = bucket.versioning === "Enabled" ? newVersionId(world) : "null";
  const version: Version = { ...entry, versionId };
  bucket.objects.update(entry.key, (history) => [
    version,
    ...history.filter((v) => v.versionId !== "null" || versionId !== "null"),
  ]);
  return version;
}

export function findVersion(bucket: Bucket, key: string, versionId: string | undefined): Version | undefined {
  const history = bucket.objects.get(key);
  return versionId === undefined ? history[0] : history.find((v) => v.versionId === versionId);
}

/** Change one version in place (its tags, retention…): by id, since generated histories are rebuilt on read. */
export function changeVersion(bucket: Bucket, target: Version, change: (v: Version) => Version): void {
  bucket.objects.update(target.key, (history) =>
    history.map((v) => (v.versionId === target.versionId && !v.deleteMarker ? change(v) : v)),
  );
}
