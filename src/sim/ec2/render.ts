/**
 * EC2 resources as the ec2Query wire spells them (member names checked against @aws-sdk/client-ec2's
 * schema: `snapshotSet`, `imagesSet`, `blockDeviceMapping`, `tagSet`, `status` for a snapshot's State…).
 * Tags are per account: another account's viewer does not see the owner's tags.
 */
import { itemList } from "../protocol/ec2query.js";
import type { Tags, World } from "../world.js";
import { type AmiImage, type EbsSnapshot, type EbsVolume, imageState, snapshotState } from "./model.js";

export function tagSetXml(tags: Tags): unknown {
  const sorted = [...tags.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return itemList(sorted.map(([key, value]) => ({ key, value })));
}

export function permissionsXml(shares: Set<string>): unknown {
  return itemList([...shares].sort().map((v) => (v === "all" ? { group: "all" } : { userId: v })));
}

export function snapshotXml(s: EbsSnapshot, viewer: string, now: number): Record<string, unknown> {
  const st = snapshotState(s, now);
  return {
    snapshotId: s.id,
    volumeId: s.volumeId,
    status: st.state,
    statusMessage: st.message,
    startTime: new Date(s.createdAt),
    progress: `${st.percent}%`,
    ownerId: s.account,
    description: s.description,
    volumeSize: s.sizeGb,
    encrypted: s.kmsKeyArn !== undefined,
    kmsKeyId: s.kmsKeyArn,
    storageTier: "standard",
    tagSet: s.account === viewer ? tagSetXml(s.tags) : undefined,
  };
}

export function volumeXml(v: EbsVolume): Record<string, unknown> {
  return {
    volumeId: v.id,
    size: v.sizeGb,
    snapshotId: "",
    availabilityZone: `${v.region}a`,
    status: "available",
    createTime: new Date(v.createdAt),
    attachmentSet: "",
    volumeType: "gp3",
    iops: 3000,
    throughput: 125,
    encrypted: v.kmsKeyArn !== undefined,
    kmsKeyId: v.kmsKeyArn,
    multiAttachEnabled: false,
    tagSet: tagSetXml(v.tags),
  };
}

export function imageXml(world: World, i: AmiImage, viewer: string, now: number): Record<string, unknown> {
  const st = imageState(world, i, now);
  const snapshots = world.accounts.get(i.account)?.regions.get(i.region)?.ec2.snapshots;
  return {
    imageId: i.id,
    imageLocation: `${i.account}/${i.name}`,
    imageState: st.state,
    imageOwnerId: i.account,
    creationDate: new Date(i.createdAt).toISOString(),
    isPublic: i.launchPermissions.has("all"),
    architecture: "x86_64",
    imageType: "machine",
    name: i.name,
    description: i.description || undefined,
    rootDeviceType: "ebs",
    rootDeviceName: i.devices[0]?.deviceName,
    blockDeviceMapping: itemList(
      i.devices.map((d) => {
        const s = snapshots?.get(d.snapshotId);
        return {
          deviceName: d.deviceName,
          ebs: {
            deleteOnTermination: true,
            snapshotId: d.snapshotId,
            volumeSize: d.sizeGb,
            volumeType: "gp3",
            encrypted: s?.kmsKeyArn !== undefined,
            kmsKeyId: s?.kmsKeyArn,
          },
        };
      }),
    ),
    virtualizationType: "hvm",
    hypervisor: "xen",
    enaSupport: true,
    sriovNetSupport: "simple",
    platformDetails: "Linux/UNIX",
    usageOperation: "RunInstances",
    stateReason: st.reason,
    sourceImageId: i.sourceImageId,
    sourceImageRegion: i.sourceRegion,
    tagSet: i.account === viewer ? tagSetXml(i.tags) : undefined,
  };
}
