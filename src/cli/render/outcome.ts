/**
 * What a finished task did, in a few words, from the shape of its outputs (not its step type): a copy's
 * versions and bytes, a manifest's listing, a verification's totals. The plain log's final line of a task.
 */

import { formatBytes } from "../../core/bytes.js";
import type { Json } from "../../core/json.js";

type Obj = Record<string, Json>;

const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: Json | undefined): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** 1,234 */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${formatCount(n)} ${n === 1 ? one : many}`;

/** "copied 1,234 versions, 5.6 GB, 3 delete markers" (outputs `copied`, `large`, `markers`). */
function copied(o: Obj): string | undefined {
  const c = o.copied;
  if (!isObj(c)) return undefined;
  const large = isObj(o.large) ? o.large : {};
  const versions = (num(c.versions) ?? 0) + (num(large.versions) ?? 0);
  const bytes = (num(c.bytes) ?? 0) + (num(large.bytes) ?? 0);
  const parts = [`copied ${plural(versions, "version")}`, formatBytes(bytes)];
  const markers = num(o.markers) ?? 0;
  if (markers > 0) parts.push(plural(markers, "delete marker"));
  return `${parts.join(", ")}${typeof o.engine === "string" ? ` (engine ${o.engine})` : ""}`;
}

/** "listed 1,234 versions of 600 keys, 5.6 GB, 3 delete markers" (outputs `totals` of a manifest). */
function listed(o: Obj): string | undefined {
  const t = o.totals;
  if (!isObj(t) || num(t.versions) === undefined) return undefined;
  const parts = [`listed ${plural(num(t.versions) ?? 0, "version")} of ${plural(num(t.keys) ?? 0, "key")}`];
  parts.push(formatBytes(num(t.bytes) ?? 0));
  const markers = num(t.deleteMarkers) ?? 0;
  if (markers > 0) parts.push(plural(markers, "delete marker"));
  return parts.join(", ");
}

/** "verified 1,234 versions, 5.6 GB" (outputs `passed`, `versions`, `bytes`). */
function verified(o: Obj): string | undefined {
  if (o.passed !== true || num(o.versions) === undefined) return undefined;
  return `verified ${plural(num(o.versions) ?? 0, "version")}, ${formatBytes(num(o.bytes) ?? 0)}`;
}

export function outcomeOf(outputs: Record<string, Json> | undefined): string | undefined {
  if (!outputs) return undefined;
  return copied(outputs) ?? listed(outputs) ?? verified(outputs);
}
