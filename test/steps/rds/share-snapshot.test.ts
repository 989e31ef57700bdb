import { CopyDBSnapshotCommand, DescribeDBSnapshotAttributesCommand } from "@aws-sdk/client-rds";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rdsShareSnapshot } from "../../../src/steps/rds/share-snapshot.js";
import { STAGING, startWorld, type World } from "../setup.js";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.close());

const rds = () => world.h.session.client("source", "rds");

/** A manual, available copy of the automated api-db snapshot, under `kmsKeyId` (default: the AWS managed key). */
async function manualSnapshot(id: string, kmsKeyId?: string) {
  await rds().send(
    new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: "rds:api-db-2026-11-22-03-00",
      TargetDBSnapshotIdentifier: id,
      ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
    }),
  );
  world.sim.advance(30 * 60_000);
}

const sharedWith = async (id: string) =>
  (await rds().send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id }))).DBSnapshotAttributesResult
    ?.DBSnapshotAttributes?.[0]?.AttributeValues ?? [];

const twentyOne = Array.from({ length: 21 }, (_, i) => String(300000000000 + i));

describe("rds.share-snapshot", () => {
  it("shares with the target, and a second run adds nothing", async () => {
    await manualSnapshot("api-share", "alias/shared-with-staging");
    const out = await world.h.run(rdsShareSnapshot, "source", { snapshot: "api-share", accounts: ["target"] });
    expect(out).toMatchObject({ sharedWith: [STAGING] });
    await world.h.run(rdsShareSnapshot, "source", { snapshot: "api-share", accounts: ["target", STAGING] });
    expect(world.sim.stats().calls["rds:ModifyDBSnapshotAttribute"]).toBe(1);
    expect(await sharedWith("api-share")).toEqual([STAGING]);
  });

  it("refuses `all` in the schema and again at run time, before calling AWS", async () => {
    expect(rdsShareSnapshot.params.safeParse({ snapshot: "x", accounts: ["all"] }).success).toBe(false);
    expect(rdsShareSnapshot.params.safeParse({ snapshot: "x", accounts: ["ALL"] }).success).toBe(false);
    await manualSnapshot("api-share", "alias/shared-with-staging");
    world.sim.resetStats();
    const ctx = world.h.runContext("source", "share");
    await expect(
      rdsShareSnapshot.run(ctx, { snapshot: "api-share", kind: "instance", accounts: ["all"] }),
    ).rejects.toMatchObject({ code: "SHARE_PUBLIC_REFUSED" });
    expect(world.sim.stats().total).toBe(0);
  });

  it("refuses more than 20 accounts in the schema and at run time", async () => {
    expect(rdsShareSnapshot.params.safeParse({ snapshot: "x", accounts: twentyOne }).success).toBe(false);
    world.sim.resetStats();
    const ctx = world.h.runContext("source", "share");
    await expect(
      rdsShareSnapshot.run(ctx, { snapshot: "x", kind: "instance", accounts: twentyOne }),
    ).rejects.toMatchObject({ code: "SHARE_TOO_MANY_ACCOUNTS" });
    expect(world.sim.stats().total).toBe(0);
  });

  it("refuses a snapshot on the AWS managed key before sharing it", async () => {
    await manualSnapshot("api-aws-key");
    await expect(
      world.h.run(rdsShareSnapshot, "source", { snapshot: "api-aws-key", accounts: ["target"] }),
    ).rejects.toMatchObject({ code: "SNAPSHOT_ON_AWS_MANAGED_KEY" });
    expect(world.sim.stats().calls["rds:ModifyDBSnapshotAttribute"]).toBeUndefined();
    const plan = await world.h.plan(rdsShareSnapshot, "source", { snapshot: "api-aws-key", accounts: ["target"] });
    expect(plan.preconditions.find((p) => !p.ok)).toMatchObject({
      code: "SNAPSHOT_ON_AWS_MANAGED_KEY",
      severity: "error",
    });
  });

  it("refuses automated snapshots", async () => {
    await expect(
      world.h.run(rdsShareSnapshot, "source", { snapshot: "rds:api-db-2026-11-22-03-00", accounts: ["target"] }),
    ).rejects.toMatchObject({ code: "SNAPSHOT_AUTOMATED" });
  });

  it("plan fails a precondition when the key policy omits the target, and run refuses too", async () => {
    await manualSnapshot("api-app-key", "alias/app-data");
    const plan = await world.h.plan(rdsShareSnapshot, "source", { snapshot: "api-app-key", accounts: ["target"] });
    const failing = plan.preconditions.filter((p) => !p.ok);
    expect(failing).toEqual([expect.objectContaining({ code: "KEY_POLICY_MISSING_ACCOUNTS", severity: "error" })]);
    expect(failing[0]?.message).toContain(STAGING);
    await expect(
      world.h.run(rdsShareSnapshot, "source", { snapshot: "api-app-key", accounts: ["target"] }),
    ).rejects.toMatchObject({ code: "KEY_POLICY_MISSING_ACCOUNTS" });
    expect(await sharedWith("api-app-key")).toEqual([]);
  });

  it("plan checks the expected key before the snapshot exists", async () => {
    const plan = await world.h.plan(rdsShareSnapshot, "source", {
      snapshot: "hk-run-db-reencrypt",
      accounts: ["target"],
      kmsKeyId: "alias/app-data",
    });
    expect(plan.action).toBe("share");
    expect(plan.preconditions.filter((p) => !p.ok).map((p) => p.code)).toEqual(["KEY_POLICY_MISSING_ACCOUNTS"]);
    const fine = await world.h.plan(rdsShareSnapshot, "source", {
      snapshot: "hk-run-db-reencrypt",
      accounts: ["target"],
      kmsKeyId: "alias/shared-with-staging",
    });
    expect(fine.preconditions.filter((p) => !p.ok)).toEqual([]);
  });
});
