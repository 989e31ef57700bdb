import { digest } from "../ids.js";
import { managedKey } from "../kms/keys.js";
import type { World } from "../world.js";
import { BytesBody, SyntheticBody, singlePartEtag } from "./body.js";
import { newVersionId, sseFor } from "./common.js";
import { ObjectGenerator } from "./generated.js";
import { esc } from "./list-common.js";
import { type Bucket, type ObjectAttributes, S3_XMLNS, type TagSet, type Version } from "./model.js";
import { addBucket } from "./names.js";
import { validateTags } from "./object-attributes.js";
import type { BucketSeedData, VersionSeedData } from "./seed.js";

const HOUR = 3_600_000;

function encryptionXml(world: World, seed: BucketSeedData, account: string, region: string): string | undefined {
  const e = seed.encryption;
  if (!e) return undefined;
  let keyXml = "";
  if (e.algorithm === "aws:kms" && e.kmsKey !== "aws/s3") {
    const state = world.accounts.get(account)?.regions.get(region);
    const alias = state?.aliases.get(e.kmsKey);
    const arn = alias ? state?.keys.get(alias.targetKeyId)?.arn : e.kmsKey;
    keyXml = `<KMSMasterKeyID>${esc(arn ?? e.kmsKey)}</KMSMasterKeyID>`;
  }
  if (e.algorithm === "aws:kms") managedKey(world, account, region, "s3");
  return `<ServerSideEncryptionConfiguration xmlns="${S3_XMLNS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${e.algorithm}</SSEAlgorithm>${keyXml}</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`;
}

function tagsXml(tags: Record<string, string>): string | undefined {
  const entries = Object.entries(tags);
  if (entries.length === 0) return undefined;
  const set = entries.map(([k, v]) => `<Tag><Key>${esc(k)}</Key><Value>${esc(v)}</Value></Tag>`).join("");
  return `<Tagging xmlns="${S3_XMLNS}"><TagSet>${set}</TagSet></Tagging>`;
}

const CONTENT_FIELDS = [
  "contentType",
  "contentEncoding",
  "contentDisposition",
  "contentLanguage",
  "cacheControl",
  "expires",
] as const;

/** A seeded version's attributes, checked as S3 would check them on a write. */
function seededAttributes(bucket: Bucket, v: VersionSeedData, problem: (p: string) => void): ObjectAttributes {
  const out: ObjectAttributes = {};
  for (const field of CONTENT_FIELDS) if (v[field] !== undefined) out[field] = v[field];
  const metadata = Object.entries(v.metadata ?? {}).map(([k, value]) => [k.toLowerCase(), value]);
  for (const [k] of metadata)
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(k!)) problem(`metadata: ${k} cannot be an HTTP header name`);
  if (metadata.length > 0) out.metadata = Object.fromEntries(metadata);
  const tags: TagSet = Object.entries(v.tags ?? {});
  const checked = validateTags(tags);
  if (!checked.ok) problem(`tags: ${checked.error.message}`);
  else if (tags.length > 0) out.tags = tags;
  if (v.checksum) {
    const type = v.checksum.type ?? (/-\d+$/.test(v.checksum.value) ? "COMPOSITE" : "FULL_OBJECT");
    out.checksum = { algorithm: v.checksum.algorithm, value: v.checksum.value, type };
  }
  const lock = v.objectLock;
  if (lock) {
    if (!bucket.objectLockEnabled) problem("objectLock: the bucket needs objectLock: true");
    if ((lock.mode === undefined) !== (lock.retainUntil === undefined))
      problem("objectLock: mode and retainUntil go together");
    out.objectLock = {
      ...(lock.mode ? { mode: lock.mode } : {}),
      ...(lock.retainUntil ? { retainUntil: Date.parse(lock.retainUntil) } : {}),
      ...(lock.legalHold !== undefined
        ? { legalHold: lock.legalHold === true || lock.legalHold === "ON" ? ("ON" as const) : ("OFF" as const) }
        : {}),
    };
  }
  return out;
}

/** Seeded versions are written oldest first, an hour apart, ending an hour before the seed's time. */
function populateObjects(
  world: World,
  bucket: Bucket,
  seed: BucketSeedData,
  now: number,
  problem: (p: string) => void,
): void {
  const sse = sseFor(world, bucket, undefined);
  for (const [i, o] of seed.objects.entries()) {
    if (bucket.versioning === "Unversioned" && (o.versions.length > 1 || o.versions.some((v) => v.deleteMarker))) {
      problem(`objects.${i}: an unversioned bucket keeps one version per key and no delete markers`);
      continue;
    }
    const history: Version[] = [];
    for (const [j, v] of o.versions.entries()) {
      const versionId = bucket.versioning === "Enabled" ? newVersionId(world) : "null";
      const lastModified = now - (o.versions.length - j) * HOUR;
      if (v.deleteMarker) {
        history.unshift({
          key: o.key,
          versionId,
          deleteMarker: true,
          size: 0,
          etag: "",
          lastModified,
          owner: bucket.owner,
        });
        continue;
      }
      const body =
        v.body !== undefined
          ? new BytesBody(Buffer.from(v.body, "utf8"))
          : new SyntheticBody(`${bucket.name}`, v.sizeBytes ?? 0, `\n${o.key} v${j}\n`);
      history.unshift({
        key: o.key,
        versionId,
        deleteMarker: false,
        body,
        size: body.size,
        etag: singlePartEtag(body),
        lastModified,
        ...seededAttributes(bucket, v, (p) => problem(`objects.${i}.versions.${j}.${p}`)),
        ...(v.storageClass && v.storageClass !== "STANDARD" ? { storageClass: v.storageClass } : {}),
        sse: sse.ok ? sse.value : undefined,
        owner: bucket.owner,
      });
    }
    bucket.objects.set(o.key, history);
  }
}

export function populateBucket(
  world: World,
  account: string,
  region: string,
  seed: BucketSeedData,
  now: number,
  problem: (p: string) => void,
): void {
  if (world.s3.buckets.has(seed.name)) {
    problem(`bucket ${seed.name} is declared twice (bucket names are global)`);
    return;
  }
  const generator = seed.generated
    ? new ObjectGenerator(seed.generated, seed.name, now, account, seed.versioning !== "Unversioned")
    : undefined;
  const bucket = addBucket(world, {
    name: seed.name,
    owner: account,
    region,
    now: now - 90 * 24 * HOUR,
    objectLock: seed.objectLock,
    generator,
    defaults: !seed.legacy,
  });
  bucket.versioning = seed.objectLock ? "Enabled" : seed.versioning;
  if (seed.listOrder) bucket.listOrder = seed.listOrder;
  const encryption = encryptionXml(world, seed, account, region);
  if (encryption) bucket.configs.set("encryption", encryption);
  const tags = tagsXml(seed.tags);
  if (tags) bucket.configs.set("tagging", tags);
  if (seed.policy !== undefined) {
    bucket.configs.set("policy", typeof seed.policy === "string" ? seed.policy : JSON.stringify(seed.policy));
  }
  for (const [name, xml] of Object.entries(seed.configs)) if (xml !== undefined) bucket.configs.set(name as never, xml);
  populateObjects(world, bucket, seed, now, problem);
  for (const [i, key] of seed.incompleteUploads.entries()) {
    const uploadId = Buffer.from(digest("s3-seed-upload", seed.name, i), "hex").toString("base64url");
    const body = new BytesBody(Buffer.alloc(0));
    bucket.uploads.set(uploadId, {
      uploadId,
      key,
      initiated: now - HOUR,
      owner: account,
      attributes: {},
      parts: new Map([[1, { partNumber: 1, body, etag: singlePartEtag(body), lastModified: now - HOUR }]]),
    });
  }
}
