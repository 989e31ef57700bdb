/**
 * The EC2 part of a region's world dump: volumes, snapshots (state, key, copy source, shares, tags) and
 * images (state, backing snapshots, launch permissions, tags), sorted, without timestamps.
 */
import type { Tags, World } from "../world.js";
import { type Ec2RegionState, imageState, snapshotState } from "./model.js";

export interface Ec2RegionDump {
  volumes: {
    id: string;
    sizeGb: number;
    encrypted: boolean;
    kmsKeyArn: string | null;
    kmsKeyAlias: string | null;
    tags: Record<string, string>;
  }[];
  snapshots: {
    id: string;
    volumeId: string;
    state: string;
    stateMessage: string | null;
    sizeGb: number;
    description: string;
    encrypted: boolean;
    kmsKeyArn: string | null;
    /** The key's alias (e.g. alias/aws/ebs), readable in diffs; null when the key has none. */
    kmsKeyAlias: string | null;
    /** `<region>/<snapshot id>` of the source of a copy. */
    copiedFrom: string | null;
    sharedWith: string[];
    tags: Record<string, string>;
  }[];
  images: {
    id: string;
    name: string;
    state: string;
    /** Device name → snapshot id, root first. */
    blockDevices: { deviceName: string; snapshotId: string }[];
    launchPermissions: string[];
    sourceImageId: string | null;
    tags: Record<string, string>;
  }[];
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const tagObject = (tags: Tags) => Object.fromEntries([...tags.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));

/** Undefined when the region has no EC2 resource (dumps of worlds without EC2 stay as they were). */
export function ec2RegionDump(
  world: World,
  state: Ec2RegionState,
  now: number,
  aliasOf: (arn: string | undefined) => string | null,
): Ec2RegionDump | undefined {
  if (state.volumes.size + state.snapshots.size + state.images.size === 0) return undefined;
  return {
    volumes: [...state.volumes.values()].sort(byId).map((v) => ({
      id: v.id,
      sizeGb: v.sizeGb,
      encrypted: v.kmsKeyArn !== undefined,
      kmsKeyArn: v.kmsKeyArn ?? null,
      kmsKeyAlias: aliasOf(v.kmsKeyArn),
      tags: tagObject(v.tags),
    })),
    snapshots: [...state.snapshots.values()].sort(byId).map((s) => {
      const st = snapshotState(s, now);
      return {
        id: s.id,
        volumeId: s.volumeId,
        state: st.state,
        stateMessage: st.message ?? null,
        sizeGb: s.sizeGb,
        description: s.description,
        encrypted: s.kmsKeyArn !== undefined,
        kmsKeyArn: s.kmsKeyArn ?? null,
        kmsKeyAlias: aliasOf(s.kmsKeyArn),
        copiedFrom: s.copiedFrom ?? null,
        sharedWith: [...s.sharedWith].sort(),
        tags: tagObject(s.tags),
      };
    }),
    images: [...state.images.values()].sort(byId).map((i) => ({
      id: i.id,
      name: i.name,
      state: imageState(world, i, now).state,
      blockDevices: i.devices.map((d) => ({ deviceName: d.deviceName, snapshotId: d.snapshotId })),
      launchPermissions: [...i.launchPermissions].sort(),
      sourceImageId: i.sourceImageId ?? null,
      tags: tagObject(i.tags),
    })),
  };
}
