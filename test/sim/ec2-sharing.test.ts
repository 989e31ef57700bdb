import {
  CopySnapshotCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  ModifySnapshotAttributeCommand,
  ResetSnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { EC2_WORLD, ec2Client, SNAP } from "./ec2-helpers.js";
import { clients, errorOf, keyOf, MINUTE, PROD, REGION, STAGING, startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
beforeEach(async () => {
  sim = await startTestSim(EC2_WORLD);
  sim.setSpeed(0);
});
afterEach(() => sim.close());

const share = (snapshotId: string, userIds: string[], op: "add" | "remove" = "add") =>
  ec2Client(sim).send(
    new ModifySnapshotAttributeCommand({
      SnapshotId: snapshotId,
      Attribute: "createVolumePermission",
      OperationType: op,
      UserIds: userIds,
    }),
  );

/** Staging through the hikkoshi-migrator role, as a migration run would call it. */
async function stagingEc2() {
  const { Credentials } = await clients(sim).sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${STAGING}:role/hikkoshi-migrator`, RoleSessionName: "ec2-test" }),
  );
  return ec2Client(sim, {
    accessKeyId: Credentials!.AccessKeyId!,
    secretAccessKey: Credentials!.SecretAccessKey!,
    sessionToken: Credentials!.SessionToken!,
  });
}

describe("EBS snapshot sharing", () => {
  it("refuses to share a snapshot on the AWS managed key aws/ebs, or to make an encrypted one public", async () => {
    const refused = await errorOf(share(SNAP.api, [STAGING]));
    expect(refused.name).toBe("OperationNotPermitted");
    expect(refused.message).toBe("Encrypted snapshots with EBS default key cannot be shared");
    const publicCmk = await errorOf(
      ec2Client(sim).send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: SNAP.orders,
          CreateVolumePermission: { Add: [{ Group: "all" }] },
        }),
      ),
    );
    expect(publicCmk.name).toBe("OperationNotPermitted");
    const attr = await ec2Client(sim).send(
      new DescribeSnapshotAttributeCommand({ SnapshotId: SNAP.api, Attribute: "createVolumePermission" }),
    );
    expect(attr.CreateVolumePermissions ?? []).toEqual([]);
  });

  it("a shared CMK snapshot is visible to the target, which copies it under its own key", async () => {
    const staging = await stagingEc2();
    expect((await errorOf(staging.send(new DescribeSnapshotsCommand({ SnapshotIds: [SNAP.orders] })))).name).toBe(
      "InvalidSnapshot.NotFound",
    );
    await ec2Client(sim).send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: SNAP.orders,
        CreateVolumePermission: { Add: [{ UserId: STAGING }] },
      }),
    );
    const attr = await ec2Client(sim).send(
      new DescribeSnapshotAttributeCommand({ SnapshotId: SNAP.orders, Attribute: "createVolumePermission" }),
    );
    expect(attr.CreateVolumePermissions).toEqual([{ UserId: STAGING }]);

    const restorable = await staging.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ["self"] }));
    expect(restorable.Snapshots?.map((s) => s.SnapshotId).sort()).toEqual([SNAP.orders, SNAP.secrets]);
    const byId = (await staging.send(new DescribeSnapshotsCommand({ SnapshotIds: [SNAP.orders] }))).Snapshots?.[0];
    expect(byId).toMatchObject({ OwnerId: PROD, State: "completed", Encrypted: true });
    expect(byId?.Tags).toBeUndefined(); // the owner's tags stay the owner's
    expect((await staging.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }))).Snapshots).toEqual([]);

    const copy = await staging.send(
      new CopySnapshotCommand({
        SourceSnapshotId: SNAP.orders,
        SourceRegion: REGION,
        Encrypted: true,
        KmsKeyId: "alias/staging-data",
      }),
    );
    sim.advance(5 * MINUTE); // 50 GB × 6 s
    const copied = (await staging.send(new DescribeSnapshotsCommand({ SnapshotIds: [copy.SnapshotId!] })))
      .Snapshots?.[0];
    expect(copied).toMatchObject({ OwnerId: STAGING, State: "completed", Progress: "100%", Encrypted: true });
    const dumped = sim.dump().accounts[STAGING]!.regions[REGION]!.ec2!.snapshots;
    expect(dumped).toEqual([
      expect.objectContaining({
        id: copy.SnapshotId,
        kmsKeyAlias: "alias/staging-data",
        copiedFrom: `${REGION}/${SNAP.orders}`,
        state: "completed",
      }),
    ]);

    // The owner takes the share back: the target no longer sees it.
    await share(SNAP.orders, [STAGING], "remove");
    expect((await errorOf(staging.send(new DescribeSnapshotsCommand({ SnapshotIds: [SNAP.orders] })))).name).toBe(
      "InvalidSnapshot.NotFound",
    );
  });

  it("a copy with a key the caller cannot use is accepted, then lands in error", async () => {
    const staging = ec2Client(sim, keyOf(STAGING));
    // Shared, but its key (alias/prod-only) has the default policy: staging may not decrypt.
    const copy = await staging.send(
      new CopySnapshotCommand({
        SourceSnapshotId: SNAP.secrets,
        SourceRegion: REGION,
        Encrypted: true,
        KmsKeyId: "alias/staging-data",
      }),
    );
    const describe = async () =>
      (await staging.send(new DescribeSnapshotsCommand({ SnapshotIds: [copy.SnapshotId!] }))).Snapshots?.[0];
    expect((await describe())?.State).toBe("pending");
    sim.advance(MINUTE);
    const failed = await describe();
    expect(failed?.State).toBe("error");
    expect(failed?.StateMessage).toContain("not accessible");
    expect(failed?.StateMessage).toContain("does not allow kms:Decrypt to account 222222222222");

    // A destination key that does not exist fails the same way (EBS checks keys asynchronously).
    const ghost = await staging.send(
      new CopySnapshotCommand({
        SourceSnapshotId: SNAP.secrets,
        SourceRegion: REGION,
        Encrypted: true,
        KmsKeyId: "alias/nope",
      }),
    );
    sim.advance(MINUTE);
    const ghostCopy = (await staging.send(new DescribeSnapshotsCommand({ SnapshotIds: [ghost.SnapshotId!] })))
      .Snapshots;
    expect(ghostCopy?.[0]?.State).toBe("error");
  });

  it("only the owner changes or reads the permissions of a snapshot; reset removes every share", async () => {
    const staging = ec2Client(sim, keyOf(STAGING));
    const foreign = await errorOf(
      staging.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: SNAP.secrets,
          Attribute: "createVolumePermission",
          OperationType: "add",
          UserIds: ["333333333333"],
        }),
      ),
    );
    expect(foreign.name).toBe("AuthFailure");
    const read = await errorOf(
      staging.send(
        new DescribeSnapshotAttributeCommand({ SnapshotId: SNAP.secrets, Attribute: "createVolumePermission" }),
      ),
    );
    expect(read.name).toBe("AuthFailure");
    const unknown = await errorOf(share("snap-0123456789abcdef0", [STAGING]));
    expect(unknown.name).toBe("InvalidSnapshot.NotFound");
    const badUser = await errorOf(share(SNAP.orders, ["12345"]));
    expect(badUser.name).toBe("InvalidParameterValue");

    await ec2Client(sim).send(
      new ResetSnapshotAttributeCommand({ SnapshotId: SNAP.secrets, Attribute: "createVolumePermission" }),
    );
    expect((await errorOf(staging.send(new DescribeSnapshotsCommand({ SnapshotIds: [SNAP.secrets] })))).name).toBe(
      "InvalidSnapshot.NotFound",
    );
  });
});
