/**
 * EC2 (EBS volumes, EBS snapshots, AMIs) state of one account and region, and the rules every handler
 * shares: deterministic ids, states computed from virtual time (nothing ticks), who may see what.
 */
import { digest } from "../ids.js";
import type { Tags, World } from "../world.js";

export interface EbsVolume {
  id: string;
  account: string;
  region: string;
  sizeGb: number;
  kmsKeyArn?: string;
  createdAt: number;
  tags: Tags;
}

export interface EbsSnapshot {
  id: string;
  account: string;
  region: string;
  /** `vol-ffffffff` for copies: AWS gives copies an arbitrary volume id. */
  volumeId: string;
  sizeGb: number;
  description: string;
  /** A key ARN, or the reference as given when a copy names a key that does not resolve. */
  kmsKeyArn?: string;
  createdAt: number;
  /** Virtual ms from createdAt to completed. */
  durationMs: number;
  /** A copy whose key cannot be used: accepted, then `error` at createdAt + afterMs. */
  failure?: { afterMs: number; message: string };
  /** Copies: `<region>/<snapshot id>` of the source. */
  copiedFrom?: string;
  /** Accounts (or `all`) with createVolumePermission. */
  sharedWith: Set<string>;
  tags: Tags;
}

export interface ImageDevice {
  deviceName: string;
  snapshotId: string;
  sizeGb: number;
}

export interface AmiImage {
  id: string;
  account: string;
  region: string;
  name: string;
  description: string;
  createdAt: number;
  /** Backing snapshots (same account and region), the first is the root device. */
  devices: ImageDevice[];
  /** Accounts (or `all`) with launch permission. */
  launchPermissions: Set<string>;
  sourceImageId?: string;
  sourceRegion?: string;
  tags: Tags;
}

export interface Ec2RegionState {
  counter: number;
  volumes: Map<string, EbsVolume>;
  snapshots: Map<string, EbsSnapshot>;
  images: Map<string, AmiImage>;
  /** CopyImage ClientToken → what it was used for (the same token + parameters answers the same image). */
  imageTokens: Map<string, { fingerprint: string; imageId: string }>;
}

export function emptyEc2RegionState(): Ec2RegionState {
  return { counter: 0, volumes: new Map(), snapshots: new Map(), images: new Map(), imageTokens: new Map() };
}

export type Ec2Kind = "vol" | "snap" | "ami";

export const ID_PATTERN: Record<Ec2Kind, RegExp> = {
  vol: /^vol-[0-9a-f]{8,17}$/,
  snap: /^snap-[0-9a-f]{8,17}$/,
  ami: /^ami-[0-9a-f]{8,17}$/,
};

/** `vol-`/`snap-`/`ami-` + 17 hex digits from (account, region, counter); skips ids already taken. */
export function newId(state: Ec2RegionState, kind: Ec2Kind, account: string, region: string): string {
  const taken = (id: string) => state.volumes.has(id) || state.snapshots.has(id) || state.images.has(id);
  let id: string;
  do {
    state.counter += 1;
    id = `${kind}-${digest("ec2", kind, account, region, state.counter).slice(0, 17)}`;
  } while (taken(id));
  return id;
}

/** The EC2 state of an account and region without creating it (reads must not materialise regions). */
export function peekEc2(world: World, account: string, region: string): Ec2RegionState | undefined {
  return world.accounts.get(account)?.regions.get(region)?.ec2;
}

export function durationFor(secondsPerGb: number, sizeGb: number): number {
  return Math.round(sizeGb * secondsPerGb * 1000);
}

export interface SnapshotState {
  state: "pending" | "completed" | "error";
  percent: number;
  message?: string;
}

/** Progress is a function of virtual time: a doomed copy turns to `error`, others complete after durationMs. */
export function snapshotState(s: EbsSnapshot, now: number): SnapshotState {
  const elapsed = now - s.createdAt;
  const percentAt = (ms: number) =>
    s.durationMs === 0 ? 100 : Math.max(0, Math.min(100, Math.floor((100 * ms) / s.durationMs)));
  if (s.failure && elapsed >= s.failure.afterMs) {
    return { state: "error", percent: percentAt(s.failure.afterMs), message: s.failure.message };
  }
  if (elapsed >= s.durationMs) return { state: "completed", percent: 100 };
  return { state: "pending", percent: percentAt(elapsed) };
}

export interface ImageState {
  state: "pending" | "available" | "failed";
  reason?: { code: string; message: string };
}

/** An image is available when all its snapshots completed, failed as soon as one of them is in error. */
export function imageState(world: World, image: AmiImage, now: number): ImageState {
  const state = peekEc2(world, image.account, image.region);
  let pending = false;
  for (const device of image.devices) {
    const s = state?.snapshots.get(device.snapshotId);
    if (!s) continue;
    const st = snapshotState(s, now);
    if (st.state === "error") {
      return {
        state: "failed",
        reason: {
          code: "Client.InvalidKMSKey.InvalidState",
          message: `Copy of snapshot ${s.id} for ${image.id} failed: ${st.message ?? "error"}`,
        },
      };
    }
    if (st.state === "pending") pending = true;
  }
  return { state: pending ? "pending" : "available" };
}

export const isSharedWith = (shares: Set<string>, account: string) => shares.has(account) || shares.has("all");

export const snapshotVisibleTo = (s: EbsSnapshot, account: string) =>
  s.account === account || isSharedWith(s.sharedWith, account);

export const imageVisibleTo = (i: AmiImage, account: string) =>
  i.account === account || isSharedWith(i.launchPermissions, account);

/** Every EC2 region state of the world for `region`, in account order. */
export function regionStates(world: World, region: string): Ec2RegionState[] {
  return [...world.accounts.keys()].sort().flatMap((a) => {
    const s = peekEc2(world, a, region);
    return s ? [s] : [];
  });
}

/** Images of an account and region that use a snapshot. */
export function imagesUsing(state: Ec2RegionState, snapshotId: string): AmiImage[] {
  return [...state.images.values()].filter((i) => i.devices.some((d) => d.snapshotId === snapshotId));
}

export const DEVICE_NAMES = [
  "/dev/xvda",
  ...Array.from({ length: 25 }, (_, i) => `/dev/sd${String.fromCharCode(98 + i)}`),
];
