import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { type Creds, keyOf, PROD, REGION, STAGING } from "./helpers.js";

export const MB = 1024 * 1024;
export const GB = 1024 * MB;
export const ELASTICACHE_CANONICAL_ID = "540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353";

export function cacheClient(sim: SimulatorHandle, creds: Creds = keyOf(PROD), region = REGION): ElastiCacheClient {
  return new ElastiCacheClient({ endpoint: sim.url, region, credentials: creds });
}

/** The ACL document granting ElastiCache what an export needs (READ, WRITE, READ_ACP). */
export const ELASTICACHE_ACL = `<AccessControlPolicy><AccessControlList>${["READ", "WRITE", "READ_ACP"]
  .map(
    (p) =>
      `<Grant><Grantee xsi:type="CanonicalUser"><ID>${ELASTICACHE_CANONICAL_ID}</ID></Grantee><Permission>${p}</Permission></Grant>`,
  )
  .join("")}</AccessControlList></AccessControlPolicy>`;

/** The bucket policy of the User Guide, for the region's elasticache-snapshot service principal. */
export const servicePolicy = (bucket: string, region = REGION) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ElastiCacheSnapshotExport",
      Effect: "Allow",
      Principal: { Service: `${region}.elasticache-snapshot.amazonaws.com` },
      Action: [
        "s3:PutObject",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:GetBucketAcl",
        "s3:ListMultipartUploadParts",
        "s3:ListBucketMultipartUploads",
      ],
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    },
  ],
});

/** A world with a 2-shard Valkey group, a standalone Redis OSS cluster, a Memcached one, a serverless cache and buckets. */
export const CACHE_WORLD: SeedObject = {
  startTime: "2026-03-01T12:00:00Z",
  speed: 0,
  elasticacheSnapshotSecondsPerGb: 60,
  elasticacheSnapshotMinSeconds: 60,
  elasticacheExportSecondsPerGb: 120,
  elasticacheExportMinSeconds: 90,
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          kmsKeys: [{ alias: "alias/cache" }],
          elasticache: {
            replicationGroups: [
              {
                id: "sessions",
                engine: "valkey",
                numNodeGroups: 2,
                replicasPerNodeGroup: 1,
                kmsKey: "alias/cache",
                snapshotRetentionLimit: 2,
                dataBytes: [2 * GB, 1 * GB],
                tags: { team: "web" },
              },
            ],
            cacheClusters: [
              { id: "single", engine: "redis", dataBytes: 10 * MB },
              { id: "memo", engine: "memcached", numCacheNodes: 2 },
            ],
            serverlessCaches: [{ name: "carts", engine: "valkey", dataBytes: 512 * MB }],
          },
          buckets: [
            { name: "cache-exports-plain" },
            { name: "cache-exports-acl", configs: { acl: ELASTICACHE_ACL } },
            { name: "cache-exports-policy", policy: servicePolicy("cache-exports-policy") },
          ],
        },
        "us-west-2": { buckets: [{ name: "cache-exports-far", configs: { acl: ELASTICACHE_ACL } }] },
      },
    },
    [STAGING]: {
      regions: { [REGION]: { buckets: [{ name: "cache-exports-other", configs: { acl: ELASTICACHE_ACL } }] } },
    },
  },
};
