/**
 * dynamodb.export-table on the simulator: the plan blocks while PITR is off (and never enables it), refuses
 * a global table; the run exports into the target's bucket once (a resume with the export checkpointed, or
 * with the checkpoint lost, makes no second export), and a failed export says why.
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { type SimulatorHandle, startSimulator } from "../../../src/sim/index.js";
import { dynamodbExportTable } from "../../../src/steps/dynamodb/export-table.js";
import { createStepHarness, type StepHarness } from "../../helpers/step-context.js";

const REGION = "ap-northeast-1";
const PROD = "111111111111";
const STAGING = "222222222222";
const BUCKET = "staging-ddb-exports";

let sim: SimulatorHandle | undefined;
let h: StepHarness | undefined;
afterEach(async () => {
  h?.close();
  await sim?.close();
  sim = undefined;
  h = undefined;
});

/** Production's tables; staging's bucket lets production write its exports. */
async function start(pitr: boolean, extra: object = {}) {
  sim = await startSimulator({
    seed: {
      accounts: {
        [PROD]: {
          regions: {
            [REGION]: {
              dynamoTables: [
                {
                  name: "orders",
                  keySchema: { hash: { name: "pk", type: "S" } },
                  pitr,
                  generated: { count: 1200, seed: "orders" },
                  ...extra,
                },
              ],
            },
          },
        },
        [STAGING]: {
          regions: {
            [REGION]: {
              buckets: [
                {
                  name: BUCKET,
                  policy: {
                    Version: "2012-10-17",
                    Statement: [
                      {
                        Effect: "Allow",
                        Principal: { AWS: `arn:aws:iam::${PROD}:root` },
                        Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                        Resource: `arn:aws:s3:::${BUCKET}/*`,
                      },
                    ],
                  },
                },
              ],
            },
          },
        },
      },
    } as never,
  });
  sim.setSpeed(0);
  h = await createStepHarness({
    endpoint: sim.url,
    accounts: { source: { id: PROD, region: REGION }, target: { id: STAGING, region: REGION } },
    advance: (ms) => sim!.advance(ms),
    now: () => sim!.now(),
  });
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
