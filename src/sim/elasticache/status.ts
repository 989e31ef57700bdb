/**
 * Snapshot statuses from virtual time: `creating` for the snapshot's duration (max of
 * elasticacheSnapshotMinSeconds and size × elasticacheSnapshotSecondsPerGb), then `available`; `exporting`
 * while an export of it to S3 runs (elasticacheExportMinSeconds, elasticacheExportSecondsPerGb); `deleting`
 * from DeleteSnapshot until it is gone DELETE_MS later (settle.ts removes it).
 */
import type { World } from "../world.js";
import { type CacheSnapshot, GB, type ServerlessSnapshot } from "./model.js";

/** Virtual time a deleted snapshot stays listed as `deleting`. */
export const DELETE_MS = 30_000;

export type SnapshotStatus = "creating" | "available" | "exporting" | "deleting";

export function snapshotStatus(s: CacheSnapshot | ServerlessSnapshot, now: number): SnapshotStatus {
  if (s.deletingAt !== undefined) return "deleting";
  if (now < s.createdAt + s.durationMs) return "creating";
  if (s.exports.some((e) => now < e.endsAt)) return "exporting";
  return "available";
}

const seconds = (bytes: number, perGb: number, min: number) => Math.max(min, (bytes / GB) * perGb);

export function snapshotDuration(world: World, bytes: number): number {
  const { elasticacheSnapshotSecondsPerGb: perGb, elasticacheSnapshotMinSeconds: min } = world.seed;
  return Math.round(seconds(bytes, perGb, min) * 1000);
}

export function exportDuration(world: World, bytes: number): number {
  const { elasticacheExportSecondsPerGb: perGb, elasticacheExportMinSeconds: min } = world.seed;
  return Math.round(seconds(bytes, perGb, min) * 1000);
}

export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
