/**
 * elasticache.export-snapshot: export a snapshot's .rdb files (one per shard) into an S3 bucket of the
 * snapshot's account and region (CopySnapshot with TargetBucket; ExportServerlessCacheSnapshot for a
 * serverless one), waited until every file is there. The plan checks the bucket is ours, in the region,
 * and lets ElastiCache write (policy for the service principal, or ACL), and gives the exact statement to
 * add. Idempotent: the export's name is this run's and task's, the intent is checkpointed before the call,
 * and a resume looks at the files first — it asks again only when none exist and nothing is exporting.
 */
import { z } from "zod";
import { elasticache, s3 } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import type { JsonObject } from "../../core/json.js";
import type { AccountRef, AwsReader, RunContext } from "../define.js";
import { defineStep, type PlanResult } from "../define.js";
import { bucketArn, bucketPresence } from "../s3/basics.js";
import { describeValue, failed, known, planParams } from "../shared/plan.js";
import { exportGrantMissing, grantStatement } from "./bucket-grant.js";
import { type CacheSnapshotView, cacheName, describeSnapshot, type SnapshotKind } from "./read.js";

export const elasticacheExportSnapshotParams = z.strictObject({
  snapshot: z.string().min(1).describe("Snapshot to export (the snapshotName output of elasticache.create-snapshot)."),
  kind: z
    .enum(["node-based", "serverless"])
    .default("node-based")
    .describe('"node-based" (replication group or cluster) or "serverless" (the kind output of create-snapshot).'),
  bucket: z
    .string()
    .min(3)
    .max(63)
    .describe("Bucket of the step's account, in its region, that ElastiCache may write."),
  destinationBucket: z
    .string()
    .min(3)
    .max(63)
    .optional()
    .describe(
      "Bucket the files are copied to next: the step also outputs their ARNs there (snapshot_arns for Terraform).",
    ),
  timeout: z
    .number()
    .int()
    .positive()
    .default(6 * 3600)
    .describe("Seconds to wait for the export."),
});
export type ElasticacheExportSnapshotParams = z.infer<typeof elasticacheExportSnapshotParams>;

/** After the snapshot is available again, how long files may still be on their way (virtual ms). */
/** How long an export of this much snapshot data takes, roughly. */
export const exportSeconds = (gb: number) => Math.max(300, Math.round(gb * 60));

const SETTLE_GRACE_MS = 5 * 60_000;

/**
 * The export's own files: `<prefix>NNNN.rdb` exactly. Another export whose name starts with this one's
 * (`carts-base-eu-0001.rdb` under the prefix `carts-base-`) is listed too, and must not count.
 */
async function exportedKeys(aws: AwsReader, account: AccountRef, bucket: string, prefix: string): Promise<string[]> {
  const own = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\d{4}\\.rdb$`);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await aws.read(
      account.alias,
      "s3",
      new s3.ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ExpectedBucketOwner: account.id,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const o of out.Contents ?? []) if (o.Key && own.test(o.Key)) keys.push(o.Key);
    token = out.NextContinuationToken;
  } while (token);
  return keys.sort();
}

export const elasticacheExportSnapshot = defineStep<ElasticacheExportSnapshotParams>({
  type: "elasticache.export-snapshot",
  description:
    "Export an ElastiCache snapshot's .rdb files (one per shard) into a bucket of its account that ElastiCache may write, and wait for them.",
  params: elasticacheExportSnapshotParams,
  outputs: {
    bucket: "bucket of the files",
    prefix: "key prefix every file starts with",
    keys: "the .rdb keys, one per shard",
    objectArns: "arn:aws:s3:::bucket/key of each file",
    destinationArns: "their ARNs in destinationBucket (what the target's Terraform passes as snapshot_arns)",
    sizeBytes: "snapshot size",
  },
  bucketOwners: [{ bucket: "bucket" }],

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<ElasticacheExportSnapshotParams>(elasticacheExportSnapshotParams, raw);
    const base = {
      action: "copy" as const,
      preconditions: problems,
      resources: known(params.bucket) ? [bucketArn(params.bucket, ctx.account.region)] : [],
    };
    const summary = `export ${describeValue(params.snapshot)} as .rdb files to s3://${describeValue(params.bucket)}`;
    if (!known(params.bucket)) return { ...base, summary };
    const presence = await bucketPresence(ctx.aws, ctx.account, params.bucket);
    if (presence.state !== "ours") {
      problems.push(
        failed(
          "ELASTICACHE_EXPORT_BUCKET",
          `bucket ${params.bucket} is not a bucket of ${ctx.account.alias} (${presence.state}): ElastiCache exports only into a bucket of the snapshot's account`,
          `create ${params.bucket} in ${ctx.account.alias} (${ctx.account.region}) first`,
        ),
      );
      return { ...base, summary };
    }
    if (presence.region !== ctx.account.region) {
      problems.push(
        failed(
          "ELASTICACHE_EXPORT_BUCKET",
          `bucket ${params.bucket} is in ${presence.region}, the cache in ${ctx.account.region}: ElastiCache exports only within the region`,
        ),
      );
      // Its policy and ACL answer only in its own region (PermanentRedirect from here): nothing more to see.
      return { ...base, summary };
    }
    const missing = await exportGrantMissing(ctx.aws, ctx.account, params.bucket);
    if (missing) {
      problems.push(
        failed(
          "ELASTICACHE_BUCKET_NOT_GRANTED",
          `ElastiCache may not write into ${params.bucket}: ${missing}`,
          `add this statement to the bucket's policy (hikkoshi does not change it for you): ${JSON.stringify(grantStatement(params.bucket, ctx.account.region))}`,
        ),
      );
    }
    const snap =
      known(params.snapshot) && known(params.kind)
        ? await describeSnapshot(ctx.aws, ctx.account, params.snapshot, params.kind as SnapshotKind)
        : undefined;
    const gb = (snap?.sizeBytes ?? 0) / 1e9;
    return {
      ...base,
      summary: snap
        ? `export ${snap.name} (${snap.shards} .rdb file${snap.shards === 1 ? "" : "s"}, ${gb.toFixed(1)} GB) to s3://${params.bucket}`
        : summary,
      estimate: {
        ...(snap ? { sizeGb: gb } : {}),
        durationSeconds: exportSeconds(gb),
        note: "an export takes minutes per GB; the snapshot cannot be deleted meanwhile",
      },
    };
  },

  async run(ctx, params) {
    const kind = params.kind as SnapshotKind;
    const progress: JsonObject = { ...(ctx.progress ?? {}) };
    const attempt = Number(progress.exportAttempt ?? 0);
    // A serverless export names its files after the snapshot; a node-based one after the export's name.
    const name = kind === "serverless" ? params.snapshot : cacheName(ctx, `export-${attempt}`);
    const prefix = `${name}-`;
    const snap = await describeSnapshot(ctx.aws, ctx.account, params.snapshot, kind);
    if (!snap) {
      throw new HikkoshiError(
        "ELASTICACHE_SNAPSHOT_NOT_FOUND",
        `snapshot ${params.snapshot} not found in ${ctx.account.alias}`,
        {
          resource: params.snapshot,
        },
      );
    }
    // Look first: files already there (a resume) or an export in flight are waited for; a request is sent
    // only when no file exists and the snapshot is idle.
    const before = await exportedKeys(ctx.aws, ctx.account, params.bucket, prefix);
    const ask = async () => {
      progress.requested = true;
      progress.exportAttempt = attempt;
      ctx.saveProgress(progress);
      await requestExport(ctx, params, kind, name);
    };
    if (before.length === 0 && snap.status === "available") await ask();
    // A snapshot still being created cannot be exported yet (nobody can have asked): ask once it is available.
    let awaitingSnapshot = before.length === 0 && snap.status === "creating";
    let availableSince: number | undefined;
    const keys = await ctx.wait<string[]>({
      what: `export of ${params.snapshot} to s3://${params.bucket}`,
      timeoutMs: params.timeout * 1000,
      intervalMs: 15_000,
      poll: async () => {
        const found = await exportedKeys(ctx.aws, ctx.account, params.bucket, prefix);
        if (found.length >= snap.shards) return { done: true, value: found };
        const now = await describeSnapshot(ctx.aws, ctx.account, params.snapshot, kind);
        if (awaitingSnapshot && now?.status === "available" && found.length === 0) {
          awaitingSnapshot = false;
          await ask();
          return { done: false, message: "export requested" };
        }
        if (now?.status === "available") {
          availableSince ??= ctx.clock.now();
          if (ctx.clock.now() - availableSince > SETTLE_GRACE_MS) {
            ctx.saveProgress({ exportAttempt: attempt + 1 });
            throw new HikkoshiError(
              "ELASTICACHE_EXPORT_FAILED",
              `export of ${params.snapshot} ended with ${found.length} of ${snap.shards} .rdb files in s3://${params.bucket}`,
              {
                hint: "check the bucket's policy or ACL (the plan shows what ElastiCache needs) and the cache's events; resume starts a new export under a new name",
                resource: params.snapshot,
              },
            );
          }
        }
        return { done: false, message: `${found.length}/${snap.shards} files` };
      },
    });
    return outputs(params, prefix, keys, snap);
  },
});

async function requestExport(
  ctx: RunContext,
  params: ElasticacheExportSnapshotParams,
  kind: SnapshotKind,
  name: string,
): Promise<void> {
  if (kind === "serverless") {
    await ctx.aws.mutate(
      ctx.account.alias,
      "elasticache",
      new elasticache.ExportServerlessCacheSnapshotCommand({
        ServerlessCacheSnapshotName: params.snapshot,
        S3BucketName: params.bucket,
      }),
      params.snapshot,
    );
    return;
  }
  await ctx.aws.mutate(
    ctx.account.alias,
    "elasticache",
    new elasticache.CopySnapshotCommand({
      SourceSnapshotName: params.snapshot,
      TargetSnapshotName: name,
      TargetBucket: params.bucket,
    }),
    params.snapshot,
  );
}

function outputs(params: ElasticacheExportSnapshotParams, prefix: string, keys: string[], snap: CacheSnapshotView) {
  const arns = (bucket: string) => keys.map((k) => `arn:aws:s3:::${bucket}/${k}`);
  return {
    bucket: params.bucket,
    prefix,
    keys,
    objectArns: arns(params.bucket),
    destinationArns: params.destinationBucket ? arns(params.destinationBucket) : [],
    sizeBytes: snap.sizeBytes,
  };
}
