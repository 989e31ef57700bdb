import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rdsCreateSnapshot } from "../../../src/steps/rds/create-snapshot.js";
import { rdsDeleteSnapshot } from "../../../src/steps/rds/delete-snapshot.js";
import { mutations, startWorld, type World } from "../setup.js";

let world: World;
beforeEach(async () => {
  world = await startWorld({ runId: "run1" });
});
afterEach(() => world.close());

const rds = () => world.h.session.client("source", "rds");
const exists = async (id: string) =>
  (await rds().send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual" }))).DBSnapshots?.some(
    (s) => s.DBSnapshotIdentifier === id,
  ) ?? false;

describe("rds.delete-snapshot", () => {
  it("is destructive and irreversible, and the plan says so", async () => {
    expect(rdsDeleteSnapshot.destructive).toBe(true);
    const plan = await world.h.plan(rdsDeleteSnapshot, "source", { snapshot: "orders-db-shared" });
    expect(plan).toMatchObject({ action: "delete", destructive: true, irreversible: true });
    expect(mutations(world.h)).toEqual([]);
  });

  it("deletes a snapshot this run created, and a second call is a no-op", async () => {
    const made = await world.h.run(rdsCreateSnapshot, "source", { instance: "orders-db" }, "db.snapshot[orders-db]");
    const id = String(made.snapshotId);
    await world.h.run(rdsDeleteSnapshot, "source", { snapshot: id }, "db.cleanup-snapshot[orders-db]");
    expect(await exists(id)).toBe(false);
    await world.h.run(rdsDeleteSnapshot, "source", { snapshot: id }, "db.cleanup-snapshot[orders-db]");
    expect(mutations(world.h)).toEqual(["rds:CreateDBSnapshot", "rds:DeleteDBSnapshot"]);
  });

  it("refuses a snapshot this run did not create", async () => {
    await rds().send(
      new CreateDBSnapshotCommand({ DBSnapshotIdentifier: "keep-me", DBInstanceIdentifier: "plain-db" }),
    );
    await expect(world.h.run(rdsDeleteSnapshot, "source", { snapshot: "keep-me" })).rejects.toMatchObject({
      code: "NOT_OURS",
    });
    expect(await exists("keep-me")).toBe(true);
    expect(mutations(world.h)).toEqual([]);
  });
});
