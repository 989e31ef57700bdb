/**
 * Comparing one key's history in the source and in the destination (pure). Copies get new version
 * ids and times, so versions are compared by position (oldest first), size and ETag. ETags are compared
 * only when both are plain MD5s: a multipart ETag ("…-N") depends on the part size, so a multipart copy
 * of the same bytes has another one — then size alone decides, and the report counts those keys.
 * A key with only delete markers is the same as an absent key (nothing readable, nothing to restore).
 * The latest version's storage class must match too (a copy lands in STANDARD unless asked otherwise).
 */
import type { VersionEntry } from "./s3-list.js";

export type MismatchKind =
  | "missing-key"
  | "unexpected-key"
  | "version-count"
  | "resurrected"
  | "deleted-in-destination"
  | "latest-size"
  | "latest-etag"
  | "latest-storage-class"
  | "history";

export interface Mismatch {
  key: string;
  kind: MismatchKind;
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
  /** Latest versions whose ETags were compared / compared by size only. */
  etagsCompared: number;
  sizeOnly: number;
}

export function emptyTotals(): CompareTotals {
  const side = () => ({ keys: 0, versions: 0, bytes: 0, deleteMarkers: 0 });
  return { source: side(), destination: side(), etagsCompared: 0, sizeOnly: 0 };
}

export type EtagMode = "compare" | "size-only";

function count(side: SideTotals, entries: VersionEntry[]): VersionEntry[] {
  const versions = entries.filter((e) => !e.deleteMarker);
  side.deleteMarkers += entries.length - versions.length;
  if (versions.length > 0) side.keys++;
  side.versions += versions.length;
  for (const v of versions) side.bytes += v.size;
  return versions;
}

function comparableEtags(a: string, b: string, mode: EtagMode): boolean {
  return mode === "compare" && a !== "" && b !== "" && !a.includes("-") && !b.includes("-");
}

function describe(v: VersionEntry | undefined): string {
  return v ? `${v.size} bytes, ETag ${v.etag || "-"}` : "none";
}

/** Mismatches of one key (an empty list when the key matches); adds to `totals`. */
export function compareKey(
  key: string,
  source: VersionEntry[],
  destination: VersionEntry[],
  totals: CompareTotals,
  mode: EtagMode,
): Mismatch[] {
  const src = count(totals.source, source);
  const dst = count(totals.destination, destination);
  const out: Mismatch[] = [];
  const add = (kind: MismatchKind, s: string, d: string) => out.push({ key, kind, source: s, destination: d });
  if (src.length === 0 && dst.length === 0) return out;
  if (dst.length === 0) {
    add("missing-key", `${src.length} version(s)`, "absent");
    return out;
  }
  if (src.length === 0) {
    add("unexpected-key", "absent", `${dst.length} version(s)`);
    return out;
  }
  const srcDeleted = source[0]?.deleteMarker === true;
  const dstDeleted = destination[0]?.deleteMarker === true;
  if (srcDeleted && !dstDeleted) add("resurrected", "deleted (delete marker is latest)", "current");
  if (!srcDeleted && dstDeleted) add("deleted-in-destination", "current", "deleted (delete marker is latest)");
  if (src.length !== dst.length) add("version-count", `${src.length} version(s)`, `${dst.length} version(s)`);

  const [a, b] = [src[0]!, dst[0]!];
  if (a.size !== b.size) add("latest-size", describe(a), describe(b));
  else if (comparableEtags(a.etag, b.etag, mode)) {
    totals.etagsCompared++;
    if (a.etag !== b.etag) add("latest-etag", describe(a), describe(b));
  } else totals.sizeOnly++;
  const [classA, classB] = [a.storageClass || "STANDARD", b.storageClass || "STANDARD"];
  if (classA !== classB) add("latest-storage-class", classA, classB);

  if (src.length === dst.length) {
    // Oldest first: the first older version that differs (the latest is checked above).
    for (let i = src.length - 1; i >= 1; i--) {
      const [x, y] = [src[i]!, dst[i]!];
      const differs = x.size !== y.size || (comparableEtags(x.etag, y.etag, mode) && x.etag !== y.etag);
      if (differs) {
        add("history", `version ${src.length - i} of ${src.length}: ${describe(x)}`, describe(y));
        break;
      }
    }
  }
  return out;
}
