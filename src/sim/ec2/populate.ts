/**
 * Builds the EC2 part of a seeded region: volumes, then snapshots of them, then AMIs (each with one
 * completed snapshot per volume). Cross-references and states AWS cannot reach are seed problems.
 */
import { regionState, type World } from "../world.js";
import { onAwsManagedKey } from "./keys.js";
import {
  type AmiImage,
  DEVICE_NAMES,
  durationFor,
  type EbsSnapshot,
  type Ec2Kind,
  type Ec2RegionState,
  newId,
} from "./model.js";
import type { EbsKeyRefSeed, EbsSnapshotSeedData, ImageSeedData, VolumeSeedData } from "./seed.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface Ec2SeedAt {
  world: World;
  account: string;
  region: string;
  now: number;
  /** The ARN a seed key reference names (undefined for `none`; reports its own problems). */
  keyArn(ref: EbsKeyRefSeed, where: string): string | undefined;
  problem(p: string): void;
}

interface Ec2RegionSeed {
  volumes: VolumeSeedData[];
  ebsSnapshots: EbsSnapshotSeedData[];
  images: ImageSeedData[];
}

export function populateEc2(at: Ec2SeedAt, seed: Ec2RegionSeed): void {
  const state = regionState(at.world, at.account, at.region).ec2;
  // Explicit ids first, so generated ones never take them.
  const claimed = new Set<string>();
  for (const list of [seed.volumes, seed.ebsSnapshots, seed.images]) for (const r of list) if (r.id) claimed.add(r.id);
  const idFor = (kind: Ec2Kind, given: string | undefined, where: string): string | undefined => {
    if (given === undefined) {
      let id = newId(state, kind, at.account, at.region);
      while (claimed.has(id)) id = newId(state, kind, at.account, at.region);
      return id;
    }
    if (state.volumes.has(given) || state.snapshots.has(given) || state.images.has(given)) {
      at.problem(`${where}: ${given} is declared twice`);
      return undefined;
    }
    return given;
  };

  for (const [i, v] of seed.volumes.entries()) {
    const id = idFor("vol", v.id, `volumes.${i}`);
    if (!id) continue;
    state.volumes.set(id, {
      id,
      account: at.account,
      region: at.region,
      sizeGb: v.sizeGb,
      kmsKeyArn: at.keyArn(v.kmsKey, `volumes.${i}`),
      createdAt: at.now - 30 * DAY,
      tags: new Map(Object.entries(v.tags)),
    });
  }
  populateSnapshots(at, state, seed.ebsSnapshots, idFor);
  populateImages(at, state, seed.images, idFor);
}

type IdFor = (kind: Ec2Kind, given: string | undefined, where: string) => string | undefined;

function populateSnapshots(at: Ec2SeedAt, state: Ec2RegionState, list: EbsSnapshotSeedData[], idFor: IdFor): void {
  const durationMs = (gb: number) => durationFor(at.world.seed.ebsSecondsPerGb, gb);
  for (const [i, s] of list.entries()) {
    const where = `ebsSnapshots.${i}`;
    const volume = state.volumes.get(s.volume);
    if (!volume) {
      at.problem(`${where}: no volume ${s.volume} in this region`);
      continue;
    }
    const id = idFor("snap", s.id, where);
    if (!id) continue;
    const kmsKeyArn = s.kmsKey === undefined ? volume.kmsKeyArn : at.keyArn(s.kmsKey, where);
    const snapshot: EbsSnapshot = {
      id,
      account: at.account,
      region: at.region,
      volumeId: volume.id,
      sizeGb: volume.sizeGb,
      description: s.description,
      kmsKeyArn,
      createdAt: s.state === "pending" ? at.now : at.now - durationMs(volume.sizeGb) - HOUR,
      durationMs: durationMs(volume.sizeGb),
      sharedWith: new Set(s.sharedWith),
      tags: new Map(Object.entries(s.tags)),
    };
    if (snapshot.sharedWith.size > 0 && onAwsManagedKey(at.world, snapshot)) {
      at.problem(`${where}: a snapshot on the AWS managed key cannot be shared (AWS refuses it)`);
    }
    if (snapshot.sharedWith.has("all") && kmsKeyArn !== undefined) {
      at.problem(`${where}: an encrypted snapshot cannot be public (AWS refuses it)`);
    }
    state.snapshots.set(id, snapshot);
  }
}

function populateImages(at: Ec2SeedAt, state: Ec2RegionState, list: ImageSeedData[], idFor: IdFor): void {
  for (const [i, m] of list.entries()) {
    const where = `images.${i}`;
    const id = idFor("ami", m.id, where);
    if (!id) continue;
    const image: AmiImage = {
      id,
      account: at.account,
      region: at.region,
      name: m.name,
      description: m.description,
      createdAt: at.now - DAY,
      devices: [],
      launchPermissions: new Set(m.sharedWith),
      tags: new Map(Object.entries(m.tags)),
    };
    for (const [j, volumeId] of m.volumes.entries()) {
      const volume = state.volumes.get(volumeId);
      const deviceName = DEVICE_NAMES[j];
      if (!volume || !deviceName) {
        at.problem(`${where}.volumes.${j}: ${volume ? "too many volumes" : `no volume ${volumeId} in this region`}`);
        continue;
      }
      const snapshotId = newId(state, "snap", at.account, at.region);
      state.snapshots.set(snapshotId, {
        id: snapshotId,
        account: at.account,
        region: at.region,
        volumeId,
        sizeGb: volume.sizeGb,
        description: `Created by CreateImage for ${id} from ${volumeId}`,
        kmsKeyArn: volume.kmsKeyArn,
        createdAt: image.createdAt,
        durationMs: 0,
        sharedWith: new Set(),
        tags: new Map(),
      });
      image.devices.push({ deviceName, snapshotId, sizeGb: volume.sizeGb });
    }
    const onManaged = image.devices.some((d) => onAwsManagedKey(at.world, state.snapshots.get(d.snapshotId)!));
    if (image.launchPermissions.size > 0 && onManaged) {
      at.problem(`${where}: an image backed by a snapshot on the AWS managed key cannot be shared (AWS refuses it)`);
    }
    state.images.set(id, image);
  }
}
