/**
 * A table's lazily generated items: item i is computed from (seed, i) on demand and never stored, so a table
 * of a billion items costs no memory. Its primary key encodes i, so an ExclusiveStartKey is found without
 * search: hash ⌊i / itemsPerHashKey⌋, range i mod itemsPerHashKey (with a range key).
 */
import { createHash } from "node:crypto";
import { type Item, type ItemSource, keyNumber, keyValue } from "./items.js";
import type { KeySchemaSeedData } from "./seed.js";

export interface GeneratedSpec {
  count: number;
  seed: string;
  itemsPerHashKey: number;
}

export class GeneratedSource implements ItemSource {
  private readonly per: number;
  private readonly width: number;

  constructor(
    private readonly spec: GeneratedSpec,
    private readonly keys: KeySchemaSeedData,
  ) {
    this.per = keys.range ? spec.itemsPerHashKey : 1;
    this.width = String(Math.max(0, Math.ceil(spec.count / this.per) - 1)).length;
  }

  get count(): number {
    return this.spec.count;
  }

  at(index: number): Item {
    const h = createHash("sha256").update(`${this.spec.seed}\u0000${index}`).digest();
    const item: Item = {};
    // Attributes first, so a key named like one of them wins.
    item.amount = { N: String(h.readUInt32BE(0) % 100_000) };
    item.label = { S: h.subarray(4, 16).toString("hex") };
    item.active = { BOOL: (h[16] ?? 0) % 2 === 0 };
    item.tags = { L: [{ S: `t${(h[17] ?? 0) % 8}` }, { S: `t${(h[18] ?? 0) % 8}` }] };
    item.detail = { M: { seq: { N: String(index) }, note: (h[19] ?? 0) % 5 === 0 ? { NULL: true } : { S: "ok" } } };
    item[this.keys.hash.name] = keyValue(this.keys.hash, Math.floor(index / this.per), this.width);
    if (this.keys.range) item[this.keys.range.name] = keyValue(this.keys.range, index % this.per, 0);
    return item;
  }

  indexOf(key: Item): number | undefined {
    const hash = keyNumber(key[this.keys.hash.name]);
    const range = this.keys.range ? keyNumber(key[this.keys.range.name]) : 0;
    if (hash === undefined || range === undefined || range >= this.per) return undefined;
    const index = hash * this.per + range;
    if (index >= this.spec.count) return undefined;
    // The key must be the very value the generator gives (same type, same padding).
    const item = this.at(index);
    const same = (name: string) => JSON.stringify(item[name]) === JSON.stringify(key[name]);
    return same(this.keys.hash.name) && (!this.keys.range || same(this.keys.range.name)) ? index : undefined;
  }
}
