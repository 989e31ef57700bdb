/**
 * The CSV rows hikkoshi writes and reads. Batch Operations manifests (`S3BatchOperations_CSV_20180820`)
 * hold `bucket,key,versionId` with URL-encoded keys (AWS-FACTS). Keys are encoded like
 * encodeURIComponent plus `!'()*`: everything but RFC 3986 unreserved characters, a space as %20 and a
 * `+` as %2B, so neither a plain nor a form-style decoder can misread them. Encoded keys, bucket names and
 * version ids never contain a comma, so these rows need no quoting.
 */

export function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function decodeKey(encoded: string): string {
  return decodeURIComponent(encoded);
}

/** One Batch Operations manifest row. */
export function waveRow(bucket: string, key: string, versionId: string): string {
  return `${bucket},${encodeKey(key)},${versionId}\n`;
}

export interface ManifestRow {
  bucket: string;
  key: string;
  versionId: string;
  /** Columns after the version id (the large-object and delete-marker lists carry more). */
  extra: string[];
}

export function parseManifestRow(line: string): ManifestRow | undefined {
  if (line === "") return undefined;
  const [bucket = "", key = "", versionId = "", ...extra] = line.split(",");
  return { bucket, key: decodeKey(key), versionId, extra };
}

/**
 * Large objects: `bucket,key,versionId,wave,size[,storageClass]` (copied by hikkoshi in the wave's turn);
 * the class only when it is not STANDARD, so lists without classes read as before.
 */
export function largeRow(
  bucket: string,
  key: string,
  versionId: string,
  wave: number,
  size: number,
  storageClass = "STANDARD",
): string {
  const cls = storageClass && storageClass !== "STANDARD" ? `,${storageClass}` : "";
  return `${bucket},${encodeKey(key)},${versionId},${wave},${size}${cls}\n`;
}

/**
 * Delete markers: `bucket,key,versionId,position,latest,versions` — `position` = how many versions of
 * the key are older than the marker (it sat between wave position-1 and wave position), `latest` = 1
 * when it is the key's current state, `versions` = how many versions the key has.
 */
export function markerRow(
  bucket: string,
  key: string,
  versionId: string,
  position: number,
  latest: boolean,
  versions: number,
): string {
  return `${bucket},${encodeKey(key)},${versionId},${position},${latest ? 1 : 0},${versions}\n`;
}

/**
 * A line of general CSV (completion reports quote fields that hold commas or quotes). RFC 4180 quoting:
 * `"a ""b"", c"` → `a "b", c`.
 */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          value += line.slice(i);
          i = line.length;
          break;
        }
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      const comma = line.indexOf(",", i);
      if (comma < 0) return out;
      i = comma + 1;
    } else {
      const comma = line.indexOf(",", i);
      if (comma < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** A field for a CSV this step writes for people (mismatch reports): quoted when it must be. */
export function csvField(value: string | number | boolean): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
