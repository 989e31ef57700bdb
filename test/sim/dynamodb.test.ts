/**
 * DynamoDB on the simulator through the real SDK (awsJson1_0): table descriptions, a parallel Scan, and
 * exports to S3 (PITR, virtual-clock completion, AWS's file layout, ClientToken idempotency, bucket owners).
 */
import { gunzipSync } from "node:zlib";
import {
  type AttributeValue,
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  type ExportTableToPointInTimeCommandInput,
  ListExportsCommand,
  ListTablesCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
} from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { errorOf, keyOf, MINUTE, PROD, REGION, STAGING, startTestSim } from "./helpers.js";
import { OTHER, s3Client } from "./s3-helpers.js";

const putFrom = (account: string) => ({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "s3:PutObject", Resource: "*" },
  ],
});

const SEED: SeedObject = {
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          kmsKeys: [{ alias: "alias/app" }],
          buckets: [{ name: "prod-exports" }],
          dynamoTables: [
            {
              name: "orders",
              keySchema: { hash: { name: "pk", type: "S" }, range: { name: "sk", type: "N" } },
              ttlAttribute: "expiresAt",
              streamViewType: "NEW_AND_OLD_IMAGES",
              gsis: [{ name: "byCustomer", keySchema: { hash: { name: "customer", type: "S" } } }],
              lsis: [
                {
                  name: "byDate",
                  keySchema: { hash: { name: "pk", type: "S" }, range: { name: "day", type: "S" } },
                  projection: "KEYS_ONLY",
                },
              ],
              sseType: "KMS",
              kmsKey: "alias/app",
              replicas: ["us-west-2"],
              items: [
                { pk: "o#1", sk: 1, customer: "c1", total: 12.5, paid: true, note: null, lines: [1, "x"] },
                { pk: "o#1", sk: 2, customer: "c2", meta: { a: { b: [true] } } },
                { pk: "o#2", sk: 1, customer: "c1" },
              ],
            },
            {
              name: "events",
              keySchema: { hash: { name: "id", type: "S" } },
              pitr: true,
              generated: { count: 10_000, seed: "ev" },
            },
          ],
        },
      },
    },
    [STAGING]: {
      regions: {
        [REGION]: { buckets: [{ name: "staging-landing", policy: putFrom(PROD) }, { name: "staging-closed" }] },
      },
    },
    [OTHER]: {},
  },
};

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startTestSim(SEED);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const ddb = (account = PROD) =>
  new DynamoDBClient({ endpoint: sim.url, region: REGION, credentials: keyOf(account), maxAttempts: 1 });
const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${PROD}:table/${name}`;

async function scanAll(table: string, segment?: number, total?: number): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await ddb().send(
      new ScanCommand({
        TableName: table,
        Limit: 700,
        Segment: segment,
        TotalSegments: total,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

async function objectBytes(bucket: string, key: string, account = PROD): Promise<Buffer> {
  const out = await s3Client(sim, account).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
}

const exportOf = (input: Partial<ExportTableToPointInTimeCommandInput>) =>
  ddb().send(new ExportTableToPointInTimeCommand({ TableArn: tableArn("events"), S3Bucket: "prod-exports", ...input }));

describe("DynamoDB tables", () => {
  it("describes a table: keys, indexes, stream, SSE, replicas, size and count", async () => {
    const { Table } = await ddb().send(new DescribeTableCommand({ TableName: "orders" }));
    expect(Table).toMatchObject({
      TableName: "orders",
      TableArn: tableArn("orders"),
      TableStatus: "ACTIVE",
      ItemCount: 3,
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingModeSummary: { BillingMode: "PAY_PER_REQUEST" },
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      SSEDescription: { Status: "ENABLED", SSEType: "KMS" },
      GlobalTableVersion: "2019.11.21",
    });
    expect(Table?.TableSizeBytes).toBeGreaterThan(0);
    expect(Table?.CreationDateTime).toBeInstanceOf(Date);
    expect(Table?.SSEDescription?.KMSMasterKeyArn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${PROD}:key/`));
    expect(Table?.AttributeDefinitions?.map((a) => `${a.AttributeName}:${a.AttributeType}`).sort()).toEqual([
      "customer:S",
      "day:S",
      "pk:S",
      "sk:N",
    ]);
    expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({ IndexName: "byCustomer", IndexStatus: "ACTIVE" });
    expect(Table?.LocalSecondaryIndexes?.[0]?.Projection).toEqual({ ProjectionType: "KEYS_ONLY" });
    expect(Table?.Replicas?.map((r) => r.RegionName)).toEqual([REGION, "us-west-2"]);

    const ttl = await ddb().send(new DescribeTimeToLiveCommand({ TableName: "orders" }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" });
    const backups = await ddb().send(new DescribeContinuousBackupsCommand({ TableName: "orders" }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      "DISABLED",
    );

    const missing = await errorOf(ddb().send(new DescribeTableCommand({ TableName: "nope" })));
    expect(missing.name).toBe("ResourceNotFoundException");
    expect(missing.$metadata?.httpStatusCode).toBe(400);
    const otherAccount = await errorOf(ddb(STAGING).send(new DescribeTableCommand({ TableName: "orders" })));
    expect(otherAccount.name).toBe("ResourceNotFoundException");
    const noBackups = await errorOf(ddb().send(new DescribeContinuousBackupsCommand({ TableName: "nope" })));
    expect(noBackups.name).toBe("TableNotFoundException");
  });

  it("lists the caller's tables of the region by name, a page at a time", async () => {
    const first = await ddb().send(new ListTablesCommand({ Limit: 1 }));
    expect(first).toMatchObject({ TableNames: ["events"], LastEvaluatedTableName: "events" });
    const rest = await ddb().send(new ListTablesCommand({ ExclusiveStartTableName: "events" }));
    expect(rest.TableNames).toEqual(["orders"]);
    expect(rest.LastEvaluatedTableName).toBeUndefined();
    expect((await ddb(STAGING).send(new ListTablesCommand({}))).TableNames).toEqual([]);
    expect(await errorOf(ddb().send(new ListTablesCommand({ Limit: 101 })))).toMatchObject({
      name: "ValidationException",
    });
  });

  it("converts seeded plain JSON to AttributeValues", async () => {
    const items = await scanAll("orders");
    expect(items.find((i) => i.pk?.S === "o#1" && i.sk?.N === "1")).toEqual({
      pk: { S: "o#1" },
      sk: { N: "1" },
      customer: { S: "c1" },
      total: { N: "12.5" },
      paid: { BOOL: true },
      note: { NULL: true },
      lines: { L: [{ N: "1" }, { S: "x" }] },
    });
  });

  it("a parallel scan over 4 segments returns every item of a 10,000-item table exactly once", async () => {
    const segments = await Promise.all([0, 1, 2, 3].map((s) => scanAll("events", s, 4)));
    for (const items of segments) expect(items.length).toBeGreaterThan(1000);
    const ids = segments.flat().map((i) => i.id?.S);
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
    const again = await scanAll("events", 2, 4);
    expect(again).toEqual(segments[2]);

    const bad = await errorOf(ddb().send(new ScanCommand({ TableName: "events", Segment: 4, TotalSegments: 4 })));
    expect(bad.name).toBe("ValidationException");
  });
});

describe("DynamoDB exports to S3", () => {
  it("refuses an export while PITR is off; UpdateContinuousBackups turns it on", async () => {
    const refused = await errorOf(exportOf({ TableArn: tableArn("orders") }));
    expect(refused.name).toBe("PointInTimeRecoveryUnavailableException");
    expect(refused.$metadata?.httpStatusCode).toBe(400);

    const on = await ddb().send(
      new UpdateContinuousBackupsCommand({
        TableName: "orders",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    expect(on.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe("ENABLED");
    const out = await exportOf({ TableArn: tableArn("orders") });
    expect(out.ExportDescription?.ExportStatus).toBe("IN_PROGRESS");
  });

  it("completes on the virtual clock and writes AWS's layout; the data files hold exactly the table's items", async () => {
    const started = await exportOf({ S3Prefix: "ddb/events" });
    const arn = started.ExportDescription?.ExportArn ?? "";
    expect(arn).toMatch(new RegExp(`^${tableArn("events")}/export/\\d{14}-[0-9a-f]{8}$`));
    const id = arn.split("/").pop();
    const base = `ddb/events/AWSDynamoDB/${id}`;
    expect(started.ExportDescription).toMatchObject({ ExportStatus: "IN_PROGRESS", ExportFormat: "DYNAMODB_JSON" });

    sim.advance(2 * MINUTE);
    const running = await ddb().send(new DescribeExportCommand({ ExportArn: arn }));
    expect(running.ExportDescription?.ExportStatus).toBe("IN_PROGRESS");
    sim.advance(10 * MINUTE);
    const done = await ddb().send(new DescribeExportCommand({ ExportArn: arn }));
    expect(done.ExportDescription).toMatchObject({
      ExportStatus: "COMPLETED",
      ItemCount: 10_000,
      ExportManifest: `${base}/manifest-summary.json`,
    });
    expect(sim.dump().dynamodb?.exports).toEqual([
      {
        arn,
        status: "COMPLETED",
        table: tableArn("events"),
        bucket: "prod-exports",
        base,
        itemCount: 10_000,
        failureCode: null,
      },
    ]);
    const listed = await ddb().send(new ListExportsCommand({ TableArn: tableArn("events") }));
    expect(listed.ExportSummaries).toEqual([{ ExportArn: arn, ExportStatus: "COMPLETED", ExportType: "FULL_EXPORT" }]);

    const keys = (
      await s3Client(sim).send(new ListObjectsV2Command({ Bucket: "prod-exports", Prefix: `${base}/` }))
    ).Contents?.map((c) => c.Key ?? "");
    expect(keys?.filter((k) => !k.includes("/data/"))).toEqual(
      [
        "_started",
        "manifest-files.checksum",
        "manifest-files.json",
        "manifest-summary.checksum",
        "manifest-summary.json",
      ].map((f) => `${base}/${f}`),
    );
    const summary = JSON.parse((await objectBytes("prod-exports", `${base}/manifest-summary.json`)).toString());
    expect(summary).toMatchObject({
      version: "2020-06-30",
      exportArn: arn,
      tableArn: tableArn("events"),
      s3Bucket: "prod-exports",
      s3Prefix: "ddb/events",
      itemCount: 10_000,
      outputFormat: "DYNAMODB_JSON",
      manifestFilesS3Key: `${base}/manifest-files.json`,
    });
    const files = (await objectBytes("prod-exports", summary.manifestFilesS3Key)).toString().trim().split("\n");
    const exported: unknown[] = [];
    for (const line of files) {
      const entry = JSON.parse(line) as { itemCount: number; dataFileS3Key: string; etag: string };
      expect(entry.dataFileS3Key).toMatch(new RegExp(`^${base}/data/[a-z0-9]+\\.json\\.gz$`));
      const text = gunzipSync(await objectBytes("prod-exports", entry.dataFileS3Key)).toString();
      const lines = text.split("\n").filter((l) => l !== "");
      expect(lines).toHaveLength(entry.itemCount);
      exported.push(...lines.map((l) => (JSON.parse(l) as { Item: unknown }).Item));
    }
    const byId = (a: unknown, b: unknown) =>
      (a as { id: { S: string } }).id.S < (b as { id: { S: string } }).id.S ? -1 : 1;
    expect(exported.sort(byId)).toEqual((await scanAll("events")).sort(byId));
  });

  it("is idempotent by ClientToken: same parameters, same export; other parameters, ImportConflictException", async () => {
    const first = await exportOf({ ClientToken: "tok-1", S3Prefix: "a" });
    const again = await exportOf({ ClientToken: "tok-1", S3Prefix: "a" });
    expect(again.ExportDescription?.ExportArn).toBe(first.ExportDescription?.ExportArn);
    const conflict = await errorOf(exportOf({ ClientToken: "tok-1", S3Prefix: "b" }));
    expect(conflict.name).toBe("ImportConflictException");
    const other = await exportOf({ ClientToken: "tok-2", S3Prefix: "a" });
    expect(other.ExportDescription?.ExportArn).not.toBe(first.ExportDescription?.ExportArn);
    // Ids come from account, region and a counter: the same scenario after a reset makes the same export.
    sim.reset();
    sim.advance(MINUTE);
    const replayed = await exportOf({ ClientToken: "tok-1", S3Prefix: "a" });
    expect(replayed.ExportDescription?.ExportArn).toBe(first.ExportDescription?.ExportArn);
  });

  it("writes into another account's bucket its policy opens; fails S3AccessDenied on an owner mismatch or a closed bucket", async () => {
    const ok = await exportOf({ S3Bucket: "staging-landing", S3BucketOwner: STAGING });
    const wrongOwner = await exportOf({ S3Bucket: "staging-landing", S3BucketOwner: OTHER });
    const noOwner = await exportOf({ S3Bucket: "staging-landing" });
    const closed = await exportOf({ S3Bucket: "staging-closed", S3BucketOwner: STAGING });
    for (const failed of [wrongOwner, noOwner, closed]) {
      expect(failed.ExportDescription).toMatchObject({ ExportStatus: "FAILED", FailureCode: "S3AccessDenied" });
    }
    const missing = await exportOf({ S3Bucket: "no-such-bucket-anywhere" });
    expect(missing.ExportDescription).toMatchObject({ ExportStatus: "FAILED", FailureCode: "S3NoSuchBucket" });

    sim.advance(10 * MINUTE);
    const done = await ddb().send(new DescribeExportCommand({ ExportArn: ok.ExportDescription?.ExportArn }));
    expect(done.ExportDescription?.ExportStatus).toBe("COMPLETED");
    const landing = await s3Client(sim, STAGING).send(new ListObjectsV2Command({ Bucket: "staging-landing" }));
    expect(landing.Contents?.some((c) => c.Key?.endsWith("manifest-summary.json"))).toBe(true);
    const closedList = await s3Client(sim, STAGING).send(new ListObjectsV2Command({ Bucket: "staging-closed" }));
    expect(closedList.Contents ?? []).toEqual([]);
  });

  it("refuses ION as not simulated and an unknown export as ExportNotFoundException", async () => {
    const ion = await errorOf(exportOf({ ExportFormat: "ION" }));
    expect(ion.name).toBe("ValidationException");
    expect(ion.message).toContain("not simulated");
    const missing = await errorOf(
      ddb().send(new DescribeExportCommand({ ExportArn: `${tableArn("events")}/export/01234567890123-abcdef01` })),
    );
    expect(missing.name).toBe("ExportNotFoundException");
  });
});
