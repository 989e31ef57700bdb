import type { World } from "../world.js";
import type { ObjectGenerator } from "./generated.js";
import { type Bucket, type ConfigName, S3_XMLNS, type S3State } from "./model.js";
import { ObjectStore } from "./store.js";

/** What every new bucket has had since April 2023: owner-enforced ownership and all public access blocked. */
export const DEFAULT_CONFIGS: [ConfigName, string][] = [
  [
    "ownershipControls",
    `<OwnershipControls xmlns="${S3_XMLNS}"><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`,
  ],
  [
    "publicAccessBlock",
    `<PublicAccessBlockConfiguration xmlns="${S3_XMLNS}"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
  ],
];

export interface NewBucket {
  name: string;
  owner: string;
  region: string;
  now: number;
  objectLock?: boolean;
  generator?: ObjectGenerator;
  /** false: a bucket from before the 2023 defaults (no ownership controls, no public access block). */
  defaults?: boolean;
}

export function addBucket(world: World, spec: NewBucket): Bucket {
  const bucket: Bucket = {
    name: spec.name,
    owner: spec.owner,
    region: spec.region,
    createdAt: spec.now,
    versioning: spec.objectLock ? "Enabled" : "Unversioned",
    objectLockEnabled: spec.objectLock ?? false,
    configs: new Map(spec.defaults === false ? [] : DEFAULT_CONFIGS),
    objects: new ObjectStore(spec.generator),
    uploads: new Map(),
  };
  if (spec.objectLock) {
    bucket.configs.set(
      "object-lock",
      `<ObjectLockConfiguration xmlns="${S3_XMLNS}"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`,
    );
  }
  world.s3.buckets.set(spec.name, bucket);
  world.s3.pendingNames.delete(spec.name);
  return bucket;
}

/** The name stays unavailable (OperationAborted) for the configured delay after a bucket is deleted. */
export function removeBucket(world: World, bucket: Bucket, now: number): void {
  world.s3.buckets.delete(bucket.name);
  world.s3.pendingNames.set(bucket.name, {
    name: bucket.name,
    previousOwner: bucket.owner,
    deletedAt: now,
    freeAt: now + world.seed.s3NameReleaseDelaySeconds * 1000,
  });
}

/** Is the name still held after a deletion? */
export function nameHeld(s3: S3State, name: string, now: number): boolean {
  const pending = s3.pendingNames.get(name);
  return pending !== undefined && now < pending.freeAt;
}

/**
 * A seeded squatter takes a freed name `afterSeconds` after it frees, unless someone created the bucket
 * first. The pending entry stays until then so the squatter is not forgotten.
 */
export function settleNames(world: World, now: number): void {
  for (const pending of world.s3.pendingNames.values()) {
    if (now < pending.freeAt) continue;
    if (world.s3.buckets.has(pending.name)) {
      world.s3.pendingNames.delete(pending.name);
      continue;
    }
    const squatter = world.s3.squatters.find((s) => s.bucket === pending.name);
    if (!squatter) {
      world.s3.pendingNames.delete(pending.name);
      continue;
    }
    const at = pending.freeAt + squatter.afterSeconds * 1000;
    if (now < at) continue;
    addBucket(world, { name: pending.name, owner: squatter.account, region: squatter.region, now: at });
  }
}
