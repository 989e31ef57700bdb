/**
 * The streaming manifest: one pass over ListObjectVersions, one key's versions in memory at a time.
 * S3 lists a key newest first, so a key's wave numbers (rank from the oldest) are known once the key
 * ends: the oldest version goes to wave 0, the newest to wave n-1. Rows go to per-wave spill files,
 * delete markers (with their position among the versions) and versions over 5 GB to their own files.
 * Checkpoints are taken at key boundaries: the last finished key + the spill files' sizes + counters.
 * A wave holding a storage class other than STANDARD also gets one file per class (a Batch Operations
 * job copies in one class); its full file stays, so an earlier version's resume reads it as before.
 */
import type { JsonObject } from "../../../core/json.js";
import type { AwsReader } from "../../define.js";
import { positionAfterKey, type VersionEntry } from "../list/list.js";
import { listKeyHistoriesParallel } from "../list/parallel.js";
import { largeRow, markerRow, waveRow } from "./csv.js";
import type { Spill } from "./spill.js";
import { MAX_SINGLE_COPY_BYTES, STANDARD, type Wave } from "./types.js";

export const MARKERS_FILE = "delete-markers.csv";
export const LARGE_FILE = "large.csv";
export function waveFile(index: number): string {
  return `wave-${String(index).padStart(6, "0")}.csv`;
}
/** The delete markers that sit after exactly `position` versions of their key (created before wave `position`). */
export function markersAtFile(position: number): string {
  return `markers-at-${String(position).padStart(6, "0")}.csv`;
}
export function classWaveFile(index: number, storageClass: string): string {
  return `wave-${String(index).padStart(6, "0")}.${storageClass}.csv`;
}

/** Storage classes whose objects must be restored before they can be copied. */
const ARCHIVED = new Set(["GLACIER", "DEEP_ARCHIVE"]);

/** Everything the listing has counted so far; JSON so it can be checkpointed as is. */
export interface BuildState {
  /** Last key fully written (resume lists the keys after it); null before the first. */
  after: string | null;
  listed: boolean;
  files: Record<string, number>;
  /** Per wave index: [batch objects, batch bytes]. */
  waves: Array<[number, number]>;
  /**
   * Per wave index (as a string) that holds a class other than STANDARD: per class, [objects, bytes].
   * Absent in states checkpointed before classes were recorded.
   */
  classes?: Record<string, Record<string, [number, number]>>;
  markers: { count: number; latest: number };
  /** Delete markers per position (versions older than the marker). Absent in states from before. */
  markerPositions?: Record<string, number>;
  large: { count: number; bytes: number; waves: number[] };
  totals: { versions: number; deleteMarkers: number; bytes: number; keys: number; waves: number; archived: number };
}

export function emptyState(): BuildState {
  return {
    after: null,
    listed: false,
    files: {},
    waves: [],
    classes: {},
    markers: { count: 0, latest: 0 },
    markerPositions: {},
    large: { count: 0, bytes: 0, waves: [] },
    totals: { versions: 0, deleteMarkers: 0, bytes: 0, keys: 0, waves: 0, archived: 0 },
  };
}

export interface BuildOptions {
  aws: AwsReader;
  alias: string;
  bucket: string;
  prefix?: string;
  spill: Spill;
  state: BuildState;
  /** Checkpoint after at least this many listed entries (at the next key boundary). */
  checkpointEvery?: number;
  onCheckpoint(state: BuildState): void;
  signal?: AbortSignal;
  pageSize?: number;
  /** Key ranges listed at once (s3/list/parallel.ts); default 1 (one stream). */
  concurrency?: number;
  /** Entries listed as one stream before the listing goes parallel. */
  parallelAfter?: number;
}

/** Writes one finished key's rows (`entries` newest first, as `listKeyHistories` orders them); mutates `state`. */
function finishKey(spill: Spill, state: BuildState, bucket: string, key: string, entries: VersionEntry[]): void {
  let remaining = 0;
  for (const e of entries) if (!e.deleteMarker) remaining++;
  const atPosition: Array<{ position: number; row: string }> = [];
  const versions = remaining;
  const t = state.totals;
  if (versions > 0) t.keys++;
  if (versions > t.waves) t.waves = versions;
  for (const e of entries) {
    if (e.deleteMarker) {
      t.deleteMarkers++;
      state.markers.count++;
      if (e.isLatest && versions > 0) state.markers.latest++;
      const row = markerRow(bucket, key, e.versionId, remaining, e.isLatest, versions);
      spill.write(MARKERS_FILE, row);
      state.markerPositions ??= {};
      state.markerPositions[String(remaining)] = (state.markerPositions[String(remaining)] ?? 0) + 1;
      atPosition.push({ position: remaining, row });
      continue;
    }
    const wave = remaining - 1;
    remaining--;
    t.versions++;
    t.bytes += e.size;
    if (ARCHIVED.has(e.storageClass)) t.archived++;
    if (e.size > MAX_SINGLE_COPY_BYTES) {
      state.large.count++;
      state.large.bytes += e.size;
      if (!state.large.waves.includes(wave)) state.large.waves.push(wave);
      spill.write(LARGE_FILE, largeRow(bucket, key, e.versionId, wave, e.size, e.storageClass));
      continue;
    }
    const counts = state.waves[wave] ?? [0, 0];
    const row = waveRow(bucket, key, e.versionId);
    splitByClass(spill, state, wave, e, counts, row);
    counts[0]++;
    counts[1] += e.size;
    state.waves[wave] = counts;
    spill.write(waveFile(wave), row);
  }
  // Oldest first: two markers in a row are re-created in their order.
  for (let i = atPosition.length - 1; i >= 0; i--)
    spill.write(markersAtFile(atPosition[i]!.position), atPosition[i]!.row);
}

/**
 * The per-class files of a wave. They start with the wave's first row of a class other than STANDARD:
 * every row before it was STANDARD, so the wave's file so far becomes its STANDARD file.
 */
function splitByClass(
  spill: Spill,
  state: BuildState,
  wave: number,
  e: VersionEntry,
  before: [number, number],
  row: string,
): void {
  const storageClass = e.storageClass || STANDARD;
  state.classes ??= {};
  let split = state.classes[String(wave)];
  if (!split) {
    if (storageClass === STANDARD) return;
    split = {};
    state.classes[String(wave)] = split;
    if (before[0] > 0) {
      spill.copy(waveFile(wave), classWaveFile(wave, STANDARD));
      split[STANDARD] = [before[0], before[1]];
    }
  }
  const counts = split[storageClass] ?? [0, 0];
  counts[0]++;
  counts[1] += e.size;
  split[storageClass] = counts;
  spill.write(classWaveFile(wave, storageClass), row);
}

/** The manifest's waves from a finished state; `etag` gives a file's uploaded ETag. */
export function manifestWaves(state: BuildState, prefix: string, etag: (file: string) => string): Wave[] {
  return state.waves.flatMap((counts, index) => {
    if (!counts || counts[0] === 0) return [];
    const wave: Wave = {
      index,
      key: prefix + waveFile(index),
      etag: etag(waveFile(index)),
      objects: counts[0],
      bytes: counts[1],
    };
    const split = state.classes?.[String(index)];
    if (split) {
      wave.classes = Object.keys(split)
        .sort()
        .map((storageClass) => {
          const [objects, bytes] = split[storageClass]!;
          const file = classWaveFile(index, storageClass);
          return { storageClass, key: prefix + file, etag: etag(file), objects, bytes };
        });
    }
    return [wave];
  });
}

/** Lists the bucket from `state.after` to the end, spilling rows; `state.listed` is true after. */
export async function buildManifest(o: BuildOptions): Promise<BuildState> {
  const { spill, state } = o;
  const every = o.checkpointEvery ?? 100_000;
  const checkpoint = (key: string) => {
    spill.flush();
    state.files = spill.sizes();
    state.after = key;
    o.onCheckpoint(state);
  };
  let last: string | undefined;
  let sinceCheckpoint = 0;
  const histories = listKeyHistoriesParallel(o.aws, o.alias, o.bucket, {
    concurrency: o.concurrency ?? 1,
    ...(o.parallelAfter !== undefined ? { parallelAfter: o.parallelAfter } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.prefix ? { prefix: o.prefix } : {}),
    ...(o.pageSize ? { pageSize: o.pageSize } : {}),
    ...(state.after !== null ? { startAfter: positionAfterKey(state.after) } : {}),
  });
  for await (const { key, entries } of histories) {
    finishKey(spill, state, o.bucket, key, entries);
    last = key;
    sinceCheckpoint += entries.length;
    if (sinceCheckpoint >= every) {
      o.signal?.throwIfAborted();
      checkpoint(key);
      sinceCheckpoint = 0;
    }
  }
  state.large.waves.sort((a, b) => a - b);
  state.listed = true;
  spill.flush();
  state.files = spill.sizes();
  if (last !== undefined) state.after = last;
  o.onCheckpoint(state);
  return state;
}

export function stateFromJson(value: unknown): BuildState | undefined {
  if (typeof value !== "object" || value === null || !("totals" in value) || !("files" in value)) return undefined;
  return value as BuildState;
}

export function stateToJson(state: BuildState): JsonObject {
  return state as unknown as JsonObject;
}
