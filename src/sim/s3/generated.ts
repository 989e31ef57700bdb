import { md5, SyntheticBody, singlePartEtag } from "./body.js";
import { compareKeys } from "./keys.js";
import type { StorageClass, Version } from "./model.js";

export type Spread = number | { min: number; max: number };

export interface GeneratorSpec {
  keys: number;
  prefix: string;
  versionsPerKey: Spread;
  /** Every K-th key (K, 2K, …) ends in a delete marker; 0 = none. */
  deleteMarkerEvery: number;
  sizeBytes: Spread;
  seed: string;
  /** Of every version; absent = STANDARD. */
  storageClass?: StorageClass;
}

/** A small, fast integer hash (deterministic per seed and inputs) for per-key choices. */
function mix(a: number, b: number, c: number): number {
  let h = (a ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ b, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13) ^ c, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function seedNumber(seed: string): number {
  return Number.parseInt(md5(seed).slice(0, 8), 16);
}

/** Sizes from a range are quantised to 32 values so the filler hash cache stays small. */
function pick(spread: Spread, h: number): number {
  if (typeof spread === "number") return spread;
  const steps = Math.min(32, spread.max - spread.min + 1);
  const step = steps <= 1 ? 0 : (h % steps) / (steps - 1);
  return Math.round(spread.min + step * (spread.max - spread.min));
}

const HOUR = 3_600_000;

/**
 * A bucket's lazily generated objects: key i is `prefix` + i zero-padded (so index order is key order),
 * with a deterministic number of versions, sizes and contents, computed on demand, never stored.
 * Version ids encode (i, j), so a VersionIdMarker is found without search.
 */
export class ObjectGenerator {
  private readonly width: number;
  private readonly seedN: number;
  private readonly idPrefix: string;

  constructor(
    readonly spec: GeneratorSpec,
    readonly bucket: string,
    private readonly baseTime: number,
    private readonly owner: string,
    /** Unversioned buckets: one version per key, id "null", no delete markers. */
    private readonly versioned: boolean,
  ) {
    this.width = Math.max(1, String(Math.max(0, spec.keys - 1)).length);
    this.seedN = seedNumber(`${spec.seed}\u0000${bucket}`);
    this.idPrefix = `G${md5(`${spec.seed}:${bucket}`).slice(0, 9)}`;
  }

  get count(): number {
    return this.spec.keys;
  }

  keyAt(i: number): string {
    return `${this.spec.prefix}${String(i).padStart(this.width, "0")}`;
  }

  /** Index of the first generated key >= key (or > key with `after`). */
  seek(key: string, after = false): number {
    let lo = 0;
    let hi = this.spec.keys;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.keyAt(mid), key);
      if (c < 0 || (after && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  indexOf(key: string): number | undefined {
    const i = this.seek(key);
    return i < this.spec.keys && this.keyAt(i) === key ? i : undefined;
  }

  versionCount(i: number): number {
    if (!this.versioned) return 1;
    return Math.max(1, pick(this.spec.versionsPerKey, mix(this.seedN, i, 1)));
  }

  hasDeleteMarker(i: number): boolean {
    const k = this.spec.deleteMarkerEvery;
    return this.versioned && k > 0 && (i + 1) % k === 0;
  }

  /** Entries (versions + delete marker) of key i: the cheap arithmetic the dump and counts use. */
  entryCount(i: number): number {
    return this.versionCount(i) + (this.hasDeleteMarker(i) ? 1 : 0);
  }

  versionId(i: number, j: number): string {
    if (!this.versioned) return "null";
    return `${this.idPrefix}${i.toString(36).padStart(12, "0")}.${j.toString(36).padStart(9, "0")}`;
  }

  /** Key i's history, newest first (a delete marker, when there is one, is the newest). */
  versionsOf(i: number): Version[] {
    const key = this.keyAt(i);
    const n = this.versionCount(i);
    const marker = this.hasDeleteMarker(i);
    const total = n + (marker ? 1 : 0);
    const out: Version[] = [];
    for (let j = total - 1; j >= 0; j--) {
      const lastModified = this.baseTime - (total - j) * HOUR + i;
      if (j === n) {
        out.push({
          key,
          versionId: this.versionId(i, j),
          deleteMarker: true,
          size: 0,
          etag: "",
          lastModified,
          owner: this.owner,
        });
        continue;
      }
      const size = pick(this.spec.sizeBytes, mix(this.seedN, i, j + 2));
      const body = new SyntheticBody(this.spec.seed, size, `\n${key} v${j}\n`);
      out.push({
        key,
        versionId: this.versionId(i, j),
        deleteMarker: false,
        body,
        size,
        etag: singlePartEtag(body),
        lastModified,
        ...(this.spec.storageClass && this.spec.storageClass !== "STANDARD"
          ? { storageClass: this.spec.storageClass }
          : {}),
        owner: this.owner,
      });
    }
    return out;
  }
}
