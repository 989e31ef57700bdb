/**
 * The content digest dynamodb.verify compares: one canonical form per value (numbers, map keys, sets),
 * independent of scan order, and different as soon as one item's key or content differs.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { canonicalItem, normaliseNumber, TableDigest } from "../../../src/steps/dynamodb/digest.js";

type Item = Record<string, AttributeValue>;
const item = (pk: string, n: string, extra: Item = {}): Item => ({ pk: { S: pk }, n: { N: n }, ...extra });

describe("normaliseNumber", () => {
  it("writes every spelling of a number one way", () => {
    for (const t of ["1.50", "+1.5", "15e-1", "0001.5", "0.15E1"]) expect(normaliseNumber(t)).toBe("15e1");
    expect(normaliseNumber("-0.00")).toBe("0");
    expect(normaliseNumber("0")).toBe("0");
    expect(normaliseNumber("-120")).toBe("-12e3");
    expect(normaliseNumber("0.001")).toBe("1e-2");
    expect(normaliseNumber("1")).not.toBe(normaliseNumber("10"));
  });
});

describe("canonicalItem", () => {
  it("ignores attribute order, set order and number spelling, not values", () => {
    const a: Item = { b: { SS: ["y", "x"] }, a: { M: { q: { N: "1.0" }, p: { BOOL: true } } } };
    const b: Item = { a: { M: { p: { BOOL: true }, q: { N: "1" } } }, b: { SS: ["x", "y"] } };
    expect(canonicalItem(a)).toBe(canonicalItem(b));
    expect(canonicalItem({ l: { L: [{ S: "x" }, { S: "y" }] } })).not.toBe(
      canonicalItem({ l: { L: [{ S: "y" }, { S: "x" }] } }),
    );
    expect(canonicalItem({ s: { S: "1" } })).not.toBe(canonicalItem({ s: { N: "1" } }));
    expect(canonicalItem({ b: { B: new Uint8Array([1, 2]) } })).not.toBe(
      canonicalItem({ b: { B: new Uint8Array([1, 3]) } }),
    );
  });
});

describe("TableDigest", () => {
  const items = Array.from({ length: 500 }, (_, i) => item(`k${i}`, String(i)));
  const digest = (list: Item[]) => {
    const d = new TableDigest(["pk"]);
    for (const x of list) d.add(x);
    return d;
  };

  it("does not depend on the order items arrive in", () => {
    expect(digest(items).hex()).toBe(digest([...items].reverse()).hex());
    expect(digest(items).differingBuckets(digest([...items].reverse()))).toEqual([]);
  });

  it("tells a missing, a changed and an extra item apart from the original, by bucket", () => {
    const base = digest(items);
    const missing = digest(items.slice(1));
    const changed = digest(items.map((x, i) => (i === 7 ? item("k7", "7.5") : x)));
    const extra = digest([...items, item("new", "1")]);
    for (const d of [missing, changed, extra]) {
      expect(d.hex()).not.toBe(base.hex());
      expect(base.differingBuckets(d)).toHaveLength(1);
    }
    expect(missing.items).toBe(499);
  });

  it("a duplicated item is not cancelled out (counts, not XOR)", () => {
    const twice = digest([...items.slice(0, 2), items[0] as Item, ...items.slice(3)]);
    expect(twice.hex()).not.toBe(digest(items).hex());
  });
});
