import {
  CopyImageCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { AMI, EC2_WORLD, ec2Client } from "./ec2-helpers.js";
import { errorOf, keyOf, MINUTE, PROD, REGION, STAGING, startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
beforeEach(async () => {
  sim = await startTestSim(EC2_WORLD);
  sim.setSpeed(0);
});
afterEach(() => sim.close());

const prod = () => ec2Client(sim);
const staging = () => ec2Client(sim, keyOf(STAGING));
const image = async (client: ReturnType<typeof prod>, id: string) =>
  (await client.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images?.[0];
const backingSnapshots = (id: string) =>
  sim
    .dump()
    .accounts[PROD]!.regions[REGION]!.ec2!.images.find((i) => i.id === id)!
    .blockDevices.map((d) => d.snapshotId);
const launchTo = (id: string, account: string) =>
  prod().send(new ModifyImageAttributeCommand({ ImageId: id, LaunchPermission: { Add: [{ UserId: account }] } }));

describe("AMIs", () => {
  it("describes an image with its block device mapping", async () => {
    const app = await image(prod(), AMI.app);
    expect(app).toMatchObject({ Name: "app-2026-11", State: "available", OwnerId: PROD, RootDeviceName: "/dev/xvda" });
    expect(app?.BlockDeviceMappings?.map((b) => [b.DeviceName, b.Ebs?.VolumeSize, b.Ebs?.Encrypted])).toEqual([
      ["/dev/xvda", 8, true],
      ["/dev/sdb", 20, false],
    ]);
    expect(app?.BlockDeviceMappings?.[0]?.Ebs?.KmsKeyId).toMatch(/^arn:aws:kms:ap-northeast-1:111111111111:key\//);
    const named = await prod().send(
      new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: ["web-*"] }] }),
    );
    expect(named.Images?.map((i) => i.ImageId)).toEqual([AMI.web]);
    const missing = await errorOf(prod().send(new DescribeImagesCommand({ ImageIds: ["ami-0123456789abcdef0"] })));
    expect(missing.name).toBe("InvalidAMIID.NotFound");
    expect(missing.message).toBe("The image id '[ami-0123456789abcdef0]' does not exist");
  });

  it("refuses to share an image backed by an aws/ebs snapshot with InvalidParameter", async () => {
    const refused = await errorOf(launchTo(AMI.web, STAGING));
    expect(refused.name).toBe("InvalidParameter");
    expect(refused.message).toBe(
      "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.",
    );
    const attr = await prod().send(
      new DescribeImageAttributeCommand({ ImageId: AMI.web, Attribute: "launchPermission" }),
    );
    expect(attr.LaunchPermissions ?? []).toEqual([]);
  });

  it("cross-account CopyImage needs the snapshots shared too; then the target owns image and snapshots", async () => {
    await launchTo(AMI.app, STAGING);
    const attr = await prod().send(
      new DescribeImageAttributeCommand({ ImageId: AMI.app, Attribute: "launchPermission" }),
    );
    expect(attr.LaunchPermissions).toEqual([{ UserId: STAGING }]);
    const seen = await staging().send(new DescribeImagesCommand({ ExecutableUsers: ["self"] }));
    expect(seen.Images?.map((i) => i.ImageId)).toEqual([AMI.app]);

    const copy = (token: string) =>
      staging().send(
        new CopyImageCommand({
          SourceImageId: AMI.app,
          SourceRegion: REGION,
          Name: "app-2026-11-staging",
          Encrypted: true,
          KmsKeyId: "alias/staging-data",
          ClientToken: token,
          TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "hikkoshi:run", Value: "r1" }] }],
        }),
      );
    const denied = await errorOf(copy("t-1"));
    expect(denied.name).toBe("AuthFailure");
    expect(denied.message).toMatch(/^Not authorized for snapshot:snap-/);

    for (const snapshotId of backingSnapshots(AMI.app)) {
      await prod().send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: snapshotId,
          CreateVolumePermission: { Add: [{ UserId: STAGING }] },
        }),
      );
    }
    const { ImageId } = await copy("t-2");
    expect(ImageId).toMatch(/^ami-[0-9a-f]{17}$/);
    const pending = await image(staging(), ImageId!);
    expect(pending).toMatchObject({ State: "pending", OwnerId: STAGING, SourceImageId: AMI.app });
    sim.advance(2 * MINUTE + 1000); // 20 GB × 6 s
    const copied = await image(staging(), ImageId!);
    expect(copied?.State).toBe("available");
    const snapshotIds = copied!.BlockDeviceMappings!.map((b) => b.Ebs!.SnapshotId!);
    const owned = await staging().send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }));
    expect(owned.Snapshots?.map((s) => s.SnapshotId).sort()).toEqual([...snapshotIds].sort());
    expect(owned.Snapshots?.every((s) => s.Encrypted && s.State === "completed")).toBe(true);
    expect(owned.Snapshots?.every((s) => s.Tags?.[0]?.Key === "hikkoshi:run")).toBe(true);
    const dumped = sim.dump().accounts[STAGING]!.regions[REGION]!.ec2!;
    expect(dumped.snapshots.map((s) => s.kmsKeyAlias)).toEqual(["alias/staging-data", "alias/staging-data"]);
    expect(dumped.images).toEqual([
      expect.objectContaining({ id: ImageId, sourceImageId: AMI.app, state: "available" }),
    ]);
  });

  it("CopyImage is idempotent by ClientToken; the same token with other parameters is a mismatch", async () => {
    const copy = (name: string) =>
      prod().send(
        new CopyImageCommand({ SourceImageId: AMI.web, SourceRegion: REGION, Name: name, ClientToken: "tok-1" }),
      );
    const first = await copy("web-copy");
    const again = await copy("web-copy");
    expect(again.ImageId).toBe(first.ImageId);
    const images = await prod().send(new DescribeImagesCommand({ Owners: ["self"] }));
    expect(images.Images).toHaveLength(3);
    const mismatch = await errorOf(copy("web-copy-2"));
    expect(mismatch.name).toBe("IdempotentParameterMismatch");
    // Without a token (the SDK makes one per call) a second copy with the same name is a duplicate.
    const duplicate = await errorOf(
      prod().send(new CopyImageCommand({ SourceImageId: AMI.web, SourceRegion: REGION, Name: "web-copy" })),
    );
    expect(duplicate.name).toBe("InvalidAMIName.Duplicate");
  });

  it("a copy whose key cannot be used is accepted, then the image fails with a state reason", async () => {
    await launchTo(AMI.app, STAGING);
    for (const snapshotId of backingSnapshots(AMI.app)) {
      await prod().send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: snapshotId,
          CreateVolumePermission: { Add: [{ UserId: STAGING }] },
        }),
      );
    }
    // Production's own key, which staging may not use as a destination key.
    const prodKey = sim
      .dump()
      .accounts[PROD]!.regions[REGION]!.kmsKeys.find((k) => k.aliases.includes("alias/prod-only"))!;
    const { ImageId } = await staging().send(
      new CopyImageCommand({
        SourceImageId: AMI.app,
        SourceRegion: REGION,
        Name: "doomed",
        Encrypted: true,
        KmsKeyId: prodKey.arn,
      }),
    );
    sim.advance(MINUTE);
    const failed = await image(staging(), ImageId!);
    expect(failed?.State).toBe("failed");
    expect(failed?.StateReason?.Message).toContain("not accessible");
  });

  it("DeregisterImage keeps the snapshots, which can then be deleted", async () => {
    const snapshotIds = backingSnapshots(AMI.web);
    await prod().send(new DeregisterImageCommand({ ImageId: AMI.web }));
    expect((await errorOf(image(prod(), AMI.web))).name).toBe("InvalidAMIID.NotFound");
    const left = await prod().send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }));
    expect(left.Snapshots?.map((s) => s.SnapshotId)).toEqual(snapshotIds);
    const foreign = await errorOf(staging().send(new DeregisterImageCommand({ ImageId: AMI.app })));
    expect(foreign.name).toBe("InvalidAMIID.NotFound");
  });
});
