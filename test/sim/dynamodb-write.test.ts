/**
 * DynamoDB's write half on the simulator through the real SDK: PutItem / GetItem / DeleteItem over a generated
 * table (the overlay keeps a parallel scan exact), DeleteTable with its DELETING window and deletion protection,
 * UpdateTimeToLive and UpdateTable (streams, protection, billing) with DynamoDB's refusals, and tags.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  ScanCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { errorOf, keyOf, PROD, REGION, STAGING, startTestSim } from "./helpers.js";

const SEED: SeedObject = {
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          dynamoTables: [
            {
              name: "events",
              keySchema: { hash: { name: "id", type: "S" } },
              generated: { count: 10_000, seed: "ev" },
            },
            {
              name: "orders",
              keySchema: { hash: { name: "pk", type: "S" }, range: { name: "sk", type: "N" } },
              ttlAttribute: "expiresAt",
              deletionProtection: true,
              tags: { team: "core" },
              items: [{ pk: "a", sk: 1 }],
            },
            { name: "scratch", keySchema: { hash: { name: "pk", type: "S" } }, items: [{ pk: "x" }] },
          ],
        },
      },
    },
    [STAGING]: {},
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

async function scanSegment(table: string, segment: number, total: number): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await ddb().send(
      new ScanCommand({
        TableName: table,
        Limit: 500,
        Segment: segment,
        TotalSegments: total,
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

const id = (n: number) => ({ S: `id-${String(n).padStart(4, "0")}` });

describe("DynamoDB PutItem / GetItem / DeleteItem", () => {
  it("changes a generated table: 4 segments still return every item exactly once, ItemCount follows", async () => {
    const before = await ddb().send(new DescribeTableCommand({ TableName: "events" }));
    expect(before.Table?.ItemCount).toBe(10_000);
    const size = before.Table?.TableSizeBytes ?? 0;

    for (const n of [5, 1234, 9999])
      await ddb().send(new DeleteItemCommand({ TableName: "events", Key: { id: id(n) } }));
    const old = await ddb().send(
      new PutItemCommand({
        TableName: "events",
        Item: { id: id(42), label: { S: "changed" } },
        ReturnValues: "ALL_OLD",
      }),
    );
    expect(old.Attributes?.amount).toBeDefined();
    for (const key of ["new-1", "new-2"])
      await ddb().send(new PutItemCommand({ TableName: "events", Item: { id: { S: key }, note: { S: "planted" } } }));

    const got = await ddb().send(new GetItemCommand({ TableName: "events", Key: { id: id(42) } }));
    expect(got.Item).toEqual({ id: id(42), label: { S: "changed" } });
    const none = await ddb().send(new GetItemCommand({ TableName: "events", Key: { id: id(5) } }));
    expect(none.Item).toBeUndefined();

    const segments = await Promise.all([0, 1, 2, 3].map((s) => scanSegment("events", s, 4)));
    const ids = segments.flat().map((i) => i.id?.S ?? "");
    expect(ids).toHaveLength(10_000 - 3 + 2);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(["new-1", "new-2", "id-0042"]));
    expect(ids).not.toContain("id-1234");
    expect(segments.flat().find((i) => i.id?.S === "id-0042")).toEqual({ id: id(42), label: { S: "changed" } });

    const after = await ddb().send(new DescribeTableCommand({ TableName: "events" }));
    expect(after.Table?.ItemCount).toBe(9_999);
    expect(after.Table?.TableSizeBytes).not.toBe(size);
  });

  it("a scan page's last key may be deleted before the next page", async () => {
    const first = await ddb().send(new ScanCommand({ TableName: "events", Limit: 100 }));
    const last = first.LastEvaluatedKey;
    expect(last).toBeDefined();
    await ddb().send(new DeleteItemCommand({ TableName: "events", Key: last }));
    const next = await ddb().send(new ScanCommand({ TableName: "events", Limit: 100, ExclusiveStartKey: last }));
    expect(next.Items?.[0]?.id).not.toEqual(last?.id);
    expect(next.Count).toBe(100);
  });

  it("refuses items without their key, wrong key types and expressions", async () => {
    const missing = await errorOf(
      ddb().send(new PutItemCommand({ TableName: "orders", Item: { pk: { S: "b" }, x: { S: "y" } } })),
    );
    expect(missing.name).toBe("ValidationException");
    expect(missing.message).toBe("One or more parameter values were invalid: Missing the key sk in the item");
    const wrongType = await errorOf(
      ddb().send(new PutItemCommand({ TableName: "orders", Item: { pk: { S: "b" }, sk: { S: "1" } } })),
    );
    expect(wrongType.message).toContain("Type mismatch for key sk expected: N actual: S");
    const badKey = await errorOf(ddb().send(new GetItemCommand({ TableName: "orders", Key: { pk: { S: "a" } } })));
    expect(badKey.message).toBe("The provided key element does not match the schema");
    const condition = await errorOf(
      ddb().send(
        new PutItemCommand({
          TableName: "orders",
          Item: { pk: { S: "b" }, sk: { N: "1" } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
    expect(condition.message).toContain("not simulated");
    const noTable = await errorOf(ddb().send(new GetItemCommand({ TableName: "nope", Key: { id: { S: "x" } } })));
    expect(noTable.name).toBe("ResourceNotFoundException");
  });
});

describe("DynamoDB DeleteTable", () => {
  it("is DELETING for a few virtual seconds, then gone; the dump keeps it", async () => {
    const out = await ddb().send(new DeleteTableCommand({ TableName: "scratch" }));
    expect(out.TableDescription).toMatchObject({ TableName: "scratch", TableStatus: "DELETING" });
    const deleting = await ddb().send(new DescribeTableCommand({ TableName: "scratch" }));
    expect(deleting.Table?.TableStatus).toBe("DELETING");
    const again = await errorOf(ddb().send(new DeleteTableCommand({ TableName: "scratch" })));
    expect(again.name).toBe("ResourceInUseException");
    sim.advance(11_000);
    const gone = await errorOf(ddb().send(new DescribeTableCommand({ TableName: "scratch" })));
    expect(gone.name).toBe("ResourceNotFoundException");
    expect(sim.dump().dynamodb?.deletedTables).toEqual([
      expect.objectContaining({ arn: tableArn("scratch"), itemCount: 1 }),
    ]);
  });

  it("refuses while deletion protection is on, until UpdateTable turns it off", async () => {
    const described = await ddb().send(new DescribeTableCommand({ TableName: "orders" }));
    expect(described.Table?.DeletionProtectionEnabled).toBe(true);
    const refused = await errorOf(ddb().send(new DeleteTableCommand({ TableName: "orders" })));
    expect(refused.name).toBe("ValidationException");
    expect(refused.message).toBe(
      "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
    );
    const off = await ddb().send(new UpdateTableCommand({ TableName: "orders", DeletionProtectionEnabled: false }));
    expect(off.TableDescription?.DeletionProtectionEnabled).toBe(false);
    const deleted = await ddb().send(new DeleteTableCommand({ TableName: "orders" }));
    expect(deleted.TableDescription?.TableStatus).toBe("DELETING");
  });
});

describe("DynamoDB UpdateTimeToLive / UpdateTable", () => {
  it("answers DynamoDB's refusals for TTL", async () => {
    const other = await errorOf(
      ddb().send(
        new UpdateTimeToLiveCommand({
          TableName: "orders",
          TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" },
        }),
      ),
    );
    expect(other.message).toBe("TimeToLive is active on a different AttributeName: current AttributeName is expiresAt");
    const already = await errorOf(
      ddb().send(
        new UpdateTimeToLiveCommand({
          TableName: "orders",
          TimeToLiveSpecification: { Enabled: true, AttributeName: "expiresAt" },
        }),
      ),
    );
    expect(already.message).toBe("TimeToLive is already enabled");
    const on = await ddb().send(
      new UpdateTimeToLiveCommand({
        TableName: "events",
        TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" },
      }),
    );
    expect(on.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: "ttl" });
    const ttl = await ddb().send(new DescribeTimeToLiveCommand({ TableName: "events" }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: "ttl" });
  });

  it("enables a stream once, stores billing, refuses what it does not simulate", async () => {
    const on = await ddb().send(
      new UpdateTableCommand({
        TableName: "events",
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
      }),
    );
    expect(on.TableDescription?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_IMAGE" });
    expect(on.TableDescription?.LatestStreamArn).toMatch(new RegExp(`^${tableArn("events")}/stream/`));
    const twice = await errorOf(
      ddb().send(
        new UpdateTableCommand({
          TableName: "events",
          StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
        }),
      ),
    );
    expect(twice.name).toBe("ValidationException");
    expect(twice.message).toBe("Table already has an enabled stream: TableName: events");
    const provisioned = await ddb().send(
      new UpdateTableCommand({
        TableName: "events",
        BillingMode: "PROVISIONED",
        ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
      }),
    );
    expect(provisioned.TableDescription?.BillingModeSummary?.BillingMode).toBe("PROVISIONED");
    expect(provisioned.TableDescription?.ProvisionedThroughput).toMatchObject({
      ReadCapacityUnits: 7,
      WriteCapacityUnits: 3,
    });
    const gsi = await errorOf(
      ddb().send(new UpdateTableCommand({ TableName: "events", TableClass: "STANDARD_INFREQUENT_ACCESS" })),
    );
    expect(gsi.message).toContain("not simulated");
    await ddb().send(new DeleteTableCommand({ TableName: "scratch" }));
    const deleting = await errorOf(
      ddb().send(new UpdateTableCommand({ TableName: "scratch", DeletionProtectionEnabled: true })),
    );
    expect(deleting.name).toBe("ResourceInUseException");
  });
});

describe("DynamoDB tags", () => {
  it("round-trips tags on a table ARN", async () => {
    const arn = tableArn("orders");
    await ddb().send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [
          { Key: "env", Value: "prod" },
          { Key: "team", Value: "data" },
        ],
      }),
    );
    await ddb().send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ["env"] }));
    const listed = await ddb().send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
    expect(listed.Tags).toEqual([{ Key: "team", Value: "data" }]);
    const missing = await errorOf(ddb().send(new ListTagsOfResourceCommand({ ResourceArn: tableArn("nope") })));
    expect(missing.name).toBe("ResourceNotFoundException");
    const foreign = await errorOf(ddb(STAGING).send(new ListTagsOfResourceCommand({ ResourceArn: arn })));
    expect(foreign.name).toBe("AccessDeniedException");
  });
});
