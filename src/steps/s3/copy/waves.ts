/**
 * Copy a manifest wave by wave, strictly in order (wave n+1 starts only when wave n is complete), so
 * each key's newest version is copied last and ends as the latest; the delete markers that sat between
 * two versions are re-created between their waves (markers.ts). Each wave goes through one engine
 * (Batch Operations or direct CopyObject); the wave's versions over 5 GB are then copied by multipart
 * copy, in the same turn. Progress per wave (per wave and class when the manifest split it by storage
 * class) lives in one checkpoint object.
 */
import type { JsonObject } from "../../../core/json.js";
import type { RunContext } from "../../define.js";
import { parseManifestRow } from "../manifest/csv.js";
import { readLines } from "../manifest/io.js";
import { type Manifest, type Wave, waveIndexes, waveParts } from "../manifest/types.js";
import { type BatchSettings, runBatchWave, type WaveProgress, type WaveResult } from "./batch-wave.js";
import { type DirectProgress, runDirectWave } from "./direct.js";
import { copyLarge, type LargeCurrent } from "./large.js";
import { createMarkersAt, type MarkerProgress } from "./markers.js";

export type Engine = "batch" | "direct";

export interface LargeProgress {
  /** Byte offset in the large-object list after the last version of this wave copied. */
  offset: number;
  copied: number;
  current?: LargeCurrent;
  done?: boolean;
}

export interface CopyProgress {
  engine: Engine;
  batch: Record<string, WaveProgress>;
  direct: Record<string, DirectProgress>;
  large: Record<string, LargeProgress>;
  /** Per marker position (absent in progress saved before markers were re-created in place). */
  markers?: Record<string, MarkerProgress>;
}

export interface CopySettings {
  engine: Engine;
  /** The source has Object Lock: every copy carries its version's retention and legal hold. */
  objectLock?: boolean;
  sourceBucket: string;
  destinationBucket: string;
  concurrency: number;
  /** Required when engine is "batch". */
  batch?: BatchSettings;
}

export interface CopyReport {
  engine: Engine;
  jobs: WaveResult[];
  copied: { versions: number; bytes: number };
  large: { versions: number; bytes: number };
  markers: number;
}

export function loadCopyProgress(saved: JsonObject | undefined, engine: Engine): CopyProgress {
  const p = saved as unknown as CopyProgress | undefined;
  // An engine decided by an earlier attempt stays: switching mid-copy would copy waves twice.
  if (p && (p.engine === "batch" || p.engine === "direct")) return p;
  return { engine, batch: {}, direct: {}, large: {} };
}

async function copyLargeWave(
  ctx: RunContext,
  s: CopySettings,
  manifest: Manifest,
  index: number,
  lp: LargeProgress,
  save: () => void,
): Promise<void> {
  if (lp.done || !manifest.large) return;
  for await (const { line, end } of readLines(
    ctx.aws,
    ctx.account.alias,
    manifest.manifestBucket,
    manifest.large.key,
    lp.offset,
  )) {
    const row = parseManifestRow(line);
    if (!row || Number(row.extra[0]) !== index) {
      if (!lp.current) lp.offset = end;
      continue;
    }
    const item = {
      key: row.key,
      versionId: row.versionId,
      wave: index,
      size: Number(row.extra[1]),
      ...(row.extra[2] ? { storageClass: row.extra[2] } : {}),
    };
    if (lp.current && (lp.current.key !== item.key || lp.current.versionId !== item.versionId)) delete lp.current;
    lp.current ??= { key: item.key, versionId: item.versionId };
    await copyLarge(ctx, s, item, lp.current, save);
    delete lp.current;
    lp.offset = end;
    lp.copied++;
    save();
  }
  lp.done = true;
  save();
}

export async function copyWaves(
  ctx: RunContext,
  manifest: Manifest,
  s: CopySettings,
  p: CopyProgress,
  save: () => void,
): Promise<CopyReport> {
  const byIndex = new Map<number, Wave>(manifest.waves.map((w) => [w.index, w]));
  const largeWaves = new Set(manifest.large?.waves ?? []);
  const markersAt = new Map((manifest.deleteMarkers?.positions ?? []).map((m) => [m.position, m]));
  const withWork = new Set(waveIndexes(manifest));
  const jobs: WaveResult[] = [];
  let markers = 0;
  // Markers at position n sit between wave n-1 and wave n: made before wave n (the last ones after all).
  for (const index of [...new Set([...withWork, ...markersAt.keys()])].sort((a, b) => a - b)) {
    ctx.signal.throwIfAborted();
    const at = markersAt.get(index);
    if (at) {
      p.markers ??= {};
      p.markers[String(index)] ??= { keys: 0, offset: 0, created: 0 };
      const mp = p.markers[String(index)]!;
      await createMarkersAt(ctx, { ...s, manifestBucket: manifest.manifestBucket }, at, mp, save);
      markers += mp.created;
      ctx.log.info(`${at.count} delete marker(s) re-created before wave ${index}`);
    }
    if (!withWork.has(index)) continue;
    const wave = byIndex.get(index);
    const id = String(index);
    // A wave split by storage class: one pass per class (any order: a key appears once in a wave).
    for (const part of wave ? waveParts(wave) : []) {
      if (p.engine === "batch") {
        if (!s.batch) throw new Error("batch settings missing");
        p.batch[part.id] ??= { jobs: [] };
        jobs.push(await runBatchWave(ctx, s.batch, part, p.batch[part.id]!, save));
      } else {
        p.direct[part.id] ??= { rows: 0, offset: 0 };
        const dp = p.direct[part.id]!;
        await runDirectWave(ctx, { ...s, manifestBucket: manifest.manifestBucket }, part, dp, save);
      }
    }
    if (largeWaves.has(index)) {
      p.large[id] ??= { offset: 0, copied: 0 };
      await copyLargeWave(ctx, s, manifest, index, p.large[id]!, save);
    }
    ctx.log.info(`wave ${index} copied`);
  }
  let versions = 0;
  let bytes = 0;
  for (const w of manifest.waves) {
    versions += w.objects;
    bytes += w.bytes;
  }
  return {
    engine: p.engine,
    jobs,
    copied: { versions, bytes },
    large: { versions: manifest.large?.count ?? 0, bytes: manifest.large?.bytes ?? 0 },
    markers,
  };
}
