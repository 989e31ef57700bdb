/**
 * An order-independent digest of a table's content, in flat memory: every item is written canonically
 * (map keys sorted, sets sorted, numbers normalised, binary as base64), hashed, and its hash added into
 * one of BUCKETS buckets chosen by its key (4 × 32-bit lanes added modulo 2³², and a count). Two tables
 * hold the same items exactly when every bucket agrees (up to a hash collision); the buckets that disagree
 * say where to look for the differing items (a second, narrow pass keeps only the keys that fall in them).
 */
import { createHash } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export const BUCKETS = 4096;
type Item = Record<string, AttributeValue>;

const b64 = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString("base64");

/**
 * A DynamoDB number written one way only: "1.50", "+1.5", "15e-1" and "0001.5" are all "15e1" (digits
 * without leading/trailing zeros, then the exponent of the first digit); every zero is "0".
 */
export function normaliseNumber(text: string): string {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m) return `?${text}`;
  const [, sign, int = "", frac = "", exp = "0"] = m;
  const all = int + frac;
  const lead = all.search(/[1-9]/);
  if (lead < 0) return "0";
  const digits = all.slice(lead).replace(/0+$/, "");
  const exponent = int.length - lead + Number(exp);
  return `${sign === "-" ? "-" : ""}${digits}e${exponent}`;
}

export function canonical(v: AttributeValue): string {
  if (v.S !== undefined) return `S${JSON.stringify(v.S)}`;
  if (v.N !== undefined) return `N${normaliseNumber(v.N)}`;
  if (v.B !== undefined) return `B${b64(v.B)}`;
  if (v.BOOL !== undefined) return v.BOOL ? "T" : "F";
  if (v.NULL !== undefined) return "0";
  if (v.L !== undefined) return `L[${v.L.map(canonical).join(",")}]`;
  if (v.M !== undefined) return `M${canonicalItem(v.M)}`;
  if (v.SS !== undefined)
    return `SS[${v.SS.map((s) => JSON.stringify(s))
      .sort()
      .join(",")}]`;
  if (v.NS !== undefined) return `NS[${v.NS.map(normaliseNumber).sort().join(",")}]`;
  if (v.BS !== undefined) return `BS[${v.BS.map(b64).sort().join(",")}]`;
  return `?${JSON.stringify(v)}`;
}

export function canonicalItem(item: Item): string {
  const names = Object.keys(item).sort();
  return `{${names.map((n) => `${JSON.stringify(n)}:${canonical(item[n] as AttributeValue)}`).join(",")}}`;
}

/** The key of an item, canonically (key attributes in the order given: hash then range). */
export function canonicalKey(item: Item, keyNames: readonly string[]): string {
  return keyNames.map((n) => (item[n] ? canonical(item[n]) : "∅")).join("|");
}

/** Key as the operator reads it: `{pk: "user#17", sk: 3}`. */
export function displayKey(item: Item, keyNames: readonly string[]): string {
  const parts = keyNames.map((n) => {
    const v = item[n];
    const text = v?.S !== undefined ? JSON.stringify(v.S) : v?.N !== undefined ? v.N : v?.B ? `b64:${b64(v.B)}` : "∅";
    return `${n}: ${text}`;
  });
  return `{${parts.join(", ")}}`;
}

export function bucketOf(key: string): number {
  return createHash("md5").update(key).digest().readUInt32BE(0) % BUCKETS;
}

export function itemHash(item: Item): Buffer {
  return createHash("sha256").update(canonicalItem(item)).digest();
}

export class TableDigest {
  readonly counts = new Uint32Array(BUCKETS);
  readonly sums = new Uint32Array(BUCKETS * 4);
  items = 0;

  constructor(private readonly keyNames: readonly string[]) {}

  add(item: Item): void {
    const b = bucketOf(canonicalKey(item, this.keyNames));
    const h = itemHash(item);
    this.counts[b] = (this.counts[b] as number) + 1;
    for (let lane = 0; lane < 4; lane++) {
      const i = b * 4 + lane;
      this.sums[i] = ((this.sums[i] as number) + h.readUInt32BE(lane * 4)) >>> 0;
    }
    this.items += 1;
  }

  /** Buckets where this and the other digest disagree. */
  differingBuckets(other: TableDigest): number[] {
    const out: number[] = [];
    for (let b = 0; b < BUCKETS; b++) {
      let same = this.counts[b] === other.counts[b];
      for (let lane = 0; same && lane < 4; lane++) same = this.sums[b * 4 + lane] === other.sums[b * 4 + lane];
      if (!same) out.push(b);
    }
    return out;
  }

  hex(): string {
    return createHash("sha256")
      .update(Buffer.from(this.counts.buffer))
      .update(Buffer.from(this.sums.buffer))
      .digest("hex");
  }
}
