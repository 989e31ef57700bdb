import { DescribeImageAttributeCommand, DescribeSnapshotAttributeCommand } from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ec2ShareImage } from "../../../src/steps/ec2/share-image.js";
import { ec2ShareSnapshot } from "../../../src/steps/ec2/share-snapshot.js";
import { type Ec2World, LOCKED, mutations, SEED, STAGING, startEc2World } from "./setup.js";

let world: Ec2World;
beforeEach(async () => {
  world = await startEc2World();
});
afterEach(() => world.close());

const failedCodes = (plan: { preconditions: Array<{ ok: boolean; code: string }> }) =>
  plan.preconditions.filter((p) => !p.ok).map((p) => p.code);

async function volumePermissions(snapshotId: string) {
  const out = await world.h.session
    .client("source", "ec2")
    .send(new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: "createVolumePermission" }));
  return out.CreateVolumePermissions ?? [];
}

describe("ec2.share-snapshot", () => {
  it("shares a customer-key snapshot with the target by account id, once", async () => {
    const params = { snapshot: SEED.snapSharedKey, accounts: ["target"] };
    const plan = await world.h.plan(ec2ShareSnapshot, "source", params);
    expect(plan.action).toBe("share");
    expect(failedCodes(plan)).toEqual([]);
    expect(plan.preconditions.map((p) => p.code)).toContain("EC2_DRY_RUN_ALLOWED");

    const first = await world.h.run(ec2ShareSnapshot, "source", params);
    const second = await world.h.run(ec2ShareSnapshot, "source", params);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ snapshotId: SEED.snapSharedKey, sharedWith: [STAGING] });
    expect(mutations(world.h)).toEqual(["ec2:ModifySnapshotAttribute"]);
    expect(await volumePermissions(SEED.snapSharedKey)).toEqual([{ UserId: STAGING }]);
    expect((await world.h.plan(ec2ShareSnapshot, "source", params)).action).toBe("already-done");
  });

  it("refuses a snapshot on aws/ebs in plan and in run, before any AWS call that would act", async () => {
    const params = { snapshot: SEED.snapAwsKey, accounts: ["target"] };
    const plan = await world.h.plan(ec2ShareSnapshot, "source", params);
    expect(failedCodes(plan)).toEqual(["EBS_SNAPSHOT_ON_AWS_MANAGED_KEY"]);
    expect(plan.preconditions.find((p) => !p.ok)?.hint).toContain("ec2.copy-snapshot");
    world.sim.resetStats();
    await expect(world.h.run(ec2ShareSnapshot, "source", params)).rejects.toMatchObject({
      code: "EBS_SNAPSHOT_ON_AWS_MANAGED_KEY",
    });
    expect(mutations(world.h)).toEqual([]);
    expect(world.sim.stats().calls["ec2:ModifySnapshotAttribute"]).toBeUndefined();
  });

  it("never shares with all: refused by the schema and again by run", async () => {
    expect(ec2ShareSnapshot.params.safeParse({ snapshot: SEED.snapPlain, accounts: ["all"] }).success).toBe(false);
    const ctx = world.h.runContext("source", "share");
    await expect(
      ec2ShareSnapshot.run(ctx, { snapshot: SEED.snapPlain, accounts: ["target", "ALL"] }),
    ).rejects.toMatchObject({
      code: "SHARE_PUBLIC_REFUSED",
    });
    expect(mutations(world.h)).toEqual([]);
    expect(await volumePermissions(SEED.snapPlain)).toEqual([]);
  });

  it("plan refuses a key whose policy does not admit a target", async () => {
    const plan = await world.h.plan(ec2ShareSnapshot, "source", { snapshot: SEED.snapSharedKey, accounts: ["locked"] });
    expect(failedCodes(plan)).toEqual(["KEY_POLICY_MISSING_ACCOUNTS"]);
    expect(plan.preconditions.find((p) => !p.ok)?.message).toContain(LOCKED);
  });

  it("checks the expected key before the snapshot exists", async () => {
    const plan = await world.h.plan(ec2ShareSnapshot, "source", {
      snapshot: "snap-0000000000000beef",
      accounts: ["target"],
      kmsKeyId: "alias/aws/ebs",
    });
    expect(failedCodes(plan)).toEqual(["EBS_SNAPSHOT_ON_AWS_MANAGED_KEY"]);
  });

  it("the dry run finds the locked account's missing ec2:ModifySnapshotAttribute", async () => {
    const plan = await world.h.plan(ec2ShareSnapshot, "locked", {
      snapshot: SEED.lockedSnapshot,
      accounts: ["target"],
    });
    expect(failedCodes(plan)).toEqual(["EC2_PERMISSION_DENIED"]);
    const denied = plan.preconditions.find((p) => !p.ok);
    expect(denied?.hint).toContain("ec2:ModifySnapshotAttribute");
    expect(denied?.hint).toContain(LOCKED);
  });
});

describe("ec2.share-image", () => {
  it("shares the AMI and every snapshot behind it, once", async () => {
    const params = { image: SEED.amiSharedKey, accounts: ["target"] };
    const plan = await world.h.plan(ec2ShareImage, "source", params);
    expect(plan.action).toBe("share");
    expect(failedCodes(plan)).toEqual([]);
    const out = await world.h.run(ec2ShareImage, "source", params);
    await world.h.run(ec2ShareImage, "source", params);
    expect(out).toMatchObject({ imageId: SEED.amiSharedKey, sharedWith: [STAGING] });
    const snapshotIds = out.snapshotIds as string[];
    expect(snapshotIds).toHaveLength(2);
    expect(mutations(world.h)).toEqual([
      "ec2:ModifySnapshotAttribute",
      "ec2:ModifySnapshotAttribute",
      "ec2:ModifyImageAttribute",
    ]);
    for (const id of snapshotIds) expect(await volumePermissions(id)).toEqual([{ UserId: STAGING }]);
    const launch = await world.h.session
      .client("source", "ec2")
      .send(new DescribeImageAttributeCommand({ ImageId: SEED.amiSharedKey, Attribute: "launchPermission" }));
    expect(launch.LaunchPermissions).toEqual([{ UserId: STAGING }]);
    expect((await world.h.plan(ec2ShareImage, "source", params)).action).toBe("already-done");
  });

  it("refuses an AMI on aws/ebs and points at ec2.move-image", async () => {
    const params = { image: SEED.amiAwsKey, accounts: ["target"] };
    const plan = await world.h.plan(ec2ShareImage, "source", params);
    expect(failedCodes(plan)).toContain("EBS_IMAGE_ON_AWS_MANAGED_KEY");
    expect(plan.preconditions.find((p) => p.code === "EBS_IMAGE_ON_AWS_MANAGED_KEY")?.hint).toContain("ec2.move-image");
    await expect(world.h.run(ec2ShareImage, "source", params)).rejects.toMatchObject({
      code: "EBS_IMAGE_ON_AWS_MANAGED_KEY",
    });
    expect(mutations(world.h)).toEqual([]);
  });

  it("never shares an AMI with all", async () => {
    const ctx = world.h.runContext("source", "share");
    await expect(ec2ShareImage.run(ctx, { image: SEED.amiSharedKey, accounts: ["all"] })).rejects.toMatchObject({
      code: "SHARE_PUBLIC_REFUSED",
    });
    expect(mutations(world.h)).toEqual([]);
  });
});
