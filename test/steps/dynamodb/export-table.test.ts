/**
 * dynamodb.export-table on the simulator: the plan blocks while PITR is off (and never enables it), refuses
 * a global table; the run exports into the target's bucket once (a resume with the export checkpointed, or
 * with the checkpoint lost, makes no second export), and a failed export says why.
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../../src/sim/index.js";
import { dynamodbExportTable } from "../../../src/steps/dynamodb/export-table.js";
import type { StepHarness } from "../../helpers/step-context.js";
import { BUCKET, startDynamoWorld } from "./world.js";

let sim: SimulatorHandle | undefined;
let h: StepHarness | undefined;
afterEach(async () => {
  h?.close();
  await sim?.close();
  sim = undefined;
  h = undefined;
});

/** Production's orders table (PITR as given); staging's bucket lets production write its exports. */
async function start(pitr: boolean, extra: object = {}) {
  ({ sim, h } = await startDynamoWorld([
    {
      name: "orders",
      keySchema: { hash: { name: "pk", type: "S" } },
      pitr,
      generated: { count: 1200, seed: "orders" },
      ...extra,
    },
  ]));
  return { sim, h };
}

const params = { table: "orders", bucket: BUCKET, bucketAccount: "target" };
const failedCodes = (p: { preconditions: Array<{ ok: boolean; code: string }> }) =>
  p.preconditions.filter((c) => !c.ok).map((c) => c.code);

describe("dynamodb.export-table", () => {
  it("plan blocks while PITR is off and changes nothing; enablePitr lifts it", async () => {
    const { sim, h } = await start(false);
    sim.resetStats();
    expect(failedCodes(await h.plan(dynamodbExportTable, "source", params))).toContain("DYNAMODB_PITR_OFF");
    expect(failedCodes(await h.plan(dynamodbExportTable, "source", { ...params, enablePitr: true }))).toEqual([]);
    expect(sim.stats().mutating).toBe(0);
  });

  it("plan refuses a global table", async () => {
    const { h } = await start(true, { replicas: ["us-west-2"] });
    expect(failedCodes(await h.plan(dynamodbExportTable, "source", params))).toContain("DYNAMODB_GLOBAL_TABLE");
  });

  it("exports once into the target's bucket; a resume, checkpoint kept or lost, makes no second export", async () => {
    const { sim, h } = await start(false);
    const out = await h.run(dynamodbExportTable, "source", { ...params, enablePitr: true }, "export[orders]");
    expect(out).toMatchObject({ bucket: BUCKET, itemCount: 1200 });
    const s3 = h.session.client("target", "s3");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: String(out.prefix) }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys.some((k) => k.endsWith("manifest-summary.json"))).toBe(true);
    expect(keys.some((k) => k.endsWith(".json.gz"))).toBe(true);
    // The same task again (a crash before its result was recorded): the ClientToken finds the same export.
    const again = await h.run(dynamodbExportTable, "source", { ...params, enablePitr: true }, "export[orders]");
    expect(again.exportArn).toBe(out.exportArn);
    expect(sim.stats().calls["dynamodb:UpdateContinuousBackups"]).toBe(1);
  });
});
