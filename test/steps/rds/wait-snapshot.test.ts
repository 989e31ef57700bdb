import { CreateDBClusterSnapshotCommand } from "@aws-sdk/client-rds";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rdsWaitSnapshot } from "../../../src/steps/rds/wait-snapshot.js";
import { PROD, startWorld, type World } from "../setup.js";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.close());

describe("rds.wait-snapshot", () => {
  it("waits for a snapshot another tool is creating, reporting progress", async () => {
    await world.h.session.client("source", "rds").send(
      new CreateDBClusterSnapshotCommand({
        DBClusterSnapshotIdentifier: "manual-1",
        DBClusterIdentifier: "analytics",
      }),
    );
    const plan = await world.h.plan(rdsWaitSnapshot, "source", { snapshot: "manual-1", kind: "cluster" });
    expect(plan.action).toBe("wait");
    const out = await world.h.run(rdsWaitSnapshot, "source", { snapshot: "manual-1", kind: "cluster" });
    expect(out).toMatchObject({ snapshotId: "manual-1", kind: "cluster", sizeGb: 10 });
    expect(world.h.waits[0]?.percents.some((p) => p > 0 && p < 100)).toBe(true);
    expect(world.h.journal).toEqual([]);
  });

  it("sees a snapshot shared with the target by its ARN, already available", async () => {
    const arn = `arn:aws:rds:ap-northeast-1:${PROD}:snapshot:orders-db-shared`;
    const plan = await world.h.plan(rdsWaitSnapshot, "target", { snapshot: arn });
    expect(plan.action).toBe("already-done");
    expect(await world.h.run(rdsWaitSnapshot, "target", { snapshot: arn })).toMatchObject({ snapshotArn: arn });
  });
});
