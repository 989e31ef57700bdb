/**
 * The ElastiCache step tests' world on the simulator, started in-process: production has a 2-shard Valkey
 * group with automated backups, a Redis OSS group without, a standalone Redis OSS cluster, a Memcached
 * cluster, a serverless cache, a manual snapshot of each kind, and buckets that let ElastiCache in by
 * policy, by ACL, or not at all; staging has a bucket of its own (granted, but another account's).
 */
import type { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { type SimulatorHandle, startSimulator } from "../../../src/sim/index.js";
import { createStepHarness, type StepHarness } from "../../helpers/step-context.js";

export const REGION = "ap-northeast-1";
export const PROD = "111111111111";
export const STAGING = "222222222222";
export const MB = 1024 * 1024;
export const ELASTICACHE_CANONICAL_ID = "540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353";

export const POLICY_BUCKET = "cache-exports-policy";
export const ACL_BUCKET = "cache-exports-acl";
export const PLAIN_BUCKET = "cache-exports-plain";
export const OTHER_BUCKET = "cache-exports-other";
export const DEST_BUCKET = "staging-cache-files";
export const PARTIAL_BUCKET = "cache-exports-partial";
export const FAR_BUCKET = "cache-exports-far";

/** A bucket ACL granting ElastiCache's canonical user `permissions` (an export needs READ, WRITE, READ_ACP). */
export const elasticacheAcl = (permissions: string[]) =>
  `<AccessControlPolicy><AccessControlList>${permissions
    .map(
      (p) =>
        `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${ELASTICACHE_CANONICAL_ID}</ID></Grantee><Permission>${p}</Permission></Grant>`,
    )
    .join("")}</AccessControlList></AccessControlPolicy>`;
export const ELASTICACHE_ACL = elasticacheAcl(["READ", "WRITE", "READ_ACP"]);

/** A bucket policy letting the region's elasticache-snapshot service principal in (the User Guide's). */
export const servicePolicy = (bucket: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ElastiCacheSnapshotExport",
      Effect: "Allow",
      Principal: { Service: `${REGION}.elasticache-snapshot.amazonaws.com` },
      Action: ["s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:GetBucketAcl"],
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    },
  ],
});

export interface CacheWorld {
  sim: SimulatorHandle;
  h: StepHarness;
  /** ElastiCache client of production (the snapshots' account). */
  cache: ElastiCacheClient;
}

let current: { sim: SimulatorHandle; h: StepHarness; cache: ElastiCacheClient } | undefined;

export async function startCacheWorld(): Promise<CacheWorld> {
  const sim = await startSimulator({
    seed: {
      startTime: "2026-03-01T12:00:00Z",
      elasticacheSnapshotMinSeconds: 60,
      elasticacheSnapshotSecondsPerGb: 30,
      elasticacheExportMinSeconds: 90,
      elasticacheExportSecondsPerGb: 30,
      accounts: {
        [PROD]: {
          regions: {
            [REGION]: {
              elasticache: {
                replicationGroups: [
                  {
                    id: "sessions",
                    engine: "valkey",
                    engineVersion: "8.0",
                    numNodeGroups: 2,
                    replicasPerNodeGroup: 1,
                    snapshotRetentionLimit: 2,
                    dataBytes: [64 * MB, 32 * MB],
                  },
                  { id: "legacy", engine: "redis", engineVersion: "7.1", dataBytes: 16 * MB },
                ],
                cacheClusters: [
                  { id: "single", engine: "redis", dataBytes: 8 * MB },
                  { id: "memo", engine: "memcached", numCacheNodes: 2 },
                ],
                serverlessCaches: [{ name: "carts", engine: "valkey", dataBytes: 32 * MB }],
                snapshots: [{ name: "before-move", replicationGroup: "sessions" }],
                serverlessSnapshots: [
                  { name: "carts-base", serverlessCache: "carts" },
                  { name: "carts-base-eu", serverlessCache: "carts" },
                ],
              },
              buckets: [
                { name: POLICY_BUCKET, policy: servicePolicy(POLICY_BUCKET) },
                { name: ACL_BUCKET, configs: { acl: ELASTICACHE_ACL } },
                { name: PLAIN_BUCKET },
                { name: PARTIAL_BUCKET, configs: { acl: elasticacheAcl(["READ", "WRITE"]) } },
              ],
            },
            "us-west-2": { buckets: [{ name: FAR_BUCKET, configs: { acl: ELASTICACHE_ACL } }] },
          },
        },
        [STAGING]: {
          regions: {
            [REGION]: {
              buckets: [{ name: OTHER_BUCKET, configs: { acl: ELASTICACHE_ACL } }, { name: DEST_BUCKET }],
            },
          },
        },
      },
    } as never,
  });
  sim.setSpeed(0);
  const h = await createStepHarness({
    endpoint: sim.url,
    accounts: { source: { id: PROD, region: REGION }, target: { id: STAGING, region: REGION } },
    advance: (ms) => sim.advance(ms),
    now: () => sim.now(),
  });
  const cache = h.session.client("source", "elasticache");
  current = { sim, h, cache };
  return current;
}

export async function stopCacheWorld(): Promise<void> {
  const w = current;
  current = undefined;
  if (!w) return;
  w.h.close();
  await w.sim.close();
}

/** The error preconditions of a plan (what blocks it), by code. */
export const blocking = (p: { preconditions: Array<{ ok: boolean; code: string; severity: string }> }) =>
  p.preconditions.filter((c) => !c.ok && c.severity === "error").map((c) => c.code);

export const countOf = (sim: SimulatorHandle, call: string) => sim.stats().calls[call] ?? 0;
