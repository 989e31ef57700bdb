/**
 * What s3.manifest outputs and the copy steps take as their `manifest` param: where the CSV lists are,
 * with their ETags (CreateJob needs them) and counts.
 */
import { z } from "zod";

/** Batch Operations PutObjectCopy and CopyObject stop at 5 GB (AWS-FACTS); larger needs UploadPartCopy. */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 * 1024 * 1024;

const count = z.number().int().nonnegative();

/** One storage class of a wave: its own manifest, so that a Batch Operations job copies it in that class. */
export const wavePartSchema = z.object({
  storageClass: z.string().min(1),
  key: z.string().describe("Manifest object key (CSV bucket,key,versionId) of this class's rows."),
  etag: z.string(),
  objects: count,
  bytes: count,
});
export type WaveClassPart = z.infer<typeof wavePartSchema>;

export const waveSchema = z.object({
  index: count.describe("Rank from the oldest version of each key: wave 0 holds every key's oldest version."),
  key: z.string().describe("Manifest object key (CSV bucket,key,versionId): every row of the wave."),
  etag: z.string().describe("The manifest object's ETag, without quotes."),
  objects: count,
  bytes: count,
  classes: z
    .array(wavePartSchema)
    .optional()
    .describe(
      "Only when the wave holds a class other than STANDARD: its rows again, one manifest per class (absent = all STANDARD).",
    ),
});
export type Wave = z.infer<typeof waveSchema>;

/** What one copy job / direct pass handles: a wave's rows of one storage class. */
export interface WavePart {
  index: number;
  storageClass: string;
  key: string;
  etag: string;
  objects: number;
  bytes: number;
  /** Progress id: the wave index as before classes existed, `<index>.<class>` for a split wave. */
  id: string;
}

export const STANDARD = "STANDARD";

/** A wave's parts, in class order: the wave itself (STANDARD) unless it was split by class. */
export function waveParts(wave: Wave): WavePart[] {
  if (!wave.classes || wave.classes.length === 0) {
    const { classes: _classes, ...rest } = wave;
    return [{ ...rest, storageClass: STANDARD, id: String(wave.index) }];
  }
  return wave.classes.map((c) => ({ ...c, index: wave.index, id: `${wave.index}.${c.storageClass}` }));
}

/** Versions per storage class over the batch-copyable waves (a wave without `classes` is STANDARD). */
export function classTotals(manifest: Manifest): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of manifest.waves)
    for (const p of waveParts(w)) out[p.storageClass] = (out[p.storageClass] ?? 0) + p.objects;
  return out;
}

/** "2 classes: STANDARD 900, STANDARD_IA 100", or undefined when everything is STANDARD. */
export function describeClasses(counts: Record<string, number>): string | undefined {
  const names = Object.keys(counts)
    .filter((c) => (counts[c] ?? 0) > 0)
    .sort();
  if (names.length === 0 || (names.length === 1 && names[0] === STANDARD)) return undefined;
  return `${names.length} class${names.length === 1 ? "" : "es"}: ${names.map((c) => `${c} ${counts[c]}`).join(", ")}`;
}

export const markerPositionSchema = z.object({
  position: count.describe("Versions of the key older than these markers: they are re-created before wave `position`."),
  key: z.string().describe("Manifest object key of these markers' rows (oldest first within a key)."),
  etag: z.string(),
  count,
});
export type MarkerPosition = z.infer<typeof markerPositionSchema>;

export const markerListSchema = z.object({
  key: z.string(),
  etag: z.string(),
  count: count.describe("Delete markers in the source."),
  latest: count.describe("Keys whose current state is a delete marker and that have versions."),
  positions: z
    .array(markerPositionSchema)
    .optional()
    .describe(
      "Every delete marker by its place in its key's history: the copy re-creates them between the waves (absent in manifests made before: then only the latest markers are re-created, by s3.restore-delete-markers).",
    ),
});

export const largeListSchema = z.object({
  key: z.string(),
  etag: z.string(),
  count,
  bytes: count,
  waves: z.array(count).describe("Wave indexes that hold large objects (copied in the wave's turn)."),
});

export const manifestSchema = z
  .object({
    manifestBucket: z.string().min(1),
    sourceBucket: z.string().min(1),
    prefix: z.string().describe("Where the manifest objects are, in manifestBucket."),
    waves: z.array(waveSchema),
    deleteMarkers: markerListSchema.nullable(),
    large: largeListSchema.nullable(),
    totals: z.object({
      versions: count,
      deleteMarkers: count,
      bytes: count,
      keys: count,
      waves: count.describe("Number of waves (the most versions any key has)."),
    }),
    objectLock: z
      .boolean()
      .optional()
      .describe("The source bucket has Object Lock enabled: copies carry each version's retention and legal hold."),
  })
  .describe("The outputs of an s3.manifest step: ${{ steps.<id>.outputs }}.");
export type Manifest = z.infer<typeof manifestSchema>;

export const MANIFEST_OUTPUTS: Record<string, string> = {
  manifest:
    "all of the below in one object: pass it as the `manifest` of s3.copy / s3.batch-copy / s3.restore-delete-markers",
  manifestBucket: "bucket holding the manifest objects",
  sourceBucket: "bucket the manifest lists",
  prefix: "key prefix of the manifest objects",
  waves: "[{ index, key, etag, objects, bytes }] — wave N = the N-th oldest version of every key (batch-copyable)",
  deleteMarkers: "{ key, etag, count, latest } | null — delete markers with their position",
  large: "{ key, etag, count, bytes, waves } | null — versions over 5 GB (multipart copy)",
  totals: "{ versions, deleteMarkers, bytes, keys, waves }",
  objectLock: "true when the source bucket has Object Lock enabled (absent otherwise)",
};

/** Every wave index that has work (batch rows or large objects), ascending. */
export function waveIndexes(manifest: Manifest): number[] {
  const all = new Set<number>(manifest.waves.map((w) => w.index));
  for (const w of manifest.large?.waves ?? []) all.add(w);
  return [...all].sort((a, b) => a - b);
}

/** Versions the batch engine copies (large ones excluded) and their bytes. */
export function batchTotals(manifest: Manifest): { versions: number; bytes: number } {
  let versions = 0;
  let bytes = 0;
  for (const w of manifest.waves) {
    versions += w.objects;
    bytes += w.bytes;
  }
  return { versions, bytes };
}

/** `hikkoshi/<runbook>/`: where every object a runbook's tasks write lives. */
export function runbookPrefix(runbookName: string): string {
  return `hikkoshi/${runbookName.replace(/[^A-Za-z0-9._-]+/g, "-") || "runbook"}/`;
}

/** `hikkoshi/<runbook>/<run + task>/` — deterministic, so a resumed task writes the same objects. */
export function taskPrefix(ctx: { runbookName: string; name(suffix?: string, max?: number): string }): string {
  return `${runbookPrefix(ctx.runbookName)}${ctx.name("", 200)}/`;
}
