/** Wire shapes of DescribeTable (TableDescription) and DescribeExport (ExportDescription). */
import { digest } from "../ids.js";
import type { ExportStatus, Table, TableExport } from "./model.js";
import { tableSize, tableStatus } from "./model.js";
import type { IndexSeedData, KeySchemaSeedData } from "./seed.js";

/** awsJson timestamps are epoch seconds. */
export const seconds = (ms: number) => ms / 1000;

function keySchema(keys: KeySchemaSeedData) {
  return [
    { AttributeName: keys.hash.name, KeyType: "HASH" },
    ...(keys.range ? [{ AttributeName: keys.range.name, KeyType: "RANGE" }] : []),
  ];
}

function attributeDefinitions(table: Table) {
  const defs = new Map<string, string>();
  for (const keys of [table.keySchema, ...table.gsis.map((g) => g.keySchema), ...table.lsis.map((l) => l.keySchema)]) {
    for (const k of [keys.hash, keys.range]) if (k) defs.set(k.name, k.type);
  }
  return [...defs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

function throughput(table: Table) {
  const provisioned = table.billingMode === "PROVISIONED";
  return {
    NumberOfDecreasesToday: 0,
    ReadCapacityUnits: provisioned ? table.readCapacity : 0,
    WriteCapacityUnits: provisioned ? table.writeCapacity : 0,
  };
}

function projection(index: IndexSeedData) {
  return {
    ProjectionType: index.projection,
    ...(index.projection === "INCLUDE" ? { NonKeyAttributes: index.nonKeyAttributes ?? [] } : {}),
  };
}

export function tableDescription(table: Table): Record<string, unknown> {
  const size = tableSize(table);
  const count = table.items.count;
  const index = (i: IndexSeedData) => ({
    IndexName: i.name,
    IndexArn: `${table.arn}/index/${i.name}`,
    KeySchema: keySchema(i.keySchema),
    Projection: projection(i),
    IndexSizeBytes: size,
    ItemCount: count,
  });
  const streamLabel = new Date(table.streamSince).toISOString().replace(/Z$/, "");
  return {
    TableName: table.name,
    TableArn: table.arn,
    TableId: table.id,
    TableStatus: tableStatus(table),
    CreationDateTime: seconds(table.createdAt),
    KeySchema: keySchema(table.keySchema),
    AttributeDefinitions: attributeDefinitions(table),
    ProvisionedThroughput: throughput(table),
    BillingModeSummary: {
      BillingMode: table.billingMode,
      ...(table.billingMode === "PAY_PER_REQUEST"
        ? { LastUpdateToPayPerRequestDateTime: seconds(table.createdAt) }
        : {}),
    },
    TableSizeBytes: size,
    ItemCount: count,
    DeletionProtectionEnabled: table.deletionProtection,
    ...(table.gsis.length > 0
      ? {
          GlobalSecondaryIndexes: table.gsis.map((g) => ({
            ...index(g),
            IndexStatus: tableStatus(table),
            ProvisionedThroughput: throughput(table),
          })),
        }
      : {}),
    ...(table.lsis.length > 0 ? { LocalSecondaryIndexes: table.lsis.map(index) } : {}),
    ...(table.streamViewType
      ? {
          StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType },
          LatestStreamLabel: streamLabel,
          LatestStreamArn: `${table.arn}/stream/${streamLabel}`,
        }
      : {}),
    ...(table.sseType === "KMS"
      ? { SSEDescription: { Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: table.kmsKeyArn } }
      : {}),
    ...(table.replicas.length > 0
      ? {
          GlobalTableVersion: "2019.11.21",
          Replicas: [table.region, ...table.replicas].map((r) => ({ RegionName: r, ReplicaStatus: "ACTIVE" })),
        }
      : {}),
  };
}

export function exportStatus(e: TableExport, now: number): ExportStatus {
  if (e.failure) return "FAILED";
  return now >= e.endsAt ? "COMPLETED" : "IN_PROGRESS";
}

/** `<prefix>/AWSDynamoDB/<exportId>` (no leading slash when there is no prefix). */
export function exportBase(e: TableExport): string {
  const prefix = e.params.prefix?.replace(/\/+$/, "");
  return `${prefix ? `${prefix}/` : ""}AWSDynamoDB/${e.id}`;
}

export function exportDescription(e: TableExport, now: number): Record<string, unknown> {
  const status = exportStatus(e, now);
  const p = e.params;
  return {
    ExportArn: e.arn,
    ExportStatus: status,
    StartTime: seconds(e.startedAt),
    ...(status !== "IN_PROGRESS" ? { EndTime: seconds(e.failure ? e.startedAt : e.endsAt) } : {}),
    ...(status === "COMPLETED"
      ? {
          ExportManifest: `${exportBase(e)}/manifest-summary.json`,
          BilledSizeBytes: e.sizeBytes,
          ItemCount: e.itemCount,
        }
      : {}),
    TableArn: p.tableArn,
    TableId: e.tableId,
    ExportTime: seconds(e.exportTime),
    ClientToken: e.clientToken,
    S3Bucket: p.bucket,
    ...(p.bucketOwner !== undefined ? { S3BucketOwner: p.bucketOwner } : {}),
    ...(p.prefix !== undefined ? { S3Prefix: p.prefix } : {}),
    S3SseAlgorithm: p.sseAlgorithm ?? "AES256",
    ...(p.sseKmsKeyId !== undefined ? { S3SseKmsKeyId: p.sseKmsKeyId } : {}),
    ...(e.failure ? { FailureCode: e.failure.code, FailureMessage: e.failure.message } : {}),
    ExportFormat: p.format,
    ExportType: "FULL_EXPORT",
  };
}

/**
 * AWS export ids: 14 digits (AWS's look like a time in ms), a dash, 8 hex digits. Here both come from the
 * account, region and a counter, never the clock, so two runs of a scenario write the same S3 keys.
 */
export function exportId(account: string, region: string, counter: number): string {
  const h = digest("dynamodb-export", account, region, counter);
  const digits = BigInt(`0x${h.slice(0, 16)}`)
    .toString()
    .padStart(14, "0")
    .slice(-14);
  return `${digits}-${h.slice(16, 24)}`;
}
