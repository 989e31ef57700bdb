import type { ObjectGenerator } from "./generated.js";
import { compareKeys } from "./keys.js";
import type { Version } from "./model.js";

/**
 * A bucket's keys and their histories (newest first). Written keys live in a map; a seeded generator
 * supplies the rest on demand. Touching a generated key copies its history into the map first, and an
 * emptied key stays as an empty entry (a tombstone), so the generator's version is never seen again.
 * Iteration merges both in S3 key order and never materialises the generated part.
 */
export class ObjectStore {
  private readonly written = new Map<string, Version[]>();
  private sorted: string[] | undefined;
  private tombstones = 0;
  /**
   * Written keys in first-written order and their positions, built on the first listing that pages in
   * that order (`inWriteOrder`) and kept from then on; a key keeps its position after it is emptied, so a
   * marker naming it still says where the next page starts.
   */
  private writeOrder: { keys: string[]; position: Map<string, number> } | undefined;

  constructor(readonly generator?: ObjectGenerator) {}

  private generatedIndex(key: string): number | undefined {
    return this.generator?.indexOf(key);
  }

  /** The key's history, newest first ([] when it has none). Do not mutate: use `update`. */
  get(key: string): readonly Version[] {
    const own = this.written.get(key);
    if (own) return own;
    const i = this.generatedIndex(key);
    return i === undefined ? [] : this.generator!.versionsOf(i);
  }

  /** Replace the key's history (newest first). */
  set(key: string, versions: Version[]): void {
    const had = this.written.get(key);
    if (versions.length === 0 && this.generatedIndex(key) === undefined) {
      if (had) {
        // Keep the entry as a tombstone: re-sorting on every delete would cost more than skipping it.
        if (had.length > 0) this.tombstones += 1;
        this.written.set(key, []);
        if (this.tombstones > 1024 && this.tombstones > this.written.size / 2) this.compact();
      }
      return;
    }
    if (!had) {
      this.sorted = undefined;
      this.remember(key);
    } else if (had.length === 0 && versions.length > 0 && this.tombstones > 0) this.tombstones -= 1;
    this.written.set(key, versions);
  }

  /** Read-modify-write of one key's history. */
  update(key: string, change: (versions: Version[]) => Version[]): void {
    this.set(key, change([...this.get(key)]));
  }

  private remember(key: string): void {
    const order = this.writeOrder;
    if (!order || order.position.has(key) || this.generatedIndex(key) !== undefined) return;
    order.position.set(key, order.keys.length);
    order.keys.push(key);
  }

  private compact(): void {
    for (const [k, v] of this.written)
      if (v.length === 0 && this.generatedIndex(k) === undefined) this.written.delete(k);
    this.tombstones = 0;
    this.sorted = undefined;
  }

  private sortedKeys(): string[] {
    if (!this.sorted) this.sorted = [...this.written.keys()].sort(compareKeys);
    return this.sorted;
  }

  /** Keys with a non-empty history from `from` (inclusive, or exclusive with `after`), in key order. */
  *entries(from = "", after = false): Generator<[string, readonly Version[]]> {
    const keys = this.sortedKeys();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(keys[mid]!, from);
      if (c < 0 || (after && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    let w = lo;
    const gen = this.generator;
    let g = gen ? gen.seek(from, after) : 0;
    const gEnd = gen ? gen.count : 0;
    while (w < keys.length || g < gEnd) {
      const wKey = w < keys.length ? keys[w]! : undefined;
      const gKey = gen && g < gEnd ? gen.keyAt(g) : undefined;
      if (gKey !== undefined && (wKey === undefined || compareKeys(gKey, wKey) < 0)) {
        g += 1;
        if (this.written.has(gKey)) continue;
        yield [gKey, gen!.versionsOf(g - 1)];
        continue;
      }
      w += 1;
      if (gKey !== undefined && gKey === wKey) g += 1;
      const versions = this.written.get(wKey!);
      if (versions && versions.length > 0) yield [wKey!, versions];
    }
  }

  /**
   * Keys with a non-empty history in the order they were first written (generated keys first, in index
   * order), from the position of `from` (inclusive, or exclusive with `after`). A key never written
   * has no position: nothing follows it.
   */
  *inWriteOrder(from?: string, after = false): Generator<[string, readonly Version[]]> {
    if (!this.writeOrder) {
      this.writeOrder = { keys: [], position: new Map() };
      for (const key of this.written.keys()) this.remember(key);
    }
    const { keys, position } = this.writeOrder;
    const gen = this.generator;
    const gCount = gen ? gen.count : 0;
    let pos = 0;
    if (from !== undefined) {
      const g = this.generatedIndex(from);
      const w = position.get(from);
      pos = g !== undefined ? g : w !== undefined ? gCount + w : gCount + keys.length;
      if (after) pos += 1;
    }
    for (; pos < gCount; pos++) {
      const key = gen!.keyAt(pos);
      const history = this.get(key);
      if (history.length > 0) yield [key, history];
    }
    for (let i = pos - gCount; i < keys.length; i++) {
      const history = this.written.get(keys[i]!);
      if (history && history.length > 0) yield [keys[i]!, history];
    }
  }

  isEmpty(): boolean {
    for (const _ of this.entries()) return false;
    return true;
  }
}
