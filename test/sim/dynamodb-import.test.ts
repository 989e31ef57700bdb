/**
 * DynamoDB imports from S3 on the simulator through the real SDK: an export of account A into a bucket of
 * account B imported in B gives the same items; the table is CREATING until the import completes on the
 * virtual clock; ClientToken idempotency; a name in use; a missing bucket fails the import and takes the table
 * away; bad lines are counted in ErrorCount; TableCreationParameters are validated as CreateTable's.
 */
import {
  type AttributeValue,
  DeleteTableCommand,
  DescribeExportCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  ImportTableCommand,
  type ImportTableCommandInput,
  ListImportsCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { errorOf, keyOf, MINUTE, PROD, REGION, STAGING, startTestSim } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

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
          dynamoTables: [
            {
              name: "events",
              keySchema: { hash: { name: "id", type: "S" }, range: { name: "n", type: "N" } },
              pitr: true,
              generated: { count: 3_000, seed: "ev", itemsPerHashKey: 3 },
            },
          ],
        },
      },
    },
    [STAGING]: {
      regions: { [REGION]: { buckets: [{ name: "staging-landing", policy: putFrom(PROD) }] } },
    },
  },
};

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startTestSim(SEED);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const ddb = (account: string) =>
  new DynamoDBClient({ endpoint: sim.url, region: REGION, credentials: keyOf(account), maxAttempts: 1 });
const arnIn = (account: string, name: string) => `arn:aws:dynamodb:${REGION}:${account}:table/${name}`;

async function scanAll(account: string, table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await ddb(account).send(new ScanCommand({ TableName: table, Limit: 1000, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Canonical JSON (keys sorted at every level), so items compare as sets of strings. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

const creation = (name: string) => ({
  TableName: name,
  AttributeDefinitions: [
    { AttributeName: "id", AttributeType: "S" as const },
    { AttributeName: "n", AttributeType: "N" as const },
  ],
  KeySchema: [
    { AttributeName: "id", KeyType: "HASH" as const },
    { AttributeName: "n", KeyType: "RANGE" as const },
  ],
  BillingMode: "PAY_PER_REQUEST" as const,
});

const importOf = (input: Partial<ImportTableCommandInput>, account = STAGING) =>
  ddb(account).send(
    new ImportTableCommand({
      S3BucketSource: { S3Bucket: "staging-landing", S3BucketOwner: STAGING },
      InputFormat: "DYNAMODB_JSON",
      InputCompressionType: "GZIP",
      TableCreationParameters: creation("events"),
      ...input,
    }),
  );

/** Exports PROD's events into STAGING's bucket and returns the data prefix of the completed export. */
async function exportToStaging(): Promise<string> {
  const started = await ddb(PROD).send(
    new ExportTableToPointInTimeCommand({
      TableArn: arnIn(PROD, "events"),
      S3Bucket: "staging-landing",
      S3BucketOwner: STAGING,
      S3Prefix: "ddb",
    }),
  );
  const arn = started.ExportDescription?.ExportArn ?? "";
  sim.advance(10 * MINUTE);
  const done = await ddb(PROD).send(new DescribeExportCommand({ ExportArn: arn }));
  expect(done.ExportDescription?.ExportStatus).toBe("COMPLETED");
  return `ddb/AWSDynamoDB/${arn.split("/").pop()}/data/`;
}

describe("DynamoDB ImportTable", () => {
  it("imports another account's export: CREATING, then COMPLETED with the source's items", async () => {
    const prefix = await exportToStaging();
    const started = await importOf({
      ClientToken: "imp-1",
      S3BucketSource: { S3Bucket: "staging-landing", S3KeyPrefix: prefix },
    });
    const desc = started.ImportTableDescription;
    expect(desc?.ImportArn).toMatch(new RegExp(`^${arnIn(STAGING, "events")}/import/\\d{14}-[0-9a-f]{8}$`));
    expect(desc).toMatchObject({
      ImportStatus: "IN_PROGRESS",
      TableArn: arnIn(STAGING, "events"),
      InputFormat: "DYNAMODB_JSON",
      InputCompressionType: "GZIP",
      ClientToken: "imp-1",
      S3BucketSource: { S3Bucket: "staging-landing", S3KeyPrefix: prefix },
      TableCreationParameters: { TableName: "events", BillingMode: "PAY_PER_REQUEST" },
    });
    const creating = await ddb(STAGING).send(new DescribeTableCommand({ TableName: "events" }));
    expect(creating.Table).toMatchObject({ TableStatus: "CREATING", ItemCount: 0, TableId: desc?.TableId });
    const busy = await errorOf(ddb(STAGING).send(new DeleteTableCommand({ TableName: "events" })));
    expect(busy.name).toBe("ResourceInUseException");
    const notYet = await errorOf(ddb(STAGING).send(new ScanCommand({ TableName: "events" })));
    expect(notYet.name).toBe("ResourceNotFoundException");

    sim.advance(6 * MINUTE);
    const done = await ddb(STAGING).send(new DescribeImportCommand({ ImportArn: desc?.ImportArn }));
    expect(done.ImportTableDescription).toMatchObject({
      ImportStatus: "COMPLETED",
      ImportedItemCount: 3_000,
      ProcessedItemCount: 3_000,
      ErrorCount: 0,
    });
    expect(done.ImportTableDescription?.ProcessedSizeBytes).toBeGreaterThan(0);
    expect(done.ImportTableDescription?.EndTime).toBeInstanceOf(Date);
    const table = await ddb(STAGING).send(new DescribeTableCommand({ TableName: "events" }));
    expect(table.Table).toMatchObject({ TableStatus: "ACTIVE", ItemCount: 3_000, DeletionProtectionEnabled: false });
    expect(table.Table?.StreamSpecification).toBeUndefined();

    const source = new Set((await scanAll(PROD, "events")).map(canonical));
    const imported = (await scanAll(STAGING, "events")).map(canonical);
    expect(imported).toHaveLength(3_000);
    expect(new Set(imported)).toEqual(source);

    const listed = await ddb(STAGING).send(new ListImportsCommand({ TableArn: arnIn(STAGING, "events") }));
    expect(listed.ImportSummaryList?.map((s) => [s.ImportArn, s.ImportStatus])).toEqual([
      [desc?.ImportArn, "COMPLETED"],
    ]);
    expect(sim.dump().dynamodb?.imports).toEqual([
      {
        arn: desc?.ImportArn,
        status: "COMPLETED",
        table: arnIn(STAGING, "events"),
        bucket: "staging-landing",
        prefix,
        importedItemCount: 3_000,
        errorCount: 0,
        failureCode: null,
      },
    ]);
  });

  it("is idempotent by ClientToken; a name in use is ResourceInUseException", async () => {
    const first = await importOf({ ClientToken: "tok" });
    const again = await importOf({ ClientToken: "tok" });
    expect(again.ImportTableDescription?.ImportArn).toBe(first.ImportTableDescription?.ImportArn);
    const conflict = await errorOf(importOf({ ClientToken: "tok", InputCompressionType: "NONE" }));
    expect(conflict.name).toBe("ImportConflictException");
    const inUse = await errorOf(importOf({ ClientToken: "tok-2" }));
    expect(inUse.name).toBe("ResourceInUseException");
    expect(inUse.message).toBe("Table already exists: events");
    const existing = await errorOf(importOf({ TableCreationParameters: creation("events") }, PROD));
    expect(existing.name).toBe("ResourceInUseException");
  });

  it("fails on a missing bucket and takes the table away", async () => {
    const out = await importOf({ S3BucketSource: { S3Bucket: "no-such-bucket-anywhere" } });
    expect(out.ImportTableDescription).toMatchObject({ ImportStatus: "FAILED", FailureCode: "S3NoSuchBucket" });
    const gone = await errorOf(ddb(STAGING).send(new DescribeTableCommand({ TableName: "events" })));
    expect(gone.name).toBe("ResourceNotFoundException");
    const wrongOwner = await importOf({ S3BucketSource: { S3Bucket: "staging-landing", S3BucketOwner: PROD } });
    expect(wrongOwner.ImportTableDescription).toMatchObject({ ImportStatus: "FAILED", FailureCode: "S3AccessDenied" });
    // PROD may put into the bucket but not read it.
    const closed = await importOf(
      {
        S3BucketSource: { S3Bucket: "staging-landing", S3BucketOwner: STAGING },
        TableCreationParameters: creation("copy"),
      },
      PROD,
    );
    expect(closed.ImportTableDescription).toMatchObject({ ImportStatus: "FAILED", FailureCode: "S3AccessDenied" });
    expect(sim.dump().dynamodb?.deletedTables.map((t) => t.arn)).toEqual([
      arnIn(PROD, "copy"),
      arnIn(STAGING, "events"),
      arnIn(STAGING, "events"),
    ]);
  });

  it("skips a line without its key and counts it in ErrorCount", async () => {
    const lines = [
      { Item: { id: { S: "a" }, n: { N: "1" }, x: { S: "ok" } } },
      { Item: { id: { S: "b" }, x: { S: "no range key" } } },
      { Item: { id: { S: "c" }, n: { N: "2" } } },
    ];
    await s3Client(sim, STAGING).send(
      new PutObjectCommand({
        Bucket: "staging-landing",
        Key: "plain/part-1.json",
        Body: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
      }),
    );
    const out = await importOf({
      S3BucketSource: { S3Bucket: "staging-landing", S3KeyPrefix: "plain/" },
      InputCompressionType: "NONE",
    });
    sim.advance(6 * MINUTE);
    const done = await ddb(STAGING).send(
      new DescribeImportCommand({ ImportArn: out.ImportTableDescription?.ImportArn }),
    );
    expect(done.ImportTableDescription).toMatchObject({
      ImportStatus: "COMPLETED",
      ErrorCount: 1,
      ProcessedItemCount: 3,
      ImportedItemCount: 2,
    });
    expect((await scanAll(STAGING, "events")).map((i) => i.id?.S).sort()).toEqual(["a", "c"]);
  });

  it("a line that is not DynamoDB JSON fails the import but keeps the table with what was imported", async () => {
    const put = (Key: string, Body: string) =>
      s3Client(sim, STAGING).send(new PutObjectCommand({ Bucket: "staging-landing", Key, Body }));
    await put("mixed/a.json", `${JSON.stringify({ Item: { id: { S: "a" }, n: { N: "1" } } })}\n`);
    await put("mixed/b.json", `${JSON.stringify({ id: { S: "b" }, n: { N: "1" } })}\n`);
    const out = await importOf({
      S3BucketSource: { S3Bucket: "staging-landing", S3KeyPrefix: "mixed/" },
      InputCompressionType: "NONE",
    });
    sim.advance(6 * MINUTE);
    const done = await ddb(STAGING).send(
      new DescribeImportCommand({ ImportArn: out.ImportTableDescription?.ImportArn }),
    );
    expect(done.ImportTableDescription).toMatchObject({
      ImportStatus: "FAILED",
      ErrorCount: 1,
      ProcessedItemCount: 2,
      ImportedItemCount: 1,
    });
    const table = await ddb(STAGING).send(new DescribeTableCommand({ TableName: "events" }));
    expect(table.Table).toMatchObject({ TableStatus: "ACTIVE", ItemCount: 1 });
  });

  it("validates the table as CreateTable does and refuses what is not simulated", async () => {
    const undefinedKey = await errorOf(
      importOf({
        TableCreationParameters: {
          ...creation("tab1"),
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        },
      }),
    );
    expect(undefinedKey.name).toBe("ValidationException");
    expect(undefinedKey.message).toContain("Some index key attributes are not defined in AttributeDefinitions");
    const provisioned = await errorOf(
      importOf({ TableCreationParameters: { ...creation("tab2"), BillingMode: "PROVISIONED" } }),
    );
    expect(provisioned.message).toContain("ReadCapacityUnits and WriteCapacityUnits must both be specified");
    const ion = await errorOf(importOf({ InputFormat: "ION" }));
    expect(ion.name).toBe("ValidationException");
    expect(ion.message).toContain("not simulated by hikkoshi-sim");
    const zstd = await errorOf(importOf({ InputCompressionType: "ZSTD" }));
    expect(zstd.message).toContain("not simulated by hikkoshi-sim");
    const missing = await errorOf(
      ddb(STAGING).send(
        new DescribeImportCommand({ ImportArn: `${arnIn(STAGING, "events")}/import/01234567890123-abcdef01` }),
      ),
    );
    expect(missing.name).toBe("ImportNotFoundException");
  });
});

describe("DynamoDB ImportTable under identity policies", () => {
  const importer = `arn:aws:dynamodb:${REGION}:${STAGING}:table/copy`;
  let enforced: SimulatorHandle;
  beforeAll(async () => {
    enforced = await startTestSim({
      enforceIamPolicies: true,
      accounts: {
        [STAGING]: {
          users: [
            {
              name: "importer",
              policies: [
                {
                  Version: "2012-10-17",
                  Statement: [
                    { Effect: "Allow", Action: ["dynamodb:ImportTable", "s3:ListBucket"], Resource: "*" },
                    { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::staging-landing/in/*" },
                    {
                      Effect: "Allow",
                      Action: "logs:*",
                      Resource: `arn:aws:logs:${REGION}:${STAGING}:log-group:/aws-dynamodb/*`,
                    },
                  ],
                },
              ],
            },
            {
              name: "quiet",
              policies: [
                {
                  Version: "2012-10-17",
                  Statement: [
                    {
                      Effect: "Allow",
                      Action: ["dynamodb:ImportTable", "s3:ListBucket", "s3:GetObject"],
                      Resource: "*",
                    },
                  ],
                },
              ],
            },
          ],
          regions: { [REGION]: { buckets: [{ name: "staging-landing" }] } },
        },
      },
    });
  });
  afterAll(() => enforced.close());

  it("needs dynamodb:ImportTable on the new table, s3:ListBucket and s3:GetObject on the source, and its log group", async () => {
    const client = new DynamoDBClient({
      endpoint: enforced.url,
      region: REGION,
      credentials: { accessKeyId: `AKSIM${STAGING}-importer`, secretAccessKey: "x" },
      maxAttempts: 1,
    });
    const input = (prefix: string) =>
      new ImportTableCommand({
        S3BucketSource: { S3Bucket: "staging-landing", S3KeyPrefix: prefix },
        InputFormat: "DYNAMODB_JSON",
        TableCreationParameters: { ...creation("copy") },
      });
    const denied = await errorOf(client.send(input("elsewhere/")));
    expect(denied.name).toBe("AccessDeniedException");
    expect(denied.message).toContain("s3:GetObject on resource: arn:aws:s3:::staging-landing/elsewhere/*");
    const noLogs = new DynamoDBClient({
      endpoint: enforced.url,
      region: REGION,
      credentials: { accessKeyId: `AKSIM${STAGING}-quiet`, secretAccessKey: "x" },
      maxAttempts: 1,
    });
    const unlogged = await errorOf(noLogs.send(input("in/")));
    expect(unlogged.message).toContain("logs:CreateLogGroup on resource: arn:aws:logs:");
    const started = await client.send(input("in/"));
    expect(started.ImportTableDescription?.TableArn).toBe(importer);
  });
});
