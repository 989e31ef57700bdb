import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { AMI, EC2_WORLD, ec2Client, SNAP, VOL } from "./ec2-helpers.js";
import { errorOf, MINUTE, PROD, REGION, startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
beforeEach(async () => {
  sim = await startTestSim(EC2_WORLD);
  sim.setSpeed(0);
});
afterEach(() => sim.close());

const describeOne = async (id: string) =>
  (await ec2Client(sim).send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots?.[0];

const keyAliasOf = (snapshotId: string) =>
  sim.dump().accounts[PROD]?.regions[REGION]?.ec2?.snapshots.find((s) => s.id === snapshotId)?.kmsKeyAlias;

describe("EBS snapshots", () => {
  it("CreateSnapshot starts pending and completes on the virtual clock, with progress", async () => {
    const ec2 = ec2Client(sim);
    const created = await ec2.send(
      new CreateSnapshotCommand({
        VolumeId: VOL.api,
        Description: "before the move",
        TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "hikkoshi:run", Value: "r1" }] }],
      }),
    );
    expect(created).toMatchObject({
      State: "pending",
      Progress: "0%",
      VolumeId: VOL.api,
      VolumeSize: 100,
      Encrypted: true,
      OwnerId: PROD,
      Description: "before the move",
      Tags: [{ Key: "hikkoshi:run", Value: "r1" }],
    });
    expect(created.SnapshotId).toMatch(/^snap-[0-9a-f]{17}$/);
    // 100 GB × 6 s = 10 virtual minutes.
    sim.advance(5 * MINUTE);
    expect(await describeOne(created.SnapshotId!)).toMatchObject({ State: "pending", Progress: "50%" });
    sim.advance(5 * MINUTE);
    expect(await describeOne(created.SnapshotId!)).toMatchObject({ State: "completed", Progress: "100%" });
    expect(keyAliasOf(created.SnapshotId!)).toBe("alias/aws/ebs");
  });

  it("CopySnapshot re-encrypts under KmsKeyId, or the default aws/ebs key without one", async () => {
    const ec2 = ec2Client(sim);
    const reencrypted = await ec2.send(
      new CopySnapshotCommand({
        SourceSnapshotId: SNAP.api,
        SourceRegion: REGION,
        Encrypted: true,
        KmsKeyId: "alias/ebs-shared",
        TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "purpose", Value: "share" }] }],
      }),
    );
    expect(reencrypted.Tags).toEqual([{ Key: "purpose", Value: "share" }]);
    const copy = await describeOne(reencrypted.SnapshotId!);
    expect(copy).toMatchObject({ State: "pending", VolumeId: "vol-ffffffff", Encrypted: true, VolumeSize: 100 });
    expect(keyAliasOf(reencrypted.SnapshotId!)).toBe("alias/ebs-shared");
    sim.advance(10 * MINUTE);
    expect(await describeOne(reencrypted.SnapshotId!)).toMatchObject({ State: "completed" });

    const plain = await ec2.send(new CopySnapshotCommand({ SourceSnapshotId: SNAP.orders, SourceRegion: REGION }));
    expect(keyAliasOf(plain.SnapshotId!)).toBe("alias/aws/ebs");
    const stillPlain = await ec2.send(
      new CopySnapshotCommand({ SourceSnapshotId: SNAP.scratch, SourceRegion: REGION }),
    );
    expect((await describeOne(stillPlain.SnapshotId!))?.Encrypted).toBe(false);
    const encrypted = await ec2.send(
      new CopySnapshotCommand({ SourceSnapshotId: SNAP.scratch, SourceRegion: REGION, Encrypted: true }),
    );
    expect(keyAliasOf(encrypted.SnapshotId!)).toBe("alias/aws/ebs");
  });

  it("CopySnapshot across regions reads the source in SourceRegion and encrypts under the destination's key", async () => {
    const east = ec2Client(sim, undefined, "us-east-1");
    const { SnapshotId } = await east.send(
      new CopySnapshotCommand({ SourceSnapshotId: SNAP.scratch, SourceRegion: REGION, Encrypted: true }),
    );
    const copy = sim.dump().accounts[PROD]?.regions["us-east-1"]?.ec2?.snapshots[0];
    expect(copy).toMatchObject({
      id: SnapshotId,
      kmsKeyAlias: "alias/aws/ebs",
      copiedFrom: `${REGION}/${SNAP.scratch}`,
    });
    expect(copy?.kmsKeyArn).toMatch(/^arn:aws:kms:us-east-1:111111111111:key\//);
    const wrongRegion = await errorOf(
      east.send(new CopySnapshotCommand({ SourceSnapshotId: SNAP.scratch, SourceRegion: "eu-west-1" })),
    );
    expect(wrongRegion.name).toBe("InvalidSnapshot.NotFound");
  });

  it("CopySnapshot refuses KmsKeyId without Encrypted and a source that is not completed", async () => {
    const ec2 = ec2Client(sim);
    const noFlag = await errorOf(
      ec2.send(
        new CopySnapshotCommand({ SourceSnapshotId: SNAP.api, SourceRegion: REGION, KmsKeyId: "alias/ebs-shared" }),
      ),
    );
    expect(noFlag.name).toBe("InvalidParameterDependency");
    const pending = await ec2.send(new CreateSnapshotCommand({ VolumeId: VOL.scratch }));
    const early = await errorOf(
      ec2.send(new CopySnapshotCommand({ SourceSnapshotId: pending.SnapshotId, SourceRegion: REGION })),
    );
    expect(early.name).toBe("IncorrectState");
  });

  it("answers EC2's NotFound and Malformed codes, which the SDK uses as the error name", async () => {
    const ec2 = ec2Client(sim);
    const snap = await errorOf(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ["snap-0123456789abcdef0"] })));
    expect(snap.name).toBe("InvalidSnapshot.NotFound");
    expect(snap.message).toBe("The snapshot 'snap-0123456789abcdef0' does not exist.");
    expect(snap.$metadata?.httpStatusCode).toBe(400);
    const bad = await errorOf(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ["snap-nope"] })));
    expect(bad.name).toBe("InvalidSnapshotID.Malformed");
    const vol = await errorOf(ec2.send(new DescribeVolumesCommand({ VolumeIds: ["vol-0123456789abcdef0"] })));
    expect(vol.name).toBe("InvalidVolume.NotFound");
    const create = await errorOf(ec2.send(new CreateSnapshotCommand({ VolumeId: "vol-0123456789abcdef0" })));
    expect(create.name).toBe("InvalidVolume.NotFound");
    const copy = await errorOf(
      ec2.send(new CopySnapshotCommand({ SourceSnapshotId: "snap-0123456789abcdef0", SourceRegion: REGION })),
    );
    expect(copy.name).toBe("InvalidSnapshot.NotFound");
    // Another account's snapshot that is not shared does not exist for the caller.
    const hidden = await errorOf(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [SNAP.locked] })));
    expect(hidden.name).toBe("InvalidSnapshot.NotFound");
  });

  it("DeleteSnapshot refuses a snapshot an AMI uses and deletes others", async () => {
    const ec2 = ec2Client(sim);
    const dump = sim.dump().accounts[PROD]!.regions[REGION]!.ec2!;
    const behindWeb = dump.images.find((i) => i.id === AMI.web)!.blockDevices[0]!.snapshotId;
    const inUse = await errorOf(ec2.send(new DeleteSnapshotCommand({ SnapshotId: behindWeb })));
    expect(inUse.name).toBe("InvalidSnapshot.InUse");
    expect(inUse.message).toContain(AMI.web);
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: SNAP.scratch }));
    expect((await errorOf(describeOne(SNAP.scratch))).name).toBe("InvalidSnapshot.NotFound");
  });

  it("filters by owner, tag, volume and status, and pages with MaxResults/NextToken", async () => {
    const ec2 = ec2Client(sim);
    const tagged = await ec2.send(
      new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "tag:team", Values: ["ord*"] }] }),
    );
    expect(tagged.Snapshots?.map((s) => s.SnapshotId)).toEqual([SNAP.orders]);
    const byVolume = await ec2.send(
      new DescribeSnapshotsCommand({
        Filters: [
          { Name: "volume-id", Values: [VOL.scratch] },
          { Name: "status", Values: ["completed"] },
        ],
      }),
    );
    // The seeded one and the one behind the app AMI.
    expect(byVolume.Snapshots?.map((s) => s.SnapshotId)).toContain(SNAP.scratch);
    expect(byVolume.Snapshots).toHaveLength(2);
    const described = await ec2.send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: "description", Values: ["scratch ?ightly"] }] }),
    );
    expect(described.Snapshots?.map((s) => s.SnapshotId)).toEqual([SNAP.scratch]);

    const all = (await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }))).Snapshots!.map(
      (s) => s.SnapshotId,
    );
    expect(all).toHaveLength(7); // 4 seeded + 3 behind the two AMIs
    const seen: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeSnapshotsCommand({ OwnerIds: ["self"], MaxResults: 5, NextToken: token }),
      );
      seen.push(...page.Snapshots!.map((s) => s.SnapshotId));
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual(all);
    const badFilter = await errorOf(
      ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: "colour", Values: ["x"] }] })),
    );
    expect(badFilter.name).toBe("InvalidParameterValue");
  });

  it("CreateTags / DeleteTags on volumes and snapshots", async () => {
    const ec2 = ec2Client(sim);
    await ec2.send(
      new CreateTagsCommand({ Resources: [VOL.scratch, SNAP.scratch], Tags: [{ Key: "env", Value: "prod" }] }),
    );
    const vol = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VOL.scratch] }))).Volumes?.[0];
    expect(vol).toMatchObject({ Size: 20, Encrypted: false, State: "available" });
    expect(vol?.Tags).toEqual([
      { Key: "Name", Value: "scratch" },
      { Key: "env", Value: "prod" },
    ]);
    await ec2.send(new DeleteTagsCommand({ Resources: [SNAP.scratch], Tags: [{ Key: "env", Value: "other" }] }));
    expect((await describeOne(SNAP.scratch))?.Tags).toEqual([{ Key: "env", Value: "prod" }]);
    await ec2.send(new DeleteTagsCommand({ Resources: [SNAP.scratch], Tags: [{ Key: "env" }] }));
    expect((await describeOne(SNAP.scratch))?.Tags ?? []).toEqual([]);
    const missing = await errorOf(
      ec2.send(new CreateTagsCommand({ Resources: ["snap-0123456789abcdef0"], Tags: [{ Key: "a", Value: "b" }] })),
    );
    expect(missing.name).toBe("InvalidSnapshot.NotFound");
  });

  it("encryption by default is off and the default key is alias/aws/ebs", async () => {
    const ec2 = ec2Client(sim);
    expect((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(false);
    expect((await ec2.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe("alias/aws/ebs");
  });
});
