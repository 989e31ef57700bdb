/**
 * A table's items as they are now: its source (a seeded list, a generator, or what an import loaded) under a
 * copy-on-write overlay of writes, so a generated table of a million items stays lazy after a PutItem. The
 * overlay holds replaced and added items by position and the positions deleted; positions never move: a
 * replaced item keeps its source position, an added one gets the next position after the source, and a
 * deleted item leaves a hole. Scans walk positions, so paging (ExclusiveStartKey → position) and segments (by
 * key hash) still see every item exactly once, and a deleted key still says where the next page starts.
 */
import { createHash } from "node:crypto";
import { type Item, type ItemSource, itemSize, keyId } from "./items.js";
import type { KeySchemaSeedData } from "./seed.js";

export class TableItems {
  /** Source positions whose item was replaced (the new item) or deleted (null). */
  private readonly changed = new Map<number, Item | null>();
  /** Items added past the source, by position − source.count (null once deleted). */
  private readonly added: (Item | null)[] = [];
  private readonly addedAt = new Map<string, number>();
  private live: number;
  /** Summed on first use (a generated table is summed once), then kept up to date by writes. */
  private size: number | undefined;
  /** The dump's digest, kept until the next write (an imported table of a million items is hashed once). */
  private cachedDigest: string | undefined;

  constructor(
    readonly source: ItemSource,
    private readonly keys: KeySchemaSeedData,
    /** What the source is, for the dump's digest without reading a generated table (e.g. its generator spec). */
    private readonly sourceId?: string,
  ) {
    this.live = source.count;
  }

  /** Items in the table. */
  get count(): number {
    return this.live;
  }

  /** Positions to walk (holes included). */
  get positions(): number {
    return this.source.count + this.added.length;
  }

  /** The item at a position, undefined for a hole. */
  at(position: number): Item | undefined {
    const base = this.source.count;
    if (position >= base) return this.added[position - base] ?? undefined;
    const changed = this.changed.get(position);
    if (changed !== undefined) return changed ?? undefined;
    return this.source.at(position);
  }

  /** The position of a key the table holds or held (a deleted key keeps its position). */
  indexOf(key: Item): number | undefined {
    return this.source.indexOf(key) ?? this.addedAt.get(keyId(key, this.keys));
  }

  get(key: Item): Item | undefined {
    const position = this.indexOf(key);
    return position === undefined ? undefined : this.at(position);
  }

  totalSize(): number {
    if (this.size === undefined) {
      let size = 0;
      for (let i = 0; i < this.positions; i++) {
        const item = this.at(i);
        if (item) size += itemSize(item);
      }
      this.size = size;
    }
    return this.size;
  }

  /** Writes an item (its key attributes already checked); returns the item it replaced. */
  put(item: Item): Item | undefined {
    const old = this.get(item);
    const position = this.indexOf(item);
    if (position === undefined) {
      this.addedAt.set(keyId(item, this.keys), this.source.count + this.added.length);
      this.added.push(item);
    } else this.setAt(position, item);
    if (!old) this.live += 1;
    this.resize(old, item);
    return old;
  }

  /** Deletes the item with this key; returns it (undefined when there was none). */
  delete(key: Item): Item | undefined {
    const old = this.get(key);
    const position = this.indexOf(key);
    if (!old || position === undefined) return undefined;
    this.setAt(position, null);
    this.live -= 1;
    this.resize(old, undefined);
    return old;
  }

  private setAt(position: number, item: Item | null): void {
    this.cachedDigest = undefined;
    const base = this.source.count;
    if (position >= base) this.added[position - base] = item;
    else this.changed.set(position, item);
  }

  private resize(old: Item | undefined, item: Item | undefined): void {
    if (this.size === undefined) return;
    this.size += (item ? itemSize(item) : 0) - (old ? itemSize(old) : 0);
  }

  /**
   * A digest of the content for the world dump: the source's id when it has one (a generator is not read),
   * else its items, then the overlay's changes in position order. Same scenario, same writes: same digest.
   */
  digest(): string {
    if (this.cachedDigest !== undefined) return this.cachedDigest;
    const h = createHash("sha256");
    if (this.sourceId !== undefined) h.update(this.sourceId);
    else for (let i = 0; i < this.source.count; i++) h.update(`${JSON.stringify(this.source.at(i))}\n`);
    for (const position of [...this.changed.keys()].sort((a, b) => a - b))
      h.update(`${position}=${JSON.stringify(this.changed.get(position))}\n`);
    for (const [i, item] of this.added.entries()) h.update(`+${i}=${JSON.stringify(item)}\n`);
    this.cachedDigest = h.digest("hex").slice(0, 32);
    return this.cachedDigest;
  }
}
