import { DescribeImagesCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ec2MoveImage } from "../../../src/steps/ec2/move-image.js";
import { ec2MoveSnapshot } from "../../../src/steps/ec2/move-snapshot.js";
import { runExpanded, selfRefOf } from "../setup.js";
import { type Ec2World, mutations, PROD, SEED, STAGING, startEc2World } from "./setup.js";

const selfRef = selfRefOf("mv");

let world: Ec2World;
beforeEach(async () => {
  world = await startEc2World();
});
afterEach(() => world.close());

async function stagingKey(): Promise<string> {
  const kms = world.h.session.client("target", "kms");
  return String((await kms.send(new DescribeKeyCommand({ KeyId: "alias/staging-data" }))).KeyMetadata?.Arn);
}

/** Snapshots / AMIs in production that carry this run's tags. */
async function leftoversInSource() {
  const ec2 = world.h.session.client("source", "ec2");
  const filter = [{ Name: "tag:hikkoshi:run", Values: ["testrun"] }];
  const snaps = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: filter }));
  const images = await ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: filter }));
  return [...(snaps.Snapshots ?? []).map((s) => s.SnapshotId), ...(images.Images ?? []).map((i) => i.ImageId)];
}

describe("ec2.move-snapshot", () => {
  it("moves a volume on aws/ebs to the target and cleans up the intermediates", async () => {
    const withRaw = ec2MoveSnapshot.params.parse({
      from: "source",
      to: "target",
      volumeId: SEED.volAwsKey,
      shareKey: "alias/ebs-shared",
      targetKey: "alias/staging-data",
      cleanup: true,
    }) as Record<string, unknown>;
    const steps = ec2MoveSnapshot.expand(withRaw, { selfRef });
    expect(steps.map((s) => [s.localId, s.type, s.account])).toEqual([
      ["snapshot", "ec2.create-snapshot", "source"],
      ["reencrypt", "ec2.copy-snapshot", "source"],
      ["share", "ec2.share-snapshot", "source"],
      ["copy", "ec2.copy-snapshot", "target"],
      ["cleanup-reencrypt", "ec2.delete-snapshot", "source"],
      ["cleanup-snapshot", "ec2.delete-snapshot", "source"],
    ]);
    const outputs = await runExpanded(world.h, "mv", steps);
    expect(mutations(world.h)).toEqual([
      "ec2:CreateSnapshot",
      "ec2:CopySnapshot",
      "ec2:ModifySnapshotAttribute",
      "ec2:CopySnapshot",
      "ec2:DeleteSnapshot",
      "ec2:DeleteSnapshot",
    ]);
    expect(world.h.journal.map((r) => r.accountId)).toEqual([PROD, PROD, PROD, STAGING, PROD, PROD]);
    const final = outputs.get("copy")!;
    expect(final).toMatchObject({ encrypted: true, sizeGb: 100, kmsKeyId: await stagingKey() });
    const seen = await world.h.session
      .client("target", "ec2")
      .send(new DescribeSnapshotsCommand({ SnapshotIds: [String(final.snapshotId)] }));
    expect(seen.Snapshots?.[0]).toMatchObject({ OwnerId: STAGING, State: "completed" });
    expect(await leftoversInSource()).toEqual([]);
  });

  it("moves an existing snapshot without cleanup and keeps it; the schema wants exactly one source", async () => {
    expect(
      ec2MoveSnapshot.params.safeParse({
        from: "source",
        to: "target",
        volumeId: SEED.volPlain,
        snapshotId: SEED.snapPlain,
        shareKey: "alias/ebs-shared",
        targetKey: "alias/staging-data",
      }).success,
    ).toBe(false);
    expect(
      ec2MoveSnapshot.params.safeParse({
        from: "source",
        to: "target",
        snapshotId: SEED.snapPlain,
        shareKey: "alias/aws/ebs",
        targetKey: "alias/staging-data",
      }).success,
    ).toBe(false);
    const steps = ec2MoveSnapshot.expand(
      ec2MoveSnapshot.params.parse({
        from: "source",
        to: "target",
        snapshotId: SEED.snapPlain,
        shareKey: "alias/ebs-shared",
        targetKey: "alias/staging-data",
      }) as Record<string, unknown>,
      { selfRef },
    );
    expect(steps.map((s) => s.localId)).toEqual(["reencrypt", "share", "copy"]);
    const outputs = await runExpanded(world.h, "mv", steps);
    expect(outputs.get("copy")).toMatchObject({ encrypted: true, sizeGb: 20 });
    expect(await leftoversInSource()).toHaveLength(1); // the shared re-encrypted copy stays (no cleanup)
  });
});

describe("ec2.move-image", () => {
  it("moves an AMI on aws/ebs: the target owns an available AMI and its snapshots under its key", async () => {
    const withRaw = ec2MoveImage.params.parse({
      from: "source",
      to: "target",
      image: SEED.amiAwsKey,
      shareKey: "alias/ebs-shared",
      targetKey: "alias/staging-data",
      name: "web-moved",
      cleanup: true,
    }) as Record<string, unknown>;
    const steps = ec2MoveImage.expand(withRaw, { selfRef });
    expect(steps.map((s) => [s.localId, s.type, s.account])).toEqual([
      ["reencrypt", "ec2.copy-image", "source"],
      ["share", "ec2.share-image", "source"],
      ["copy", "ec2.copy-image", "target"],
      ["cleanup-reencrypt", "ec2.deregister-image", "source"],
    ]);
    const outputs = await runExpanded(world.h, "mv", steps);
    expect(mutations(world.h)).toEqual([
      "ec2:CopyImage",
      "ec2:ModifySnapshotAttribute",
      "ec2:ModifyImageAttribute",
      "ec2:CopyImage",
      "ec2:DeregisterImage",
      "ec2:DeleteSnapshot",
    ]);
    const final = outputs.get("copy")!;
    const key = await stagingKey();
    expect(final).toMatchObject({ name: "web-moved", kmsKeyId: key });
    const ec2 = world.h.session.client("target", "ec2");
    const image = await ec2.send(new DescribeImagesCommand({ ImageIds: [String(final.imageId)] }));
    expect(image.Images?.[0]).toMatchObject({ OwnerId: STAGING, State: "available", Name: "web-moved" });
    const snaps = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: final.snapshotIds as string[] }));
    expect(snaps.Snapshots?.map((s) => [s.OwnerId, s.KmsKeyId, s.State])).toEqual([[STAGING, key, "completed"]]);
    expect(await leftoversInSource()).toEqual([]);
  });
});
