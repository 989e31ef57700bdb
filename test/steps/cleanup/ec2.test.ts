import {
  CopyImageCommand,
  CopySnapshotCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSimulator } from "../../../src/sim/index.js";
import { cleanup } from "../../../src/steps/cleanup/cleanup.js";
import type { RunContext } from "../../../src/steps/define.js";
import { kmsCreateKey } from "../../../src/steps/kms/create-key.js";
import { createStepHarness } from "../../helpers/step-context.js";
import { EC2_WORLD } from "../../sim/ec2-helpers.js";
import { mutations, PROD, REGION, STAGING, type World } from "../setup.js";

const TASK = "tidy-source";
const ORDERS_SNAPSHOT = "snap-0a1b2c3d4e5f60002"; // seeded, alias/ebs-shared, tags { team: orders }
const APP_AMI = "ami-0a1b2c3d4e5f60002"; // seeded: 8 GB on alias/ebs-shared + 20 GB unencrypted

let world: World;
beforeEach(async () => {
  const sim = await startSimulator({ seed: EC2_WORLD });
  sim.setSpeed(0);
  const h = await createStepHarness({
    endpoint: sim.url,
    accounts: { source: { id: PROD, region: REGION }, target: { id: STAGING, region: REGION } },
    advance: (ms) => sim.advance(ms),
    now: () => sim.now(),
    runId: "run1",
  });
  world = {
    sim,
    h,
    close: async () => {
      h.close();
      await sim.close();
    },
  };
});
afterEach(() => world.close());

const ec2 = (): EC2Client => world.h.session.client("source", "ec2");
const arnOf = (type: "snapshot" | "image", id: string) => `arn:aws:ec2:${REGION}::${type}/${id}`;

function tagSpecs(types: Array<"snapshot" | "image">) {
  const Tags = Object.entries(world.h.runContext("source", "web.image").tags()).map(([Key, Value]) => ({ Key, Value }));
  return types.map((ResourceType) => ({ ResourceType, Tags }));
}

async function snapshotIds(): Promise<string[]> {
  const out = await ec2().send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }));
  return (out.Snapshots ?? []).map((s) => s.SnapshotId ?? "");
}

async function imageOf(id: string) {
  const out = await ec2()
    .send(new DescribeImagesCommand({ ImageIds: [id] }))
    .catch(() => undefined);
  return out?.Images?.find((i) => i.ImageId === id);
}

/** A key of this run, a snapshot copied under it and an AMI copied under it, all tagged by this run. */
async function intermediates(options: { tagBackingSnapshots: boolean } = { tagBackingSnapshots: true }) {
  const key = await world.h.run(kmsCreateKey, "source", { alias: "hikkoshi/ebs-test" }, "share-key");
  const keyArn = String(key.keyArn);
  const copy = await ec2().send(
    new CopySnapshotCommand({
      SourceSnapshotId: ORDERS_SNAPSHOT,
      SourceRegion: REGION,
      Encrypted: true,
      KmsKeyId: keyArn,
      TagSpecifications: tagSpecs(["snapshot"]),
    }),
  );
  const image = await ec2().send(
    new CopyImageCommand({
      SourceImageId: APP_AMI,
      SourceRegion: REGION,
      Name: "hk-run1-app",
      Encrypted: true,
      KmsKeyId: keyArn,
      TagSpecifications: tagSpecs(options.tagBackingSnapshots ? ["image", "snapshot"] : ["image"]),
    }),
  );
  world.sim.advance(10 * 60_000);
  const imageId = image.ImageId ?? "";
  const backing = ((await imageOf(imageId))?.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId ?? "");
  expect(backing).toHaveLength(2);
  return {
    keyArn,
    keyId: String(key.keyId),
    snapshotId: copy.SnapshotId ?? "",
    imageId,
    backing,
    params: { ebsSnapshots: [copy.SnapshotId], images: [imageId], kmsKeys: [keyArn] },
  };
}

describe("cleanup: EBS snapshots and AMIs", () => {
  it("deregisters the AMI, then deletes its tagged backing snapshots and the snapshot, then schedules the key", async () => {
    const made = await intermediates();
    world.sim.resetStats();
    const plan = await world.h.plan(cleanup, "source", made.params, TASK);
    expect(plan.preconditions.filter((p) => !p.ok)).toEqual([]);
    expect(plan.summary).toContain("delete 1 AMI(s), 1 EBS snapshot(s) [+2 backing the AMIs]");
    // The EC2 deletions were dry-run (permission preflight) and nothing changed.
    expect(plan.preconditions.filter((p) => p.code === "EC2_DRY_RUN_ALLOWED")).toHaveLength(2);
    expect(world.sim.stats()).toMatchObject({ mutating: 0, dryRuns: 2 });

    const out = await world.h.run(cleanup, "source", made.params, TASK);
    expect(mutations(world.h).slice(2)).toEqual([
      "ec2:DeregisterImage",
      "ec2:DeleteSnapshot",
      "ec2:DeleteSnapshot",
      "ec2:DeleteSnapshot",
      "kms:ScheduleKeyDeletion",
    ]);
    expect(await imageOf(made.imageId)).toBeUndefined();
    const left = await snapshotIds();
    for (const id of [made.snapshotId, ...made.backing]) expect(left).not.toContain(id);
    expect(left).toContain(ORDERS_SNAPSHOT);
    expect(out.deleted).toEqual([
      arnOf("image", made.imageId),
      ...made.backing.map((id) => arnOf("snapshot", id)),
      arnOf("snapshot", made.snapshotId),
    ]);
    const meta = await world.h.session.client("source", "kms").send(new DescribeKeyCommand({ KeyId: made.keyId }));
    expect(meta.KeyMetadata?.KeyState).toBe("PendingDeletion");
  });

  it("keeps backing snapshots without this run's tags, and then refuses the key that encrypts them", async () => {
    const made = await intermediates({ tagBackingSnapshots: false });
    const plan = await world.h.plan(cleanup, "source", made.params, TASK);
    const codes = plan.preconditions.filter((p) => !p.ok).map((p) => `${p.severity}:${p.code}`);
    expect(codes).toEqual([
      "warning:CLEANUP_BACKING_SNAPSHOT_KEPT",
      "warning:CLEANUP_BACKING_SNAPSHOT_KEPT",
      "error:CLEANUP_KEY_STILL_IN_USE",
    ]);
    // The run refuses up front, before deregistering anything.
    await expect(world.h.run(cleanup, "source", made.params, TASK)).rejects.toMatchObject({
      code: "CLEANUP_KEY_STILL_IN_USE",
    });
    expect(mutations(world.h).slice(2)).toEqual([]);
    // Without the key: the AMI goes, its untagged snapshots stay (with a warning).
    const out = await world.h.run(cleanup, "source", { images: [made.imageId] }, "tidy-images");
    expect(out.deleted).toEqual([arnOf("image", made.imageId)]);
    const left = await snapshotIds();
    for (const id of made.backing) expect(left).toContain(id);
    expect(world.h.logs.filter((l) => l.startsWith("warn") && l.includes("kept EBS snapshot"))).toHaveLength(2);
  });

  it("refuses a seeded snapshot that carries other tags, touching nothing", async () => {
    const made = await intermediates();
    const params = { ...made.params, ebsSnapshots: [made.snapshotId, ORDERS_SNAPSHOT] };
    const plan = await world.h.plan(cleanup, "source", params, TASK);
    const errors = plan.preconditions.filter((p) => !p.ok && p.severity === "error");
    expect(errors).toMatchObject([{ code: "CLEANUP_NOT_OURS", message: expect.stringContaining('{"team":"orders"}') }]);
    world.sim.resetStats();
    await expect(world.h.run(cleanup, "source", params, TASK)).rejects.toMatchObject({ code: "CLEANUP_NOT_OURS" });
    expect(world.sim.stats().mutating).toBe(0);
    expect(await imageOf(made.imageId)).toBeDefined();
  });

  it("remembers the backing snapshots of an AMI when the process dies right after DeregisterImage", async () => {
    const made = await intermediates();
    const ctx = world.h.runContext("source", TASK);
    const dying: RunContext = {
      ...ctx,
      aws: {
        ...ctx.aws,
        mutate: async (alias, service, command, resource) => {
          const out = await ctx.aws.mutate(alias, service, command, resource);
          if (mutations(world.h).at(-1) === "ec2:DeregisterImage") throw new Error("process died");
          return out;
        },
      },
    };
    await expect(cleanup.run(dying, cleanup.params.parse(made.params))).rejects.toThrow("process died");
    expect(await imageOf(made.imageId)).toBeUndefined();
    expect(await snapshotIds()).toEqual(expect.arrayContaining(made.backing));
    // The AMI no longer says which snapshots backed it: the checkpoint saved before deregistering does.
    const out = await world.h.run(cleanup, "source", made.params, TASK);
    const left = await snapshotIds();
    for (const id of made.backing) expect(left).not.toContain(id);
    expect(out.deleted).toHaveLength(4);
    expect(mutations(world.h).filter((m) => m === "ec2:DeregisterImage")).toHaveLength(1);
  });
});
