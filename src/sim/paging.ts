/**
 * Opaque paging markers over a stable, sorted list. The marker encodes the offset of the next item, so a
 * list that changes between pages behaves like AWS's (best effort, no duplicates for appends at the end).
 */
export interface Page<T> {
  items: T[];
  next?: string;
}

export function pageOf<T>(items: readonly T[], marker: string | undefined, limit: number): Page<T> | undefined {
  let start = 0;
  if (marker !== undefined && marker !== "") {
    const decoded = Buffer.from(marker, "base64url").toString("utf8");
    const match = /^sim-offset:(\d+)$/.exec(decoded);
    if (!match) return undefined;
    start = Number(match[1]);
  }
  const slice = items.slice(start, start + limit);
  const end = start + slice.length;
  return end < items.length
    ? { items: slice, next: Buffer.from(`sim-offset:${end}`).toString("base64url") }
    : { items: slice };
}
