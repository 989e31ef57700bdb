/**
 * elasticache.create-snapshot: a manual snapshot of a Valkey / Redis OSS replication group, standalone
 * cluster or serverless cache (or, `fromAutomated`, a manual copy of the group's latest automated one),
 * waited until available. Idempotent by construction: the name is this run's and task's, the snapshot
 * carries this task's tags from its creating request, and a resume adopts a snapshot of that name only
 * when its tags are ours. Memcached has no snapshots: the plan says so and blocks.
 */
import { z } from "zod";
import { elasticache } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import type { RunContext } from "../define.js";
import { defineStep, type PlanResult } from "../define.js";
import { isOurs, notOurs, tagList } from "../shared/ownership.js";
import { describeValue, failed, known, planParams } from "../shared/plan.js";
import { savedString } from "../shared/progress.js";
import { cacheFindings, cacheSummary } from "./findings.js";
import {
  type CacheSnapshotView,
  cacheName,
  describeCache,
  describeSnapshot,
  latestAutomated,
  resourceTags,
  type SnapshotKind,
} from "./read.js";

export const elasticacheCreateSnapshotParams = z
  .strictObject({
    replicationGroup: z
      .string()
      .min(1)
      .max(40)
      .optional()
      .describe("Replication group (Valkey / Redis OSS) to snapshot."),
    cacheCluster: z.string().min(1).max(50).optional().describe("Standalone cache cluster (one node) to snapshot."),
    serverlessCache: z.string().min(1).max(40).optional().describe("Serverless cache to snapshot."),
    fromAutomated: z
      .boolean()
      .default(false)
      .describe("Copy the latest automated snapshot instead of taking a new one (node-based caches)."),
    kmsKeyId: z.string().min(1).optional().describe("KMS key encrypting the snapshot (default: the cache's)."),
    targetEngine: z.enum(["valkey", "redis"]).optional().describe("Engine of the cache the target will seed from it."),
    targetEngineVersion: z
      .string()
      .regex(/^\d+(\.\d+)*$/)
      .optional()
      .describe("Engine version of the target's cache: the plan blocks when it cannot load this snapshot."),
    timeout: z
      .number()
      .int()
      .positive()
      .default(6 * 3600)
      .describe("Seconds to wait for the snapshot."),
  })
  .refine((p) => [p.replicationGroup, p.cacheCluster, p.serverlessCache].filter(Boolean).length === 1, {
    message: "name exactly one of replicationGroup, cacheCluster, serverlessCache",
  })
  .refine((p) => !(p.fromAutomated && p.serverlessCache), {
    message: "fromAutomated is for node-based caches (a serverless cache's automated snapshots are not copied)",
  });
export type ElasticacheCreateSnapshotParams = z.infer<typeof elasticacheCreateSnapshotParams>;

/** How long a snapshot of this much data takes, roughly. */
export const snapshotSeconds = (gb: number) => Math.max(120, Math.round(gb * 60));

const kindOf = (p: { serverlessCache?: unknown }): SnapshotKind => (p.serverlessCache ? "serverless" : "node-based");

export const elasticacheCreateSnapshot = defineStep<ElasticacheCreateSnapshotParams>({
  type: "elasticache.create-snapshot",
  description:
    "Snapshot a Valkey / Redis OSS cache (replication group, cluster or serverless; or copy its latest automated snapshot), waited until available.",
  params: elasticacheCreateSnapshotParams,
  outputs: {
    snapshotName: "the snapshot's name",
    snapshotArn: "the snapshot's ARN",
    kind: '"node-based" or "serverless"',
    engine: "valkey or redis",
    engineVersion: "engine version of the cache",
    shards: "shards (one .rdb file each when exported)",
    sizeBytes: "snapshot size",
  },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<ElasticacheCreateSnapshotParams>(elasticacheCreateSnapshotParams, raw);
    const id = params.replicationGroup ?? params.cacheCluster ?? params.serverlessCache;
    const base = { action: "create" as const, preconditions: problems, resources: [] as string[] };
    if (!known(id)) return { ...base, summary: `snapshot ${describeValue(id)}` };
    const source = {
      ...(known(params.replicationGroup) ? { replicationGroup: params.replicationGroup } : {}),
      ...(known(params.cacheCluster) ? { cacheCluster: params.cacheCluster } : {}),
      ...(known(params.serverlessCache) ? { serverlessCache: params.serverlessCache } : {}),
    };
    const cache = await describeCache(ctx.aws, ctx.account, source);
    if (!cache) {
      problems.push(failed("CACHE_NOT_FOUND", `cache ${id} not found in ${ctx.account.alias} (${ctx.account.region})`));
      return { ...base, summary: `snapshot ${id}` };
    }
    problems.push(
      ...cacheFindings(cache, {
        ...(known(params.targetEngine) ? { engine: params.targetEngine } : {}),
        ...(known(params.targetEngineVersion) ? { version: params.targetEngineVersion } : {}),
      }),
    );
    let sizeBytes = cache.sizeBytes;
    if (params.fromAutomated === true && cache.kind !== "serverless") {
      const auto = await latestAutomated(ctx.aws, ctx.account, source);
      if (!auto) {
        problems.push(
          failed(
            "ELASTICACHE_NO_AUTOMATED_SNAPSHOT",
            `${id} has no available automated snapshot`,
            "set fromAutomated: false to take a new one, or turn on automatic backups (SnapshotRetentionLimit)",
          ),
        );
      } else sizeBytes = auto.sizeBytes;
    }
    const gb = (sizeBytes ?? 0) / 1e9;
    return {
      ...base,
      resources: [cache.arn],
      summary: `snapshot ${cacheSummary(cache)}${params.fromAutomated === true ? " (copy of the latest automated one)" : ""}`,
      estimate: {
        ...(sizeBytes !== undefined ? { sizeGb: gb } : {}),
        durationSeconds: snapshotSeconds(gb),
        note: "snapshots of busy caches take longer; a replica node is used when there is one",
      },
      observations: { engine: cache.engine, engineVersion: cache.engineVersion, shards: cache.shards },
    };
  },

  async run(ctx, params) {
    const kind = kindOf(params);
    const name = savedString(ctx, "snapshotName") ?? cacheName(ctx, "snapshot");
    const existing = await describeSnapshot(ctx.aws, ctx.account, name, kind);
    if (existing) {
      const tags = await resourceTags(ctx.aws, ctx.account.alias, existing.arn);
      if (!isOurs(tags, ctx.tags())) throw notOurs("snapshot", name, ctx.account.alias, tags);
    } else {
      ctx.saveProgress({ snapshotName: name });
      await create(ctx, params, name);
    }
    const done = await ctx.wait<CacheSnapshotView>({
      what: `snapshot ${name} available`,
      timeoutMs: params.timeout * 1000,
      intervalMs: 15_000,
      poll: async () => {
        const s = await describeSnapshot(ctx.aws, ctx.account, name, kind);
        if (s?.status === "failed") {
          throw new HikkoshiError("ELASTICACHE_SNAPSHOT_FAILED", `snapshot ${name} failed`, {
            hint: "check the cache's events in the console (a snapshot fails when the node runs out of memory for the fork); delete the failed snapshot and resume",
            resource: name,
          });
        }
        return { done: s?.status === "available", ...(s ? { value: s, message: s.status } : {}) };
      },
    });
    return {
      snapshotName: name,
      snapshotArn: done.arn,
      kind,
      engine: done.engine,
      engineVersion: done.engineVersion,
      shards: done.shards,
      sizeBytes: done.sizeBytes,
    };
  },
});

async function create(ctx: RunContext, params: ElasticacheCreateSnapshotParams, name: string): Promise<void> {
  const Tags = tagList(ctx.tags());
  const key = params.kmsKeyId ? { KmsKeyId: params.kmsKeyId } : {};
  if (params.serverlessCache) {
    await ctx.aws.mutate(
      ctx.account.alias,
      "elasticache",
      new elasticache.CreateServerlessCacheSnapshotCommand({
        ServerlessCacheName: params.serverlessCache,
        ServerlessCacheSnapshotName: name,
        Tags,
        ...key,
      }),
      name,
    );
    return;
  }
  if (params.fromAutomated) {
    const source = {
      ...(params.replicationGroup ? { replicationGroup: params.replicationGroup } : {}),
      ...(params.cacheCluster ? { cacheCluster: params.cacheCluster } : {}),
    };
    const auto = await latestAutomated(ctx.aws, ctx.account, source);
    if (!auto) {
      throw new HikkoshiError(
        "ELASTICACHE_NO_AUTOMATED_SNAPSHOT",
        `${params.replicationGroup ?? params.cacheCluster} has no available automated snapshot`,
        { hint: "set fromAutomated: false, then resume", resource: name },
      );
    }
    ctx.saveProgress({ snapshotName: name, automatedSource: auto.name });
    await ctx.aws.mutate(
      ctx.account.alias,
      "elasticache",
      new elasticache.CopySnapshotCommand({ SourceSnapshotName: auto.name, TargetSnapshotName: name, Tags, ...key }),
      name,
    );
    return;
  }
  await ctx.aws.mutate(
    ctx.account.alias,
    "elasticache",
    new elasticache.CreateSnapshotCommand({
      ...(params.replicationGroup ? { ReplicationGroupId: params.replicationGroup } : {}),
      ...(params.cacheCluster ? { CacheClusterId: params.cacheCluster } : {}),
      SnapshotName: name,
      Tags,
      ...key,
    }),
    name,
  );
}
