/**
 * DynamoDB's edges on the simulator: identity-policy denials as DynamoDB answers them, the error shape on the
 * wire (namespaced `__type`), and seeds whose items do not fit their key schema.
 */
import {
  DescribeTableCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { populateWorld } from "../../src/sim/populate.js";
import { createJsonProtocol } from "../../src/sim/protocol/json.js";
import { parseSeed, type SeedObject } from "../../src/sim/seed.js";
import { errorOf, PROD, REGION, startTestSim } from "./helpers.js";

const TABLE = `arn:aws:dynamodb:${REGION}:${PROD}:table/orders`;
const SEED: SeedObject = {
  enforceIamPolicies: true,
  accounts: {
    [PROD]: {
      users: [
        {
          name: "reader",
          policies: [
            {
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "dynamodb:DescribeTable", Resource: TABLE }],
            },
          ],
        },
        {
          name: "exporter",
          policies: [
            {
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "dynamodb:ExportTableToPointInTime", Resource: TABLE }],
            },
          ],
        },
      ],
      regions: {
        [REGION]: {
          buckets: [{ name: "prod-exports" }],
          dynamoTables: [
            { name: "orders", keySchema: { hash: { name: "pk", type: "S" } }, pitr: true, items: [{ pk: "a" }] },
          ],
        },
      },
    },
  },
};

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startTestSim(SEED);
});
afterAll(() => sim.close());

const as = (user: string) =>
  new DynamoDBClient({
    endpoint: sim.url,
    region: REGION,
    credentials: { accessKeyId: `AKSIM${PROD}-${user}`, secretAccessKey: "x" },
    maxAttempts: 1,
  });

describe("DynamoDB access and wire", () => {
  it("answers AccessDeniedException (400) when the caller's identity policies do not allow the action", async () => {
    const described = await as("reader").send(new DescribeTableCommand({ TableName: "orders" }));
    expect(described.Table?.ItemCount).toBe(1);
    const denied = await errorOf(as("reader").send(new ScanCommand({ TableName: "orders" })));
    expect(denied.name).toBe("AccessDeniedException");
    expect(denied.$metadata?.httpStatusCode).toBe(400);
    expect(denied.message).toContain(`dynamodb:Scan on resource: ${TABLE}`);
    // An export also writes the files as the caller: s3:PutObject under the export's prefix.
    const noPut = await errorOf(
      as("exporter").send(
        new ExportTableToPointInTimeCommand({ TableArn: TABLE, S3Bucket: "prod-exports", S3Prefix: "x" }),
      ),
    );
    expect(noPut.name).toBe("AccessDeniedException");
    expect(noPut.message).toContain("s3:PutObject on resource: arn:aws:s3:::prod-exports/x/AWSDynamoDB/*");
  });

  it("writes errors as DynamoDB does: awsJson1_0, a namespaced __type", () => {
    const protocol = createJsonProtocol({
      targetPrefix: "DynamoDB_20120810",
      version: "1.0",
      errorNamespace: "com.amazonaws.dynamodb.v20120810",
    });
    const reply = protocol.failure({ code: "ResourceNotFoundException", message: "gone", status: 400 }, "r1");
    expect(reply.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(JSON.parse(String(reply.body))).toEqual({
      __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
      message: "gone",
    });
  });

  it("refuses seeds whose items do not fit the key schema, duplicate keys and local indexes on another hash key", () => {
    const parsed = parseSeed({
      accounts: {
        [PROD]: {
          regions: {
            [REGION]: {
              dynamoTables: [
                {
                  name: "bad",
                  keySchema: { hash: { name: "pk", type: "S" }, range: { name: "sk", type: "N" } },
                  lsis: [
                    { name: "other", keySchema: { hash: { name: "x", type: "S" }, range: { name: "y", type: "S" } } },
                  ],
                  items: [{ pk: "a", sk: 1 }, { pk: "a", sk: 1 }, { pk: 1, sk: 2 }, { pk: "b" }],
                },
              ],
            },
          },
        },
      },
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const world = populateWorld(parsed.seed, 0);
    expect(world.ok).toBe(false);
    if (world.ok) return;
    const where = `accounts.${PROD}.regions.${REGION}.dynamoTables.0`;
    expect(world.problems).toEqual([
      `${where}.lsis.0: a local index has the table's hash key and a range key`,
      `${where}.items.1: another item has the same primary key`,
      `${where}.items.2: key attribute pk must be of type S`,
      `${where}.items.3: key attribute sk must be of type N`,
    ]);
    expect(
      parseSeed({
        accounts: {
          [PROD]: {
            regions: {
              [REGION]: {
                dynamoTables: [
                  { name: "t", keySchema: { hash: { name: "k", type: "S" } }, items: [], generated: { count: 1 } },
                ],
              },
            },
          },
        },
      }).ok,
    ).toBe(false);
  });
});
