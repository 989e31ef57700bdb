/**
 * A table that stays in the source ends the night with the PITR it had: move-table without deleteSource but
 * with enablePitr adds restore-pitr after the verify; restore-pitr turns PITR off only when the export turned
 * it on (once: a second run changes nothing), and is flagged as removing this run's own intermediate.
 */

import { DescribeContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { parseRunbook } from "../../../src/runbook/index.js";
import type { SimulatorHandle } from "../../../src/sim/index.js";
import { dynamodbRestorePitr } from "../../../src/steps/dynamodb/restore-pitr.js";
import { builtinRegistry } from "../../../src/steps/index.js";
import type { StepHarness } from "../../helpers/step-context.js";
import { startDynamoWorld } from "./world.js";

let sim: SimulatorHandle | undefined;
let h: StepHarness | undefined;
afterEach(async () => {
  h?.close();
  await sim?.close();
  sim = undefined;
  h = undefined;
});

const runbook = (extra: string) => `version: 1
name: keep-source
accounts:
  source: { id: "111111111111", region: ap-northeast-1 }
  target: { id: "222222222222", region: ap-northeast-1 }
steps:
  - id: t
    type: dynamodb.move-table
    with: { from: source, to: target, table: orders, bucket: staging-ddb-exports${extra} }
`;

describe("dynamodb.restore-pitr", () => {
  it("is in the move only when the source stays and the export may turn PITR on", () => {
    const ids = (extra: string) =>
      parseRunbook(runbook(extra), "keep.yaml", builtinRegistry()).tasks.map((t) => [t.id, t.needs]);
    expect(ids(", enablePitr: true")).toContainEqual(["t.restore-pitr", ["t.export", "t.verify"]]);
    expect(ids("").map(([id]) => id)).not.toContain("t.restore-pitr");
    expect(ids(", enablePitr: true, deleteSource: true").map(([id]) => id)).not.toContain("t.restore-pitr");
  });

  it("turns PITR off only when the export turned it on, once", async () => {
    ({ sim, h } = await startDynamoWorld([
      { name: "orders", keySchema: { hash: { name: "pk", type: "S" } }, pitr: true, generated: { count: 10 } },
    ]));
    const pitr = async () =>
      (
        await h!.session
          .client("source", "dynamodb")
          .send(new DescribeContinuousBackupsCommand({ TableName: "orders" }))
      ).ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
    const plan = await h.plan(dynamodbRestorePitr, "source", { table: "orders", wasOn: false });
    expect(plan).toMatchObject({ action: "modify", destructive: true, danger: "intermediate" });
    expect((await h.plan(dynamodbRestorePitr, "source", { table: "orders", wasOn: true })).action).toBe("noop");

    sim.resetStats();
    expect(await h.run(dynamodbRestorePitr, "source", { table: "orders", wasOn: true }, "a")).toEqual({
      table: "orders",
      changed: false,
    });
    expect(await pitr()).toBe("ENABLED");
    expect(await h.run(dynamodbRestorePitr, "source", { table: "orders", wasOn: false }, "b")).toEqual({
      table: "orders",
      changed: true,
    });
    expect(await pitr()).toBe("DISABLED");
    expect((await h.run(dynamodbRestorePitr, "source", { table: "orders", wasOn: false }, "b")).changed).toBe(false);
    expect(sim.stats().calls["dynamodb:UpdateContinuousBackups"]).toBe(1);
  });
});
