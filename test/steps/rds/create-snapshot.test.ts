import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rdsCreateSnapshot } from "../../../src/steps/rds/create-snapshot.js";
import { mutations, startWorld, type World } from "../setup.js";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.close());

const rds = () => world.h.session.client("source", "rds");
const manualSnapshots = async (instance: string) =>
  (await rds().send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: instance, SnapshotType: "manual" })))
    .DBSnapshots ?? [];

describe("rds.create-snapshot", () => {
  it("run twice makes one snapshot", async () => {
    const first = await world.h.run(rdsCreateSnapshot, "source", { instance: "orders-db" }, "db.snapshot[orders-db]");
    const second = await world.h.run(rdsCreateSnapshot, "source", { instance: "orders-db" }, "db.snapshot[orders-db]");
    expect(second).toEqual(first);
    expect(first).toMatchObject({ kind: "instance", encrypted: true, sizeGb: 10 });
    expect(mutations(world.h)).toEqual(["rds:CreateDBSnapshot"]);
    const ours = (await manualSnapshots("orders-db")).filter((s) => s.DBSnapshotIdentifier?.startsWith("hk-"));
    expect(ours.map((s) => s.DBSnapshotIdentifier)).toEqual([first.snapshotId]);
    expect(world.h.progress.get("db.snapshot[orders-db]")).toMatchObject({ snapshotId: first.snapshotId });
  });

  it("re-attaches after a crash right after CreateDBSnapshot (snapshot still creating)", async () => {
    const ctx = world.h.runContext("source", "db.snapshot");
    const id = ctx.name("", 63);
    await rds().send(
      new CreateDBSnapshotCommand({
        DBSnapshotIdentifier: id,
        DBInstanceIdentifier: "plain-db",
        Tags: Object.entries(ctx.tags()).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    const out = await world.h.run(rdsCreateSnapshot, "source", { instance: "plain-db" }, "db.snapshot");
    expect(out).toMatchObject({ snapshotId: id, encrypted: false, kmsKeyId: null });
    expect(mutations(world.h)).toEqual([]);
  });

  it("refuses to adopt a snapshot with its name that is not ours", async () => {
    await rds().send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: "taken", DBInstanceIdentifier: "plain-db" }));
    await expect(
      world.h.run(rdsCreateSnapshot, "source", { instance: "plain-db", snapshotId: "taken" }),
    ).rejects.toMatchObject({ code: "RESOURCE_NOT_OURS" });
    const plan = await world.h.plan(rdsCreateSnapshot, "source", { instance: "plain-db", snapshotId: "taken" });
    expect(plan.preconditions.map((p) => p.code)).toContain("SNAPSHOT_ID_TAKEN");
  });

  it("copies the latest automated snapshot when fromAutomated", async () => {
    const out = await world.h.run(rdsCreateSnapshot, "source", { instance: "api-db", fromAutomated: true });
    expect(mutations(world.h)).toEqual(["rds:CopyDBSnapshot"]);
    expect(world.h.progress.get("rds.create-snapshot")).toMatchObject({
      automatedSource: "rds:api-db-2026-11-22-03-00",
    });
    expect(out).toMatchObject({ encrypted: true, sizeGb: 20 });
  });

  it("plans: predicts id, key and size; a missing instance fails a precondition", async () => {
    const plan = await world.h.plan(rdsCreateSnapshot, "source", { instance: "orders-db" }, "db.snapshot");
    expect(plan.action).toBe("create");
    expect(plan.predictedOutputs).toMatchObject({ snapshotId: "hk-run-db-snapshot", sizeGb: 10, encrypted: true });
    expect(String(plan.predictedOutputs?.kmsKeyId)).toMatch(/:key\//);
    expect(plan.estimate).toMatchObject({ sizeGb: 10, durationSeconds: 240 });

    const missing = await world.h.plan(rdsCreateSnapshot, "source", { instance: "nope" });
    expect(missing.preconditions.find((p) => !p.ok)?.code).toBe("SOURCE_NOT_FOUND");
    const both = await world.h.plan(rdsCreateSnapshot, "source", { instance: "a", cluster: "b" });
    expect(both.preconditions.map((p) => p.code)).toContain("PARAM_INVALID");
  });
});
