import { CopySnapshotCommand, CreateSnapshotCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { taskTags } from "../../../src/engine/names.js";
import { ec2CopySnapshot } from "../../../src/steps/ec2/copy-snapshot.js";
import { ec2CreateSnapshot } from "../../../src/steps/ec2/create-snapshot.js";
import { VISIBILITY_GRACE_MS } from "../../../src/steps/ec2/write.js";
import { tagList } from "../../../src/steps/shared/ownership.js";
import { type Ec2World, mutations, PROD, SEED, STAGING, startEc2World, succeededMutations } from "./setup.js";

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

describe("ec2.create-snapshot", () => {
  it("plans, snapshots a volume with our tags, waits with progress, and adopts it on re-run", async () => {
    const params = { volumeId: SEED.volSharedKey };
    const plan = await world.h.plan(ec2CreateSnapshot, "source", params, "vol.snap");
    expect(plan.action).toBe("create");
    expect(failedCodes(plan)).toEqual([]);
    expect(plan.preconditions.map((p) => p.code)).toContain("EC2_DRY_RUN_ALLOWED");
    expect(plan.estimate).toMatchObject({ sizeGb: 50 });

    const first = await world.h.run(ec2CreateSnapshot, "source", params, "vol.snap");
    expect(first).toMatchObject({ encrypted: true, sizeGb: 50 });
    expect(String(first.snapshotId)).toMatch(/^snap-[0-9a-f]{17}$/);
    expect(first.kmsKeyId).toBe(await keyArn("source", "alias/ebs-shared"));
    expect(world.h.waits.some((w) => w.percents.some((p) => p > 0 && p < 100))).toBe(true);

    // Resume after a crash that lost the saved progress: the tags find the snapshot.
    world.h.progress.clear();
    const second = await world.h.run(ec2CreateSnapshot, "source", params, "vol.snap");
    expect(second).toEqual(first);
    expect(mutations(world.h)).toEqual(["ec2:CreateSnapshot"]);
    // The plan's dry run is a CreateSnapshot call too, answered DryRunOperation: only one acted.
    expect(succeededMutations(world.sim)).toEqual({ "ec2:CreateSnapshot": 1 });
  });

  it("after a recorded intent, looks again for a while before a second CreateSnapshot (EC2 lists eventually)", async () => {
    const params = { volumeId: SEED.volSharedKey };
    const ec2 = world.h.session.client("source", "ec2");
    const base = world.h.runContext("source", "vol.snap");
    // An earlier attempt recorded its intent and sent CreateSnapshot; the snapshot shows up in the
    // listing only while this attempt is already looking (the first sleep of the grace period).
    world.h.progress.set("vol.snap", { intentAt: base.clock.now() });
    let appeared: string | undefined;
    const ctx = {
      ...world.h.runContext("source", "vol.snap"),
      clock: {
        now: () => base.clock.now(),
        sleep: async (ms: number) => {
          if (!appeared) {
            const tags = tagList(base.tags()).map((t) => ({ ...t }));
            const out = await ec2.send(
              new CreateSnapshotCommand({
                VolumeId: SEED.volSharedKey,
                TagSpecifications: [{ ResourceType: "snapshot", Tags: tags }],
              }),
            );
            appeared = out.SnapshotId;
          }
          await base.clock.sleep(ms);
        },
      },
    };
    const out = await ec2CreateSnapshot.run(ctx, ec2CreateSnapshot.params.parse(params));
    expect(out.snapshotId).toBe(appeared);
    expect(mutations(world.h)).toEqual([]); // this attempt sent nothing: it adopted the earlier one
    expect(succeededMutations(world.sim)).toEqual({ "ec2:CreateSnapshot": 1 });

    // An intent older than the grace period (the usual resume, minutes later) does not wait.
    world.h.progress.set("other.snap", { intentAt: base.clock.now() - VISIBILITY_GRACE_MS - 60_000 });
    let sleeps = 0;
    const other = world.h.runContext("source", "other.snap");
    const counting = { ...other, clock: { now: () => base.clock.now(), sleep: async () => void sleeps++ } };
    await ec2CreateSnapshot.run(counting, ec2CreateSnapshot.params.parse(params));
    expect(sleeps).toBe(0);
    expect(mutations(world.h)).toEqual(["ec2:CreateSnapshot"]);
  });

  it("plan fails on a volume that does not exist", async () => {
    const plan = await world.h.plan(ec2CreateSnapshot, "source", { volumeId: "vol-0000000000000dead" });
    expect(failedCodes(plan)).toContain("VOLUME_NOT_FOUND");
  });
});

describe("ec2.copy-snapshot", () => {
  it("re-encrypts an aws/ebs snapshot under a shareable customer key, once", async () => {
    const params = { source: SEED.snapAwsKey, kmsKeyId: "alias/ebs-shared", forSharing: true };
    const plan = await world.h.plan(ec2CopySnapshot, "source", params, "snap.reencrypt");
    expect(plan.action).toBe("copy");
    expect(failedCodes(plan)).toEqual([]);
    expect(plan.predictedOutputs?.kmsKeyId).toBe(await keyArn("source", "alias/ebs-shared"));

    const first = await world.h.run(ec2CopySnapshot, "source", params, "snap.reencrypt");
    world.h.progress.clear();
    const second = await world.h.run(ec2CopySnapshot, "source", params, "snap.reencrypt");
    expect(second).toEqual(first);
    expect(first).toMatchObject({ encrypted: true, sizeGb: 100, kmsKeyId: await keyArn("source", "alias/ebs-shared") });
    expect(mutations(world.h)).toEqual(["ec2:CopySnapshot"]);
    expect(succeededMutations(world.sim)).toEqual({ "ec2:CopySnapshot": 1 });
  });

  it("refuses an AWS managed key for a copy meant for sharing (alias in the schema, ARN in plan and run)", async () => {
    expect(
      ec2CopySnapshot.params.safeParse({ source: SEED.snapPlain, kmsKeyId: "alias/aws/ebs", forSharing: true }).success,
    ).toBe(false);
    const awsKey = await keyArn("source", "alias/aws/ebs");
    const params = { source: SEED.snapPlain, kmsKeyId: awsKey, forSharing: true };
    const plan = await world.h.plan(ec2CopySnapshot, "source", params);
    expect(failedCodes(plan)).toEqual(["SHARE_KEY_IS_AWS_MANAGED"]);
    await expect(world.h.run(ec2CopySnapshot, "source", params)).rejects.toMatchObject({
      code: "SHARE_KEY_IS_AWS_MANAGED",
    });
    expect(mutations(world.h)).toEqual([]);
  });

  it("the dry run finds the locked account's missing ec2:CopySnapshot", async () => {
    const plan = await world.h.plan(ec2CopySnapshot, "locked", {
      source: SEED.lockedSnapshot,
      kmsKeyId: "alias/aws/ebs",
    });
    const denied = plan.preconditions.find((p) => p.code === "EC2_PERMISSION_DENIED");
    expect(denied).toMatchObject({ ok: false, severity: "error" });
    expect(denied?.message).toContain("333333333333");
    expect(denied?.message).toContain("UnauthorizedOperation");
    expect(denied?.hint).toContain("ec2:CopySnapshot");
    expect(world.sim.stats().errors["ec2:CopySnapshot:UnauthorizedOperation"]).toBe(1);
  });

  it("a dry run on a source an earlier task makes is inconclusive, not an error", async () => {
    const plan = await world.h.plan(ec2CopySnapshot, "source", {
      source: "snap-0000000000000beef",
      kmsKeyId: "alias/ebs-shared",
      forSharing: true,
    });
    expect(failedCodes(plan)).toEqual([]);
    expect(plan.preconditions.map((p) => p.code)).toEqual(
      expect.arrayContaining(["SOURCE_NOT_YET_PRESENT", "EC2_DRY_RUN_INCONCLUSIVE"]),
    );
    expect(plan.summary).toContain("not present yet");
  });

  it("copies a shared snapshot into the target under the target's key", async () => {
    // Share the orders snapshot (on ebs-shared, which admits staging) behind hikkoshi's back.
    const { ModifySnapshotAttributeCommand } = await import("@aws-sdk/client-ec2");
    await world.h.session.client("source", "ec2").send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: SEED.snapSharedKey,
        Attribute: "createVolumePermission",
        CreateVolumePermission: { Add: [{ UserId: STAGING }] },
      }),
    );
    const params = { source: SEED.snapSharedKey, kmsKeyId: "alias/staging-data" };
    const plan = await world.h.plan(ec2CopySnapshot, "target", params);
    expect(failedCodes(plan)).toEqual([]);
    const out = await world.h.run(ec2CopySnapshot, "target", params);
    expect(out.kmsKeyId).toBe(await keyArn("target", "alias/staging-data"));
    const seen = await world.h.session
      .client("target", "ec2")
      .send(new DescribeSnapshotsCommand({ SnapshotIds: [String(out.snapshotId)] }));
    expect(seen.Snapshots?.[0]).toMatchObject({ OwnerId: STAGING, State: "completed" });
  });

  it("plan and run refuse a shared snapshot whose key the target cannot use", async () => {
    const params = { source: SEED.snapProdOnlyShared, kmsKeyId: "alias/staging-data" };
    const plan = await world.h.plan(ec2CopySnapshot, "target", params);
    expect(failedCodes(plan)).toEqual(["SOURCE_KEY_NOT_USABLE"]);
    expect(plan.preconditions.find((p) => !p.ok)?.hint).toContain(`arn:aws:iam::${STAGING}:root`);
    await expect(world.h.run(ec2CopySnapshot, "target", params)).rejects.toMatchObject({
      code: "SOURCE_KEY_NOT_USABLE",
    });
    expect(mutations(world.h)).toEqual([]);
  });

  it("a copy AWS accepted that lands in error fails the wait with the key hint", async () => {
    // An earlier attempt made the copy (our tags) and crashed before saving its id.
    const ec2 = world.h.session.client("target", "ec2");
    await ec2.send(
      new CopySnapshotCommand({
        SourceSnapshotId: SEED.snapProdOnlyShared,
        SourceRegion: "ap-northeast-1",
        Encrypted: true,
        KmsKeyId: "alias/staging-data",
        TagSpecifications: [{ ResourceType: "snapshot", Tags: tagList(taskTags("testrun", "bad.copy", "step-tests")) }],
      }),
    );
    const params = { source: SEED.snapProdOnlyShared, kmsKeyId: "alias/staging-data" };
    const failure = await world.h.run(ec2CopySnapshot, "target", params, "bad.copy").catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "EBS_COPY_FAILED" });
    const { message, hint } = failure as { message: string; hint: string };
    expect(message).toContain("state error");
    const prodOnly = await keyArn("source", "alias/prod-only");
    expect(hint).toContain(prodOnly);
    expect(hint).toContain(`arn:aws:iam::${STAGING}:root`);
    expect(hint).toContain(PROD);
    expect(mutations(world.h)).toEqual([]);
  });
});
