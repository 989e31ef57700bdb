/**
 * The .rdb objects of an export, written into the bucket when the export's virtual end has passed (run
 * before every call and every dump, like DynamoDB's exports: nothing runs on timers), owned by the bucket
 * owner. Content is synthesized (s3/body.ts SyntheticBody: a filler seeded by the snapshot ARN and shard,
 * the shard's size), so a big export costs no memory. Also removes snapshots whose deletion has finished.
 */
import { SyntheticBody, singlePartEtag } from "../s3/body.js";
import { bucketDefaultSse, writeVersion } from "../s3/common.js";
import type { Sse } from "../s3/model.js";
import type { World } from "../world.js";
import type { SnapshotExport } from "./model.js";
import { DELETE_MS } from "./status.js";

function writeExport(world: World, e: SnapshotExport): void {
  const bucket = world.s3.buckets.get(e.bucket);
  if (!bucket) return;
  const def = bucketDefaultSse(bucket);
  const sse: Sse =
    def.algorithm === "aws:kms"
      ? { algorithm: "aws:kms", ...(def.kmsKeyId ? { kmsKeyArn: def.kmsKeyId } : {}) }
      : { algorithm: "AES256" };
  e.objects.forEach((o, i) => {
    const body = new SyntheticBody(`elasticache-rdb:${e.contentOf}:${i}`, o.size, `\n${o.key}\n`);
    writeVersion(world, bucket, {
      key: o.key,
      deleteMarker: false,
      body,
      size: body.size,
      etag: singlePartEtag(body),
      lastModified: e.endsAt,
      contentType: "application/octet-stream",
      sse,
      owner: bucket.owner,
    });
  });
}

export function settleElastiCache(world: World, now: number): void {
  for (const region of world.elasticache.regions.values()) {
    for (const store of [region.snapshots, region.serverlessSnapshots]) {
      for (const s of store.values()) {
        for (const e of s.exports) {
          if (e.written || now < e.endsAt) continue;
          e.written = true;
          writeExport(world, e);
        }
        if (s.deletingAt !== undefined && now >= s.deletingAt + DELETE_MS) store.delete(s.name);
      }
    }
  }
}
