/**
 * Rough figures per family for agreeing on what moves, before any YAML: the same heuristics the plan uses
 * (RDS ~24 s/GB, EBS ~30 s/GB per snapshot or copy; S3 direct copies at list prices, twice when the name
 * is kept; a DynamoDB table's export and import at their steps' durations and list prices; a cache's
 * snapshot and export at theirs). The plan of the draft gives the real ones, with the dependency graph and
 * the engine per bucket.
 */
import { dynamodbExportTableParams, exportSeconds as tableExportSeconds } from "../steps/dynamodb/export-table.js";
import { dynamodbImportTableParams, importSeconds } from "../steps/dynamodb/import-table.js";
import { EBS_SECONDS_PER_GB } from "../steps/ec2/write.js";
import { snapshotSeconds } from "../steps/elasticache/create-snapshot.js";
import { exportSeconds as cacheExportSeconds } from "../steps/elasticache/export-snapshot.js";
import { DEFAULT_PRICING, directEstimate } from "../steps/s3/copy/batch-cost.js";
import { RDS_SECONDS_PER_GB } from "../steps/shared/plan.js";
import type { Inventory } from "./inventory.js";

export interface FamilyTotals {
  family: "RDS" | "Aurora" | "EBS" | "AMI" | "S3" | "DynamoDB" | "ElastiCache";
  /** Included / found (the others are left out of the draft, with a comment saying why). */
  included: number;
  found: number;
  sizeGb: number;
  /** S3 only: versions and delete markers, and whether every bucket was listed to its end. */
  objects?: number;
  complete?: boolean;
  /** DynamoDB only: items of the tables that move (DescribeTable's ItemCount, updated about every six hours). */
  items?: number;
  /** ElastiCache only: shards of the caches that move (one .rdb file each). */
  shards?: number;
  /** The longest item, start to end (items of a family run side by side, within AWS's copy limits). */
  durationSeconds: number;
  costUsd?: number;
}

/** Snapshot, copy under the share key, copy in the target: three passes over the data. */
const SNAPSHOT_PASSES = 3;
/** Copy to the temporary bucket, then back under the kept name. */
const BUCKET_PASSES = 2;
const DIRECT_CONCURRENCY = 8;

export function familyTotals(inv: Inventory): FamilyTotals[] {
  const gb = (bytes: number) => bytes / 1e9;
  const out: FamilyTotals[] = [];
  const snapshots = (
    family: FamilyTotals["family"],
    rows: Array<{ sizeGb: number; included: boolean }>,
    secondsPerGb: number,
  ) => {
    const moving = rows.filter((r) => r.included);
    out.push({
      family,
      included: moving.length,
      found: rows.length,
      sizeGb: moving.reduce((n, r) => n + r.sizeGb, 0),
      durationSeconds: Math.max(0, ...moving.map((r) => Math.max(60, r.sizeGb * secondsPerGb) * SNAPSHOT_PASSES)),
    });
  };
  snapshots("RDS", inv.databases, RDS_SECONDS_PER_GB);
  snapshots("Aurora", inv.clusters, RDS_SECONDS_PER_GB);
  snapshots("EBS", inv.volumes, EBS_SECONDS_PER_GB);
  snapshots("AMI", inv.images, EBS_SECONDS_PER_GB);
  const buckets = inv.buckets.filter((b) => b.included);
  const perBucket = buckets.map((b) =>
    directEstimate(b.versions + b.deleteMarkers, b.bytes, 0, 0, DIRECT_CONCURRENCY, DEFAULT_PRICING),
  );
  out.push({
    family: "S3",
    included: buckets.length,
    found: inv.buckets.length,
    sizeGb: gb(buckets.reduce((n, b) => n + b.bytes, 0)),
    objects: buckets.reduce((n, b) => n + b.versions + b.deleteMarkers, 0),
    complete: buckets.every((b) => b.complete),
    durationSeconds: Math.max(0, ...perBucket.map((e) => e.durationSeconds * BUCKET_PASSES)),
    costUsd: perBucket.reduce((n, e) => n + e.costUsd * BUCKET_PASSES, 0),
  });
  const tables = inv.dynamodbTables.filter((t) => t.included);
  const exportPrice = dynamodbExportTableParams.shape.exportPricePerGb.parse(undefined);
  const importPrice = dynamodbImportTableParams.shape.importPricePerGb.parse(undefined);
  out.push({
    family: "DynamoDB",
    included: tables.length,
    found: inv.dynamodbTables.length,
    sizeGb: gb(tables.reduce((n, t) => n + t.sizeBytes, 0)),
    items: tables.reduce((n, t) => n + t.itemCount, 0),
    durationSeconds: Math.max(
      0,
      ...tables.map((t) => tableExportSeconds(gb(t.sizeBytes)) + importSeconds(gb(t.sizeBytes))),
    ),
    costUsd: tables.reduce((n, t) => n + gb(t.sizeBytes) * (exportPrice + importPrice), 0),
  });
  // A cache's data size is not in its description: the snapshot steps' minimum durations.
  const caches = inv.caches.filter((c) => c.included);
  out.push({
    family: "ElastiCache",
    included: caches.length,
    found: inv.caches.length,
    sizeGb: gb(caches.reduce((n, c) => n + (c.sizeBytes ?? 0), 0)),
    shards: caches.reduce((n, c) => n + c.shards, 0),
    durationSeconds: Math.max(
      0,
      ...caches.map((c) => snapshotSeconds(gb(c.sizeBytes ?? 0)) + cacheExportSeconds(gb(c.sizeBytes ?? 0))),
    ),
  });
  return out.filter((f) => f.found > 0);
}
