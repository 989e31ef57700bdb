import type { World } from "../world.js";

/**
 * S3-like latency of object listings: a real ListObjectVersions page takes tens of milliseconds (S3 reads
 * the index for up to 1,000 entries), so one listing stream is bound by round trips, not by work. The
 * simulator answers a page in about a millisecond; with this set, each object listing waits a real
 * (wall-clock) delay drawn from [min, max] before it is answered. Concurrent requests wait concurrently,
 * as they do on S3. Default off. Seed `s3ListLatencyMs: 50` or `{min: 30, max: 80}`;
 * `POST /_sim/s3/list-latency` with the same (or `{ms: 0}`) changes it at run time.
 */
export interface ListLatency {
  min: number;
  max: number;
}

export const LATENCY_ACTIONS = new Set(["ListObjectVersions", "ListObjectsV2", "ListObjects"]);

/** The delay (ms) of the `n`-th request, spread over [min, max] by a fixed hash of `n` (reproducible). */
export function listLatencyMs(world: World, action: string, n: number): number {
  const latency = world.s3.listLatency;
  if (!latency || !LATENCY_ACTIONS.has(action) || latency.max <= 0) return 0;
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  const unit = ((h ^ (h >>> 16)) >>> 0) / 4294967296;
  return latency.min + unit * (latency.max - latency.min);
}

export type LatencyInput = number | { min: number; max: number };

export function toListLatency(input: LatencyInput): ListLatency | undefined {
  const { min, max } = typeof input === "number" ? { min: input, max: input } : input;
  return max > 0 ? { min, max } : undefined;
}

function isMs(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 60_000;
}

/** `POST /_sim/s3/list-latency`: `{ms}` (fixed), `{min, max}` (spread); 0 turns it off. */
export function setListLatency(world: World, body: unknown): { status: number; value: unknown } {
  const b = (body ?? {}) as { ms?: unknown; min?: unknown; max?: unknown };
  let input: LatencyInput;
  if (isMs(b.ms)) input = b.ms;
  else if (isMs(b.min) && isMs(b.max) && b.min <= b.max) input = { min: b.min, max: b.max };
  else return { status: 400, value: { error: "expected {ms} or {min, max}: milliseconds, 0 to 60000, min <= max" } };
  const latency = toListLatency(input);
  if (latency) world.s3.listLatency = latency;
  else delete world.s3.listLatency;
  return { status: 200, value: { ok: true, listLatencyMs: latency ?? null } };
}
