import {
  CopyImageCommand,
  CopySnapshotCommand,
  CreateSnapshotCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { AMI, EC2_WORLD, ec2Client, LOCKED, SNAP, VOL } from "./ec2-helpers.js";
import { errorOf, keyOf, REGION, STAGING, startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
beforeEach(async () => {
  sim = await startTestSim(EC2_WORLD);
  sim.setSpeed(0);
});
afterEach(() => sim.close());

const json = (v: unknown) => JSON.stringify(v);

describe("EC2 DryRun, deny lists, faults", () => {
  it("DryRun of an allowed, valid call answers DryRunOperation (412) and changes nothing", async () => {
    const ec2 = ec2Client(sim);
    const before = json(sim.dump());
    sim.resetStats();
    const calls: (() => Promise<unknown>)[] = [
      () => ec2.send(new CreateSnapshotCommand({ VolumeId: VOL.api, DryRun: true })),
      () =>
        ec2.send(
          new CopySnapshotCommand({
            SourceSnapshotId: SNAP.api,
            SourceRegion: REGION,
            Encrypted: true,
            KmsKeyId: "alias/ebs-shared",
            DryRun: true,
          }),
        ),
      () =>
        ec2.send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: SNAP.orders,
            CreateVolumePermission: { Add: [{ UserId: STAGING }] },
            DryRun: true,
          }),
        ),
      () =>
        ec2.send(
          new CopyImageCommand({
            SourceImageId: AMI.app,
            SourceRegion: REGION,
            Name: "dry",
            ClientToken: "dry-1",
            DryRun: true,
          }),
        ),
      () => ec2.send(new DescribeSnapshotsCommand({ DryRun: true })),
    ];
    for (const call of calls) {
      const err = await errorOf(call());
      expect(err.name).toBe("DryRunOperation");
      expect(err.message).toBe("Request would have succeeded, but DryRun flag is set.");
      expect(err.$metadata?.httpStatusCode).toBe(412);
    }
    expect(json(sim.dump())).toBe(before);
    // Dry runs are counted apart: "plan made no mutating call" stays a meaningful assertion.
    expect(sim.stats()).toMatchObject({ mutating: 0, dryRuns: 5 });
    // The dry-run token was not recorded: a real call with it and other parameters succeeds.
    await ec2.send(
      new CopyImageCommand({ SourceImageId: AMI.app, SourceRegion: REGION, Name: "real", ClientToken: "dry-1" }),
    );
  });

  it("DryRun still validates: an unknown resource answers its NotFound, a refused share its error", async () => {
    const ec2 = ec2Client(sim);
    const missing = await errorOf(
      ec2.send(new CreateSnapshotCommand({ VolumeId: "vol-0123456789abcdef0", DryRun: true })),
    );
    expect(missing.name).toBe("InvalidVolume.NotFound");
    const refused = await errorOf(
      ec2.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: SNAP.api,
          CreateVolumePermission: { Add: [{ UserId: STAGING }] },
          DryRun: true,
        }),
      ),
    );
    expect(refused.name).toBe("OperationNotPermitted");
  });

  it("a denied action answers UnauthorizedOperation (403), dry run or not, before any validation", async () => {
    const locked = ec2Client(sim, keyOf(LOCKED));
    const before = json(sim.dump());
    for (const DryRun of [true, false]) {
      const err = await errorOf(
        locked.send(new CopySnapshotCommand({ SourceSnapshotId: SNAP.locked, SourceRegion: REGION, DryRun })),
      );
      expect(err.name).toBe("UnauthorizedOperation");
      expect(err.message).toMatch(
        /^You are not authorized to perform this operation\. Encoded authorization failure message: /,
      );
      expect(err.$metadata?.httpStatusCode).toBe(403);
    }
    // `ec2:Modify*` covers ModifySnapshotAttribute; the unknown snapshot is never looked at.
    const modify = await errorOf(
      locked.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: "snap-0123456789abcdef0",
          CreateVolumePermission: { Add: [{ UserId: STAGING }] },
        }),
      ),
    );
    expect(modify.name).toBe("UnauthorizedOperation");
    expect(json(sim.dump())).toBe(before);
    // What is not denied works.
    const dry = await errorOf(
      locked.send(new CreateSnapshotCommand({ VolumeId: "vol-0c0c0c0c0c0c00001", DryRun: true })),
    );
    expect(dry.name).toBe("DryRunOperation");
    const own = await locked.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }));
    expect(own.Snapshots?.map((s) => s.SnapshotId)).toEqual([SNAP.locked]);
  });

  it("fault rules apply to ec2 actions; throttling is RequestLimitExceeded (503)", async () => {
    sim.addFaults([
      { service: "ec2", action: "CopySnapshot", code: "InternalError", status: 500 },
      { service: "ec2", action: "DescribeSnapshots", throttle: true },
    ]);
    const ec2 = new EC2Client({
      endpoint: sim.url,
      region: REGION,
      credentials: keyOf("111111111111"),
      maxAttempts: 1,
    });
    const injected = await errorOf(
      ec2.send(new CopySnapshotCommand({ SourceSnapshotId: SNAP.scratch, SourceRegion: REGION })),
    );
    expect(injected.name).toBe("InternalError");
    const throttled = await errorOf(ec2.send(new DescribeSnapshotsCommand({})));
    expect(throttled.name).toBe("RequestLimitExceeded");
    expect(throttled.$metadata?.httpStatusCode).toBe(503);
    expect(sim.stats().errors).toMatchObject({
      "ec2:CopySnapshot:InternalError": 1,
      "ec2:DescribeSnapshots:RequestLimitExceeded": 1,
    });
  });

  it("an unknown access key answers AuthFailure (401)", async () => {
    const stranger = ec2Client(sim, { accessKeyId: "AKIANOBODY0000000000", secretAccessKey: "x" });
    const err = await errorOf(stranger.send(new DescribeSnapshotsCommand({})));
    expect(err.name).toBe("AuthFailure");
    expect(err.$metadata?.httpStatusCode).toBe(401);
  });

  it("two runs of the same scenario dump the same world (deterministic ids)", async () => {
    const scenario = async (s: SimulatorHandle) => {
      const ec2 = ec2Client(s);
      await ec2.send(new CreateSnapshotCommand({ VolumeId: VOL.orders }));
      await ec2.send(
        new CopyImageCommand({ SourceImageId: AMI.app, SourceRegion: REGION, Name: "again", ClientToken: "x" }),
      );
      s.advance(3_600_000);
      return json(s.dump());
    };
    const other = await startTestSim(EC2_WORLD);
    other.setSpeed(0);
    try {
      expect(await scenario(sim)).toBe(await scenario(other));
    } finally {
      await other.close();
    }
  });
});
