/**
 * Items as DynamoDB holds them (AttributeValue maps), the sources a table reads them from (a seeded list or a
 * generator) and what scans and exports need of them: key identity, hash placement and size.
 */
import { createHash } from "node:crypto";
import type { KeyAttributeSeed, KeySchemaSeedData } from "./seed.js";

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Item }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export type Item = Record<string, AttributeValue>;

/** Plain JSON → AttributeValue; a string under a key attribute of type B is taken as base64. */
export function fromPlain(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(fromPlain) };
  if (typeof value === "object") {
    const m: Item = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) m[k] = fromPlain(v);
    return { M: m };
  }
  return { S: String(value) };
}

export function itemFromPlain(plain: Record<string, unknown>, keys: KeySchemaSeedData): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(plain)) {
    const keyType = [keys.hash, keys.range].find((k) => k?.name === name)?.type;
    item[name] = keyType === "B" && typeof value === "string" ? { B: value } : fromPlain(value);
  }
  return item;
}

/** The type letter of a key attribute's value, if it is a scalar DynamoDB accepts in keys. */
export function keyTypeOf(value: AttributeValue | undefined): "S" | "N" | "B" | undefined {
  if (value === undefined) return undefined;
  if ("S" in value) return "S";
  if ("N" in value) return "N";
  if ("B" in value) return "B";
  return undefined;
}

function scalarOf(value: AttributeValue | undefined): string {
  if (value === undefined) return "";
  if ("S" in value) return value.S;
  if ("N" in value) return value.N;
  if ("B" in value) return value.B;
  return JSON.stringify(value);
}

/** A stable identity of an item's primary key, e.g. for lookups of ExclusiveStartKey. */
export function keyId(item: Item, keys: KeySchemaSeedData): string {
  const hash = scalarOf(item[keys.hash.name]);
  return keys.range ? `${hash}\u0000${scalarOf(item[keys.range.name])}` : hash;
}

/** The primary key attributes of an item (what LastEvaluatedKey holds). */
export function keyOf(item: Item, keys: KeySchemaSeedData): Item {
  const out: Item = {};
  for (const k of [keys.hash, keys.range]) {
    const v = k && item[k.name];
    if (k && v) out[k.name] = v;
  }
  return out;
}

/**
 * Where an item's partition key falls in the 32-bit hash space: segments of a parallel scan and the files
 * of an export cut this space into equal ranges, so one hash key is always in one segment.
 */
export function hashOf(item: Item, keys: KeySchemaSeedData): number {
  return createHash("md5").update(scalarOf(item[keys.hash.name])).digest().readUInt32BE(0);
}

export function segmentOf(hash: number, total: number): number {
  return Math.floor((hash * total) / 0x1_0000_0000);
}

/** DynamoDB's item size: attribute names plus values (strings and binaries by length, numbers ≈ digits/2). */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValue): number {
  if ("S" in value) return Buffer.byteLength(value.S);
  if ("N" in value) return Math.ceil(value.N.replace(/[-.]/g, "").length / 2) + 1;
  if ("B" in value) return Buffer.from(value.B, "base64").length;
  if ("BOOL" in value || "NULL" in value) return 1;
  if ("L" in value) return 3 + value.L.reduce((n, v) => n + 1 + valueSize(v), 0);
  if ("M" in value)
    return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + valueSize(v), 0);
  if ("SS" in value) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if ("NS" in value) return value.NS.reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  return value.BS.reduce((n, s) => n + Buffer.from(s, "base64").length, 0);
}

/** A table's items by position: a seeded list or a generator. Position order is the scan order. */
export interface ItemSource {
  readonly count: number;
  at(index: number): Item;
  /** The position of the item with this primary key, if the table holds it. */
  indexOf(key: Item): number | undefined;
}

export class ListSource implements ItemSource {
  private readonly positions = new Map<string, number>();

  constructor(
    private readonly items: Item[],
    private readonly keys: KeySchemaSeedData,
  ) {
    for (const [i, item] of items.entries()) this.positions.set(keyId(item, keys), i);
  }

  get count(): number {
    return this.items.length;
  }

  at(index: number): Item {
    const item = this.items[index];
    if (!item) throw new Error(`no item ${index}`);
    return item;
  }

  indexOf(key: Item): number | undefined {
    return this.positions.get(keyId(key, this.keys));
  }
}

export function keyValue(attr: KeyAttributeSeed, n: number, width: number): AttributeValue {
  if (attr.type === "N") return { N: String(n) };
  if (attr.type === "B") {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(n);
    return { B: bytes.toString("base64") };
  }
  return { S: `${attr.name}-${String(n).padStart(width, "0")}` };
}

export function keyNumber(value: AttributeValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  let n: number;
  if ("N" in value) n = Number(value.N);
  else if ("B" in value) {
    const bytes = Buffer.from(value.B, "base64");
    if (bytes.length !== 4) return undefined;
    n = bytes.readUInt32BE(0);
  } else if ("S" in value) n = Number(/-(\d+)$/.exec(value.S)?.[1] ?? Number.NaN);
  else return undefined;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
