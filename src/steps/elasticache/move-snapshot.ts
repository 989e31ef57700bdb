/**
 * elasticache.move-snapshot (recipe): a Valkey / Redis OSS cache's data into another account, as .rdb
 * files the target's new cache is seeded from (Terraform's `snapshot_arns`):
 *   snapshot (in `from`) → export to `exportBucket` (of `from`, same region; ElastiCache must be let in)
 *   → let `to` read it → manifest → copy into `targetBucket` (of `to`) → verify → take the read grant back
 *   → with cleanup: true, delete this run's snapshot and exported files in `from`.
 * The S3 legs are the S3 family's steps (direct copy, key-by-key verify of the files).
 */
import { z } from "zod";
import { defineRecipe, type ExpandedStep } from "../define.js";
import { elasticacheCreateSnapshotParams } from "./create-snapshot.js";

const create = elasticacheCreateSnapshotParams.shape;

export const elasticacheMoveSnapshotParams = z
  .strictObject({
    from: z.string().min(1).describe("Account alias that owns the cache."),
    to: z.string().min(1).describe("Account alias whose new cache is seeded from the files."),
    replicationGroup: create.replicationGroup,
    cacheCluster: create.cacheCluster,
    serverlessCache: create.serverlessCache,
    fromAutomated: create.fromAutomated,
    targetEngine: create.targetEngine,
    targetEngineVersion: create.targetEngineVersion,
    exportBucket: z
      .string()
      .min(3)
      .max(63)
      .describe(
        "Bucket of `from`, in the cache's region, whose policy lets ElastiCache write (the plan gives the statement).",
      ),
    targetBucket: z.string().min(3).max(63).describe("Existing bucket of `to` the .rdb files are copied into."),
    manifestBucket: z.string().min(3).max(63).describe("Existing bucket of `to` for the copy's manifests and reports."),
    grantRead: z
      .boolean()
      .default(true)
      .describe("Add (and after the verify remove) a statement letting `to` read the export bucket."),
    cleanup: z
      .boolean()
      .default(false)
      .describe("Once the files are verified in `to`, delete this run's snapshot and exported files in `from`."),
  })
  .refine((p) => [p.replicationGroup, p.cacheCluster, p.serverlessCache].filter(Boolean).length === 1, {
    message: "name exactly one of replicationGroup, cacheCluster, serverlessCache",
  });

export const elasticacheMoveSnapshot = defineRecipe({
  type: "elasticache.move-snapshot",
  description:
    "Move a Valkey / Redis OSS cache's data to another account as .rdb files in its bucket (snapshot → export → copy → verify), for seeding its new cache.",
  params: elasticacheMoveSnapshotParams,
  outputs: {
    snapshotArns: "export.destinationArns",
    keys: "export.keys",
    verified: "verify.passed",
  },
  accountParams: { single: ["from", "to"] },
  expand(w, { selfRef }) {
    const from = String(w.from);
    const to = String(w.to);
    const pick = (names: string[]) => Object.fromEntries(names.filter((n) => w[n] !== undefined).map((n) => [n, w[n]]));
    const granting = w.grantRead !== false;
    const prefix = selfRef("export", "prefix");
    const steps: ExpandedStep[] = [
      {
        localId: "snapshot",
        type: "elasticache.create-snapshot",
        account: from,
        with: pick([
          "replicationGroup",
          "cacheCluster",
          "serverlessCache",
          "fromAutomated",
          "targetEngine",
          "targetEngineVersion",
        ]),
        description: "snapshot the cache",
      },
      {
        localId: "export",
        type: "elasticache.export-snapshot",
        account: from,
        with: {
          snapshot: selfRef("snapshot", "snapshotName"),
          kind: selfRef("snapshot", "kind"),
          bucket: w.exportBucket,
          destinationBucket: w.targetBucket,
        },
        description: `export its .rdb files to s3://${String(w.exportBucket)}`,
      },
      ...(granting
        ? [
            {
              localId: "grant-read",
              type: "s3.grant-read",
              account: from,
              with: { bucket: w.exportBucket, accounts: [to] },
              description: `let ${to} read the export bucket`,
            },
          ]
        : []),
      {
        localId: "manifest",
        type: "s3.manifest",
        account: to,
        with: { bucket: w.exportBucket, sourceAccount: from, prefix, manifestBucket: w.manifestBucket },
        needs: ["export", ...(granting ? ["grant-read"] : [])],
        description: "list the exported files",
      },
      {
        localId: "copy",
        type: "s3.copy",
        account: to,
        with: {
          manifest: selfRef("manifest", "manifest"),
          sourceBucket: w.exportBucket,
          destinationBucket: w.targetBucket,
          mode: "direct",
          reportBucket: w.manifestBucket,
          sourceAccount: from,
          ...(granting ? { readGranted: true } : {}),
        },
        description: `copy them into s3://${String(w.targetBucket)}`,
      },
      {
        localId: "verify",
        type: "s3.verify",
        account: to,
        with: {
          source: w.exportBucket,
          destination: w.targetBucket,
          manifestBucket: w.manifestBucket,
          prefix,
          sourceAccount: from,
        },
        needs: ["copy"],
        description: "compare every file",
      },
    ];
    if (granting) {
      steps.push({
        localId: "revoke-read",
        type: "s3.grant-read",
        account: from,
        with: { bucket: w.exportBucket, accounts: [to], revoke: true, grantedEarlier: true },
        needs: ["verify"],
        description: `remove ${to}'s read statement from the export bucket`,
      });
    }
    if (w.cleanup === true) {
      steps.push(
        {
          localId: "cleanup-snapshot",
          type: "elasticache.delete-snapshot",
          account: from,
          with: { snapshot: selfRef("snapshot", "snapshotName"), kind: selfRef("snapshot", "kind") },
          needs: ["verify"],
          description: "delete this run's snapshot",
        },
        {
          localId: "cleanup-files",
          type: "cleanup",
          account: from,
          with: { objects: [{ bucket: w.exportBucket, prefix }] },
          needs: ["verify", ...(granting ? ["revoke-read"] : [])],
          description: "delete this run's exported files",
        },
      );
    }
    return steps;
  },
});
