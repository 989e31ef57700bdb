/**
 * A DynamoDB table moved step by step on the simulator: export into the target's bucket, import with the
 * source's keys, GSI and settings, verify every item; a resumed import makes no second import; verify
 * names a missing and a changed item; delete-table refuses without the verify of that very table, and
 * deletes with it. The plan refuses a table with LSIs and one whose target name is taken.
 */
import {
  DeleteItemCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../../src/sim/index.js";
import { dynamodbDeleteTable } from "../../../src/steps/dynamodb/delete-table.js";
import { dynamodbExportTable } from "../../../src/steps/dynamodb/export-table.js";
import { dynamodbImportTable } from "../../../src/steps/dynamodb/import-table.js";
import { dynamodbVerify } from "../../../src/steps/dynamodb/verify.js";
import type { StepHarness } from "../../helpers/step-context.js";
import { BUCKET, PROD, REGION, startDynamoWorld } from "./world.js";

let sim: SimulatorHandle | undefined;
let h: StepHarness | undefined;
afterEach(async () => {
  h?.close();
  await sim?.close();
  sim = undefined;
  h = undefined;
});

const ORDERS = {
  name: "orders",
  keySchema: { hash: { name: "pk", type: "S" }, range: { name: "sk", type: "N" } },
  pitr: true,
  ttlAttribute: "expiresAt",
  streamViewType: "NEW_AND_OLD_IMAGES",
  gsis: [{ name: "by-status", keySchema: { hash: { name: "status", type: "S" } }, projection: "KEYS_ONLY" }],
  tags: { team: "payments" },
  generated: { count: 1500, seed: "orders", itemsPerHashKey: 3 },
};

async function start(tables: object[] = [ORDERS], stagingTables: object[] = []) {
  ({ sim, h } = await startDynamoWorld(tables, stagingTables));
  return { sim, h };
}

const failedCodes = (p: { preconditions: Array<{ ok: boolean; code: string }> }) =>
  p.preconditions.filter((c) => !c.ok && (c as { severity?: string }).severity === "error").map((c) => c.code);

async function exportAndImport(h: StepHarness) {
  const exported = await h.run(
    dynamodbExportTable,
    "source",
    { table: "orders", bucket: BUCKET, bucketAccount: "target" },
    "t.export",
  );
  const importParams = {
    sourceAccount: "source",
    sourceTable: "orders",
    bucket: BUCKET,
    dataPrefix: exported.dataPrefix,
  };
  const imported = await h.run(dynamodbImportTable, "target", importParams, "t.import");
  return { exported, imported, importParams };
}

describe("dynamodb move, step by step", () => {
  it("imports with the source's keys, GSI and settings; a resumed import makes no second import", async () => {
    const { sim, h } = await start();
    const { imported, importParams } = await exportAndImport(h);
    expect(imported).toMatchObject({ table: "orders", itemCount: 1500, errorCount: 0 });
    const ddb = h.session.client("target", "dynamodb");
    const t = (await ddb.send(new DescribeTableCommand({ TableName: "orders" }))).Table!;
    expect(t.KeySchema?.map((k) => k.AttributeName)).toEqual(["pk", "sk"]);
    expect(t.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(["by-status"]);
    expect(t.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: "orders" }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" });
    const pitr = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: "orders" }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      "ENABLED",
    );
    const tags = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: t.TableArn }));
    const tagMap = Object.fromEntries((tags.Tags ?? []).map((x) => [x.Key, x.Value]));
    expect(tagMap).toMatchObject({ team: "payments", "hikkoshi:task": expect.any(String) });

    // The same task again, its checkpoint kept (a resume) or lost (a crash before it was saved).
    const again = await h.run(dynamodbImportTable, "target", importParams, "t.import");
    expect(again.importArn).toBe(imported.importArn);
    h.progress.delete("t.import");
    const lost = await h.run(dynamodbImportTable, "target", importParams, "t.import");
    expect(lost.importArn).toBe(imported.importArn);
    expect(sim.stats().calls["dynamodb:ImportTable"]).toBe(1);

    const verified = await h.run(
      dynamodbVerify,
      "target",
      { sourceAccount: "source", sourceTable: "orders", table: "orders", segments: 4 },
      "t.verify",
    );
    expect(verified).toMatchObject({ passed: true, itemCount: 1500 });
    expect(verified.source).toBe(`arn:aws:dynamodb:${REGION}:${PROD}:table/orders`);
  });

  it("verify names a missing and a changed item, and fails", async () => {
    const { h } = await start();
    await exportAndImport(h);
    const ddb = h.session.client("target", "dynamodb");
    const src = h.session.client("source", "dynamodb");
    const scan = await src.send(new ScanCommand({ TableName: "orders", Limit: 5 }));
    const [gone, , , victim] = scan.Items!;
    await ddb.send(new DeleteItemCommand({ TableName: "orders", Key: { pk: gone!.pk!, sk: gone!.sk! } }));
    await ddb.send(new PutItemCommand({ TableName: "orders", Item: { ...victim!, extra: { S: "planted" } } }));
    const verify = h.run(
      dynamodbVerify,
      "target",
      { sourceAccount: "source", sourceTable: "orders", table: "orders" },
      "t.verify",
    );
    await expect(verify).rejects.toMatchObject({ code: "DYNAMODB_VERIFY_FAILED" });
    const message = String(await verify.catch((e: Error) => e.message));
    expect(message).toMatch(/1499 items against 1500/);
    expect(message).toContain(`1 missing from the copy: {pk: "${gone!.pk!.S}", sk: ${gone!.sk!.N}}`);
    expect(message).toContain(`1 changed: {pk: "${victim!.pk!.S}", sk: ${victim!.sk!.N}}`);
  });

  it("delete-table acts only with a passed verify of that very table", async () => {
    const { h } = await start();
    const arn = `arn:aws:dynamodb:${REGION}:${PROD}:table/orders`;
    await expect(
      h.run(dynamodbDeleteTable, "source", { table: "orders", verification: { passed: true, source: `${arn}x` } }),
    ).rejects.toMatchObject({ code: "VERIFY_REQUIRED" });
    const plan = await h.plan(dynamodbDeleteTable, "source", {
      table: "orders",
      verification: { passed: false, source: arn },
    });
    expect(plan.danger).toBe("source");
    expect(failedCodes(plan)).toContain("VERIFY_REQUIRED");
    const out = await h.run(dynamodbDeleteTable, "source", {
      table: "orders",
      verification: { passed: true, source: arn },
    });
    expect(out.tableArn).toBe(arn);
    const ddb = h.session.client("source", "dynamodb");
    await expect(ddb.send(new DescribeTableCommand({ TableName: "orders" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("plan refuses local secondary indexes, a taken name, and protection on delete", async () => {
    const lsi = {
      ...ORDERS,
      name: "events",
      lsis: [{ name: "by-time", keySchema: { hash: { name: "pk", type: "S" }, range: { name: "at", type: "N" } } }],
    };
    const { h } = await start([lsi, { ...ORDERS, deletionProtection: true }], [{ ...ORDERS, generated: { count: 1 } }]);
    const base = { sourceAccount: "source", bucket: BUCKET, dataPrefix: "x/" };
    expect(failedCodes(await h.plan(dynamodbImportTable, "target", { ...base, sourceTable: "events" }))).toContain(
      "DYNAMODB_LSI_NOT_IMPORTABLE",
    );
    expect(failedCodes(await h.plan(dynamodbImportTable, "target", { ...base, sourceTable: "orders" }))).toContain(
      "TABLE_EXISTS",
    );
    const arn = `arn:aws:dynamodb:${REGION}:${PROD}:table/orders`;
    const del = await h.plan(dynamodbDeleteTable, "source", {
      table: "orders",
      verification: { passed: true, source: arn },
    });
    expect(failedCodes(del)).toEqual(["DYNAMODB_DELETION_PROTECTED"]);
  });
});
