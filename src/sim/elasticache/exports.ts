/**
 * Exporting a snapshot to S3 (CopySnapshot with TargetBucket, ExportServerlessCacheSnapshot), as the
 * ElastiCache User Guide's "Exporting a backup" describes it: the bucket must exist in the snapshot's
 * region, belong to the caller's account and let ElastiCache in, either by its ACL (the ElastiCache
 * canonical user `540804c3…4353` with READ, WRITE and READ_ACP) or by its bucket policy (the service
 * principal `<region>.elasticache-snapshot.amazonaws.com` allowed s3:ListBucket, s3:PutObject and
 * s3:GetBucketAcl). Refusals are InvalidParameterValue with the API reference's messages. One object per
 * shard, `<name>-0001.rdb`…, written when the export's virtual time has passed (files.ts).
 */
import { fail, type Outcome, ok } from "../outcome.js";
import type { CallContext } from "../protocol/types.js";
import { serviceAllowed } from "../s3/access.js";
import { type AclPermission, aclAllows } from "../s3/acl.js";
import type { Bucket } from "../s3/model.js";
import { type SnapshotExport, shardId } from "./model.js";
import { exportDuration, sum } from "./status.js";

/** ElastiCache's canonical user id in every region but China and GovCloud (User Guide, "Exporting a backup"). */
export const ELASTICACHE_CANONICAL_ID = "540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353";

export const exportPrincipal = (region: string) => `${region}.elasticache-snapshot.amazonaws.com`;

/** What each ACL permission ElastiCache needs means in a bucket policy for its service principal. */
const POLICY_EQUIVALENT: Record<"READ" | "WRITE" | "READ_ACP", { action: string; object: boolean }> = {
  READ: { action: "s3:ListBucket", object: false },
  WRITE: { action: "s3:PutObject", object: true },
  READ_ACP: { action: "s3:GetBucketAcl", object: false },
};

const invalid = (message: string) => fail("InvalidParameterValue", message);

/** Object keys an export of `shards` shards named `name` writes. */
export function exportKeys(name: string, shards: number): string[] {
  return Array.from({ length: shards }, (_, i) => `${name}-${shardId(i)}.rdb`);
}

/** The bucket checks, in the order the API reference lists its messages. */
export function checkExportBucket(ctx: CallContext, name: string | undefined, keys: string[]): Outcome<Bucket> {
  if (!name) return invalid("The S3 bucket name must be provided.");
  const bucket = ctx.world.s3.buckets.get(name);
  if (!bucket) return invalid(`The S3 bucket ${name} does not exist.`);
  if (bucket.region !== ctx.region) return invalid(`The S3 bucket ${name} is outside of the region.`);
  if (bucket.owner !== ctx.account) return invalid(`The S3 bucket ${name} is not owned by the authenticated user.`);
  const principal = exportPrincipal(ctx.region);
  for (const permission of ["READ", "WRITE", "READ_ACP"] as const) {
    const policy = POLICY_EQUIVALENT[permission];
    const byPolicy = serviceAllowed(bucket, principal, policy.action, policy.object ? keys[0] : undefined);
    if (!byPolicy && !aclAllows(bucket, ELASTICACHE_CANONICAL_ID, permission as AclPermission)) {
      return invalid(`ElastiCache has not been granted ${permission} permissions ${name} on the S3 Bucket.`);
    }
  }
  for (const key of keys) {
    const latest = bucket.objects.get(key)[0];
    if (latest && !latest.deleteMarker)
      return invalid(`The S3 bucket ${name} already contains an object with key ${key}.`);
  }
  return ok(bucket);
}

/** The export's timeline and objects: one per shard of `shardBytes`. */
export function newExport(
  ctx: CallContext,
  bucket: Bucket,
  keys: string[],
  shardBytes: number[],
  contentOf: string,
): SnapshotExport {
  return {
    bucket: bucket.name,
    objects: keys.map((key, i) => ({ key, size: shardBytes[i] ?? 0 })),
    contentOf,
    startedAt: ctx.now,
    endsAt: ctx.now + exportDuration(ctx.world, sum(shardBytes)),
    written: false,
  };
}
