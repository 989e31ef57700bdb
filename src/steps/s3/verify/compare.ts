/**
 * Comparing one key's history in the source and in the destination (pure). Copies get new version ids
 * and times, so a history is compared as a sequence, oldest first: the same versions and delete markers
 * in the same order, then every version against its counterpart by position — size, ETag and storage
 * class, which the listing carries at no extra cost. ETags are compared only when both are plain MD5s: a
 * multipart ETag ("…-N") depends on the part size, so a multipart copy of the same bytes has another one —
 * then size alone decides, and the report counts those versions. The histories come from
 * `listKeyHistories`: ordered by IsLatest and time, never by where a store happened to list an entry.
 */
import type { VersionEntry } from "../list/list.js";

export type MismatchKind =
  | "missing-key"
  | "unexpected-key"
  | "resurrected"
  | "deleted-in-destination"
  /** The sequence of versions and delete markers differs. */
  | "history"
  /** One version's `field` differs. */
  | "field";

export interface Mismatch {
  key: string;
  kind: MismatchKind;
  /** The source version ("<id> (2 of 3)") a field mismatch is about. */
  version?: string;
  field?: string;
  source: string;
  destination: string;
}

export interface SideTotals {
  keys: number;
  versions: number;
  bytes: number;
  deleteMarkers: number;
}

export interface CompareTotals {
  source: SideTotals;
  destination: SideTotals;
  /** Versions whose ETags were compared / compared by size only. */
  etagsCompared: number;
  sizeOnly: number;
}

export function emptyTotals(): CompareTotals {
  const side = () => ({ keys: 0, versions: 0, bytes: 0, deleteMarkers: 0 });
  return { source: side(), destination: side(), etagsCompared: 0, sizeOnly: 0 };
}

export type EtagMode = "compare" | "size-only";

function count(side: SideTotals, entries: VersionEntry[]): void {
  let versions = 0;
  for (const e of entries) {
    if (e.deleteMarker) side.deleteMarkers++;
    else {
      versions++;
      side.bytes += e.size;
    }
  }
  if (versions > 0) side.keys++;
  side.versions += versions;
}

function comparableEtags(a: string, b: string, mode: EtagMode): boolean {
  return mode === "compare" && a !== "" && b !== "" && !a.includes("-") && !b.includes("-");
}

/** "V V M V": the history oldest first (V a version, M a delete marker), shortened past 40 entries. */
export function shape(entries: VersionEntry[]): string {
  const letters = entries.map((e) => (e.deleteMarker ? "M" : "V")).reverse();
  const head = letters.length > 40 ? [...letters.slice(0, 20), "…", ...letters.slice(-20)] : letters;
  return `${head.join(" ")} (${letters.length})`;
}

/** Which version of the history a mismatch is about: "<id> (2 of 3)", counted oldest first. */
export function versionLabel(entries: VersionEntry[], i: number): string {
  return `${entries[i]!.versionId} (${entries.length - i} of ${entries.length})`;
}

/** A pair of versions at the same place of their histories: source first. */
export interface VersionPair {
  key: string;
  label: string;
  source: VersionEntry;
  destination: VersionEntry;
}

/**
 * Mismatches of one key (an empty list when the key matches); adds to `totals`. `pairs` receives every
 * pair of versions whose histories matched, for the per-object comparison.
 */
export function compareKey(
  key: string,
  source: VersionEntry[],
  destination: VersionEntry[],
  totals: CompareTotals,
  mode: EtagMode,
  pairs?: (pair: VersionPair) => void,
): Mismatch[] {
  count(totals.source, source);
  count(totals.destination, destination);
  const out: Mismatch[] = [];
  const add = (m: Omit<Mismatch, "key">) => out.push({ key, ...m });
  if (source.length === 0 && destination.length === 0) return out;
  if (destination.length === 0) {
    add({ kind: "missing-key", source: shape(source), destination: "absent" });
    return out;
  }
  if (source.length === 0) {
    add({ kind: "unexpected-key", source: "absent", destination: shape(destination) });
    return out;
  }
  const srcDeleted = source[0]!.deleteMarker;
  const dstDeleted = destination[0]!.deleteMarker;
  if (srcDeleted && !dstDeleted)
    add({ kind: "resurrected", source: "deleted (delete marker is latest)", destination: "current" });
  if (!srcDeleted && dstDeleted)
    add({ kind: "deleted-in-destination", source: "current", destination: "deleted (delete marker is latest)" });
  const sameShape =
    source.length === destination.length && source.every((e, i) => e.deleteMarker === destination[i]!.deleteMarker);
  if (!sameShape) {
    add({ kind: "history", source: shape(source), destination: shape(destination) });
    return out;
  }
  // Oldest first, so the report names the first place the copy went wrong.
  for (let i = source.length - 1; i >= 0; i--) {
    const [a, b] = [source[i]!, destination[i]!];
    if (a.deleteMarker) continue;
    const field = (name: string, x: string, y: string) =>
      add({ kind: "field", version: versionLabel(source, i), field: name, source: x, destination: y });
    if (a.size !== b.size) field("size", String(a.size), String(b.size));
    else if (comparableEtags(a.etag, b.etag, mode)) {
      totals.etagsCompared++;
      if (a.etag !== b.etag) field("etag", a.etag, b.etag);
    } else totals.sizeOnly++;
    const [classA, classB] = [a.storageClass || "STANDARD", b.storageClass || "STANDARD"];
    if (classA !== classB) field("storage-class", classA, classB);
    pairs?.({ key, label: versionLabel(source, i), source: a, destination: b });
  }
  return out;
}
