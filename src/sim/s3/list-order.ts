import { shuffledOrder } from "../shuffle.js";
import type { World } from "../world.js";
import { type Bucket, LIST_ORDERS, type ListOrder } from "./model.js";

/**
 * Listing orders of S3-compatible stores that are not AWS, so a client can be tested against them:
 * - `aws`: entries by key (UTF-8 order), newest first within a key, versions and delete markers in one sequence;
 * - `versions-then-markers`: a page holds what AWS's would, but lists every `<Version>` before any `<DeleteMarker>`;
 * - `shuffled`: a page holds what AWS's would, in a shuffle seeded by the bucket and the page's markers;
 * - `unsorted-keys`: pages follow the order keys were first written (markers are positions in it), so a
 *   later page may hold keys that sort before an earlier page's. With a delimiter, pages stay in AWS order.
 * Only ListObjectVersions is affected: ListObjects and ListObjectsV2 stay sorted.
 */

export function listOrderOf(world: World, bucket: Bucket): ListOrder {
  return bucket.listOrder ?? world.s3.listOrder ?? "aws";
}

/** One element of a ListVersionsResult page, as XML. */
export interface PageEntry {
  kind: "version" | "marker" | "prefix";
  xml: string;
}

/** The page's elements in the bucket's order; `seed` names the page (bucket, key marker, version-id marker). */
export function arrangePage(order: ListOrder, entries: readonly PageEntry[], seed: string[]): string {
  if (order === "versions-then-markers") {
    const of = (kind: PageEntry["kind"]) => entries.filter((e) => e.kind === kind).map((e) => e.xml);
    return [...of("version"), ...of("marker"), ...of("prefix")].join("");
  }
  if (order === "shuffled") {
    const permutation = shuffledOrder(entries.length, "s3-list-order", ...seed);
    return Array.from(permutation, (i) => entries[i]!.xml).join("");
  }
  return entries.map((e) => e.xml).join("");
}

export function isListOrder(value: unknown): value is ListOrder {
  return typeof value === "string" && (LIST_ORDERS as readonly string[]).includes(value);
}

/**
 * `POST /_sim/s3/list-order`: `{ bucket, order }` sets one bucket's order, `{ order }` the world's default
 * (buckets without their own, including those created later).
 */
export function setListOrder(world: World, body: unknown): { status: number; value: unknown } {
  const b = (body ?? {}) as { bucket?: unknown; order?: unknown };
  if (!isListOrder(b.order)) return { status: 400, value: { error: `order must be one of ${LIST_ORDERS.join(", ")}` } };
  if (b.bucket === undefined) {
    world.s3.listOrder = b.order;
    return { status: 200, value: { ok: true, order: b.order } };
  }
  const bucket = typeof b.bucket === "string" ? world.s3.buckets.get(b.bucket) : undefined;
  if (!bucket) return { status: 404, value: { error: `no bucket ${String(b.bucket)}` } };
  bucket.listOrder = b.order;
  return { status: 200, value: { ok: true, bucket: bucket.name, order: b.order } };
}
