import { DescribeImagesCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ec2CopyImage } from "../../../src/steps/ec2/copy-image.js";
import { ec2CopySnapshot } from "../../../src/steps/ec2/copy-snapshot.js";
import { ec2DeleteSnapshot } from "../../../src/steps/ec2/delete-snapshot.js";
import { ec2DeregisterImage } from "../../../src/steps/ec2/deregister-image.js";
import { ec2ShareImage } from "../../../src/steps/ec2/share-image.js";
import { type Ec2World, LOCKED, mutations, PROD, SEED, STAGING, startEc2World, succeededMutations } from "./setup.js";

let world: Ec2World;
beforeEach(async () => {
  world = await startEc2World();
});
afterEach(() => world.close());

const failedCodes = (plan: { preconditions: Array<{ ok: boolean; code: string }> }) =>
  plan.preconditions.filter((p) => !p.ok).map((p) => p.code);

async function keyArn(alias: "source" | "target", keyId: string): Promise<string> {
  const kms = world.h.session.client(alias, "kms");
  return String((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.Arn);
}

async function snapshotsOf(alias: "source" | "target", ids: string[]) {
  const out = await world.h.session.client(alias, "ec2").send(new DescribeSnapshotsCommand({ SnapshotIds: ids }));
  return out.Snapshots ?? [];
}

describe("ec2.copy-image", () => {
  it("copies an aws/ebs AMI under a shareable key with a ClientToken, once (resume adopts)", async () => {
    const params = { source: SEED.amiAwsKey, kmsKeyId: "alias/ebs-shared", forSharing: true };
    const plan = await world.h.plan(ec2CopyImage, "source", params, "img.reencrypt");
    expect(plan.action).toBe("copy");
    expect(failedCodes(plan)).toEqual([]);
    expect(plan.estimate).toMatchObject({ sizeGb: 8 });

    const first = await world.h.run(ec2CopyImage, "source", params, "img.reencrypt");
    world.h.progress.clear();
    const second = await world.h.run(ec2CopyImage, "source", params, "img.reencrypt");
    expect(second).toEqual(first);
    expect(mutations(world.h)).toEqual(["ec2:CopyImage"]);
    expect(succeededMutations(world.sim)).toEqual({ "ec2:CopyImage": 1 });
    const shareKey = await keyArn("source", "alias/ebs-shared");
    expect(first.kmsKeyId).toBe(shareKey);
    const snaps = await snapshotsOf("source", first.snapshotIds as string[]);
    expect(snaps.map((s) => [s.KmsKeyId, s.State, s.OwnerId])).toEqual([[shareKey, "completed", PROD]]);
    expect(snaps[0]?.Tags).toEqual(expect.arrayContaining([{ Key: "hikkoshi:task", Value: "img.reencrypt" }]));
  });

  it("the ClientToken alone keeps a resumed copy to one AMI (tags and progress lost)", async () => {
    const params = { source: SEED.amiAwsKey, kmsKeyId: "alias/ebs-shared", forSharing: true };
    const first = await world.h.run(ec2CopyImage, "source", params, "img.reencrypt");
    const { DeleteTagsCommand } = await import("@aws-sdk/client-ec2");
    await world.h.session.client("source", "ec2").send(new DeleteTagsCommand({ Resources: [String(first.imageId)] }));
    world.h.progress.clear();
    const second = await world.h.run(ec2CopyImage, "source", params, "img.reencrypt");
    expect(second.imageId).toBe(first.imageId);
    expect(mutations(world.h)).toEqual(["ec2:CopyImage", "ec2:CopyImage"]);
    const mine = await world.h.session
      .client("source", "ec2")
      .send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [String(first.name)] }] }));
    expect(mine.Images).toHaveLength(1);
  });

  it("a shared AMI whose snapshots are not shared cannot be copied: plan says so", async () => {
    const { ModifyImageAttributeCommand } = await import("@aws-sdk/client-ec2");
    await world.h.session.client("source", "ec2").send(
      new ModifyImageAttributeCommand({
        ImageId: SEED.amiSharedKey,
        LaunchPermission: { Add: [{ UserId: STAGING }] },
      }),
    );
    const plan = await world.h.plan(ec2CopyImage, "target", {
      source: SEED.amiSharedKey,
      kmsKeyId: "alias/staging-data",
    });
    expect(failedCodes(plan)).toContain("IMAGE_SNAPSHOTS_NOT_SHARED");
    expect(plan.preconditions.find((p) => p.code === "IMAGE_SNAPSHOTS_NOT_SHARED")?.hint).toContain("ec2.share-image");
  });

  it("the target copies a shared AMI and owns the AMI and its snapshots under its key", async () => {
    await world.h.run(ec2ShareImage, "source", { image: SEED.amiSharedKey, accounts: ["target"] });
    const params = { source: SEED.amiSharedKey, kmsKeyId: "alias/staging-data", name: "app-moved" };
    const plan = await world.h.plan(ec2CopyImage, "target", params);
    expect(failedCodes(plan)).toEqual([]);
    const out = await world.h.run(ec2CopyImage, "target", params);
    expect(out).toMatchObject({ name: "app-moved", kmsKeyId: await keyArn("target", "alias/staging-data") });
    const image = await world.h.session
      .client("target", "ec2")
      .send(new DescribeImagesCommand({ ImageIds: [String(out.imageId)] }));
    expect(image.Images?.[0]).toMatchObject({ OwnerId: STAGING, State: "available" });
    const snaps = await snapshotsOf("target", out.snapshotIds as string[]);
    expect(snaps).toHaveLength(2);
    for (const s of snaps) expect([s.OwnerId, s.KmsKeyId]).toEqual([STAGING, out.kmsKeyId]);
  });

  it("the dry run finds the locked account's missing ec2:CopyImage", async () => {
    const plan = await world.h.plan(ec2CopyImage, "locked", { source: SEED.amiAwsKey, kmsKeyId: "alias/aws/ebs" });
    const denied = plan.preconditions.find((p) => p.code === "EC2_PERMISSION_DENIED");
    expect(denied?.ok).toBe(false);
    expect(denied?.hint).toContain("ec2:CopyImage");
    expect(denied?.message).toContain(LOCKED);
  });
});

describe("cleanup steps", () => {
  it("ec2.delete-snapshot and ec2.deregister-image refuse what this run did not create", async () => {
    const del = await world.h.plan(ec2DeleteSnapshot, "source", { snapshot: SEED.snapPlain });
    expect(del).toMatchObject({ action: "delete", destructive: true, irreversible: true });
    await expect(world.h.run(ec2DeleteSnapshot, "source", { snapshot: SEED.snapPlain })).rejects.toMatchObject({
      code: "NOT_OURS",
    });
    await expect(world.h.run(ec2DeregisterImage, "source", { image: SEED.amiSharedKey })).rejects.toMatchObject({
      code: "NOT_OURS",
    });
    expect(mutations(world.h)).toEqual([]);
    expect(ec2DeleteSnapshot.destructive).toBe(true);
    expect(ec2DeregisterImage.irreversible).toBe(true);
  });

  it("ec2.deregister-image removes this run's AMI, then the snapshots this run made behind it", async () => {
    const copy = await world.h.run(
      ec2CopyImage,
      "source",
      { source: SEED.amiSharedKey, kmsKeyId: "alias/ebs-shared", forSharing: true },
      "img.reencrypt",
    );
    const plan = await world.h.plan(ec2DeregisterImage, "source", { image: copy.imageId }, "img.cleanup");
    expect(plan.resources).toHaveLength(3);
    const out = await world.h.run(ec2DeregisterImage, "source", { image: copy.imageId }, "img.cleanup");
    expect(out).toEqual({ deregistered: copy.imageId, deletedSnapshots: copy.snapshotIds });
    expect(mutations(world.h)).toEqual([
      "ec2:CopyImage",
      "ec2:DeregisterImage",
      "ec2:DeleteSnapshot",
      "ec2:DeleteSnapshot",
    ]);
    const gone = await world.h.session.client("source", "ec2").send(
      new DescribeSnapshotsCommand({
        OwnerIds: ["self"],
        Filters: [{ Name: "tag:hikkoshi:task", Values: ["img.reencrypt"] }],
      }),
    );
    expect(gone.Snapshots).toEqual([]);
    // Again (a resume): nothing left to do, nothing called.
    await world.h.run(ec2DeregisterImage, "source", { image: copy.imageId }, "img.cleanup");
    expect(mutations(world.h)).toHaveLength(4);
  });

  it("ec2.delete-snapshot deletes this run's snapshot and is done when it is gone", async () => {
    const copy = await world.h.run(
      ec2CopySnapshot,
      "source",
      { source: SEED.snapPlain, kmsKeyId: "alias/ebs-shared" },
      "snap.copy",
    );
    await world.h.run(ec2DeleteSnapshot, "source", { snapshot: copy.snapshotId });
    await world.h.run(ec2DeleteSnapshot, "source", { snapshot: copy.snapshotId });
    expect(mutations(world.h)).toEqual(["ec2:CopySnapshot", "ec2:DeleteSnapshot"]);
  });
});
