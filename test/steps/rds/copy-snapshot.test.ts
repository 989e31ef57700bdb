import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { CopyDBSnapshotCommand, ModifyDBSnapshotAttributeCommand } from "@aws-sdk/client-rds";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rdsCopySnapshot } from "../../../src/steps/rds/copy-snapshot.js";
import { mutations, PROD, STAGING, startWorld, type World } from "../setup.js";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.close());

const arnOf = (id: string) => `arn:aws:rds:ap-northeast-1:${PROD}:snapshot:${id}`;

/** A manual snapshot in production under `kmsKeyId`, shared with staging behind hikkoshi's back. */
async function sharedSnapshot(id: string, kmsKeyId: string) {
  const rds = world.h.session.client("source", "rds");
  await rds.send(
    new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: "rds:api-db-2026-11-22-03-00",
      TargetDBSnapshotIdentifier: id,
      KmsKeyId: kmsKeyId,
    }),
  );
  world.sim.advance(30 * 60_000);
  await rds.send(
    new ModifyDBSnapshotAttributeCommand({
      DBSnapshotIdentifier: id,
      AttributeName: "restore",
      ValuesToAdd: [STAGING],
    }),
  );
}

describe("rds.copy-snapshot", () => {
  it("copies a shared snapshot by ARN under the target's key, once", async () => {
    const params = { source: arnOf("orders-db-shared"), kmsKeyId: "alias/staging-data" };
    const first = await world.h.run(rdsCopySnapshot, "target", params, "db.copy");
    const second = await world.h.run(rdsCopySnapshot, "target", params, "db.copy");
    expect(second).toEqual(first);
    expect(mutations(world.h)).toEqual(["rds:CopyDBSnapshot"]);
    expect(first.snapshotArn).toContain(`:${STAGING}:snapshot:hk-testrun-db-copy`);
    expect(first.kmsKeyId).toMatch(new RegExp(`:${STAGING}:key/`));
  });

  it("plan sees that the target cannot use the source snapshot's key", async () => {
    await sharedSnapshot("leaky", "alias/app-data");
    const plan = await world.h.plan(rdsCopySnapshot, "target", {
      source: arnOf("leaky"),
      kmsKeyId: "alias/staging-data",
    });
    expect(plan.preconditions.filter((p) => !p.ok).map((p) => p.code)).toEqual(["SOURCE_KEY_NOT_USABLE"]);
    await expect(
      world.h.run(rdsCopySnapshot, "target", { source: arnOf("leaky"), kmsKeyId: "alias/staging-data" }),
    ).rejects.toMatchObject({ code: "SOURCE_KEY_NOT_USABLE" });
    expect(mutations(world.h)).toEqual([]);
  });

  it("refuses an AWS managed key for a copy meant for sharing (alias in the schema, ARN at run time)", async () => {
    expect(rdsCopySnapshot.params.safeParse({ source: "x", kmsKeyId: "alias/aws/rds", forSharing: true }).success).toBe(
      false,
    );
    const kms = world.h.session.client("source", "kms");
    const awsKey = (await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/rds" }))).KeyMetadata?.Arn;
    const params = { source: "orders-db-shared", kmsKeyId: String(awsKey), forSharing: true };
    const plan = await world.h.plan(rdsCopySnapshot, "source", params);
    expect(plan.preconditions.filter((p) => !p.ok).map((p) => p.code)).toEqual(["SHARE_KEY_IS_AWS_MANAGED"]);
    await expect(world.h.run(rdsCopySnapshot, "source", params)).rejects.toMatchObject({
      code: "SHARE_KEY_IS_AWS_MANAGED",
    });
  });

  it("plans around a source that does not exist yet", async () => {
    const plan = await world.h.plan(rdsCopySnapshot, "source", {
      source: "hk-run-db-snapshot",
      kmsKeyId: "alias/shared-with-staging",
      forSharing: true,
    });
    expect(plan.action).toBe("copy");
    expect(plan.preconditions.filter((p) => !p.ok)).toEqual([]);
    expect(plan.summary).toContain("not present yet");
  });
});
