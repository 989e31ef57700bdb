/**
 * What s3.manifest outputs and the copy steps take as their `manifest` param: where the CSV lists are,
 * with their ETags (CreateJob needs them) and counts.
 */
import { z } from "zod";

/** Batch Operations PutObjectCopy and CopyObject stop at 5 GB (AWS-FACTS); larger needs UploadPartCopy. */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 * 1024 * 1024;

const count = z.number().int().nonnegative();

export const waveSchema = z.object({
  index: count.describe("Rank from the oldest version of each key: wave 0 holds every key's oldest version."),
  key: z.string().describe("Manifest object key (CSV bucket,key,versionId)."),
  etag: z.string().describe("The manifest object's ETag, without quotes."),
  objects: count,
  bytes: count,
});
export type Wave = z.infer<typeof waveSchema>;

export const markerListSchema = z.object({
  key: z.string(),
  etag: z.string(),
  count: count.describe("Delete markers in the source."),
  latest: count.describe("Keys whose current state is a delete marker and that have versions (re-created)."),
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

/** `hikkoshi/<runbook>/<run + task>/` — deterministic, so a resumed task writes the same objects. */
export function taskPrefix(ctx: { runbookName: string; name(suffix?: string, max?: number): string }): string {
  const runbook = ctx.runbookName.replace(/[^A-Za-z0-9._-]+/g, "-") || "runbook";
  return `hikkoshi/${runbook}/${ctx.name("", 200)}/`;
}
