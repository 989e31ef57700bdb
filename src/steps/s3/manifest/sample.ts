/**
 * Bounded listing for plans: a plan must not list a bucket of millions of versions, so it reads at most
 * `limit` entries and says whether that was the whole bucket (exact) or a lower bound (an estimate).
 */
import { awsCategory } from "../../../aws/errors.js";
import { formatBytes } from "../../../core/bytes.js";
import type { AwsReader, Precondition } from "../../define.js";
import { failed, warning } from "../../shared/plan.js";
import { listVersions } from "../list/list.js";
import { MAX_SINGLE_COPY_BYTES } from "./types.js";

export const DEFAULT_PLAN_LIST_LIMIT = 100_000;

export interface BucketSample {
  versions: number;
  deleteMarkers: number;
  /** Keys whose current state is a delete marker (and that have versions). */
  latestMarkers: number;
  bytes: number;
  keys: number;
  large: number;
  largeBytes: number;
  archived: number;
  maxVersionsPerKey: number;
  /** Versions per storage class; only when a class other than STANDARD was seen. */
  classes?: Record<string, number>;
  /** True when the listing reached the end: the figures are exact. */
  complete: boolean;
  /** The first version listed (a plan can check it is readable). */
  first?: { key: string; versionId: string };
}

export async function sampleBucket(
  aws: AwsReader,
  alias: string,
  bucket: string,
  options: { prefix?: string; limit?: number } = {},
): Promise<BucketSample> {
  const limit = options.limit ?? DEFAULT_PLAN_LIST_LIMIT;
  const s: BucketSample = {
    versions: 0,
    deleteMarkers: 0,
    latestMarkers: 0,
    bytes: 0,
    keys: 0,
    large: 0,
    largeBytes: 0,
    archived: 0,
    maxVersionsPerKey: 0,
    complete: true,
  };
  let seen = 0;
  let key: string | undefined;
  let perKey = 0;
  let latestMarker = false;
  const classes: Record<string, number> = {};
  const endKey = () => {
    if (perKey > 0) s.keys++;
    if (perKey > 0 && latestMarker) s.latestMarkers++;
    s.maxVersionsPerKey = Math.max(s.maxVersionsPerKey, perKey);
  };
  for await (const e of listVersions(aws, alias, bucket, options.prefix ? { prefix: options.prefix } : {})) {
    if (seen >= limit) {
      s.complete = false;
      break;
    }
    seen++;
    if (e.key !== key) {
      if (key !== undefined) endKey();
      key = e.key;
      perKey = 0;
      latestMarker = false;
    }
    if (e.deleteMarker) {
      s.deleteMarkers++;
      if (e.isLatest) latestMarker = true;
      continue;
    }
    perKey++;
    s.first ??= { key: e.key, versionId: e.versionId };
    s.versions++;
    s.bytes += e.size;
    if (e.size > MAX_SINGLE_COPY_BYTES) {
      s.large++;
      s.largeBytes += e.size;
    }
    if (e.storageClass === "GLACIER" || e.storageClass === "DEEP_ARCHIVE") s.archived++;
    const cls = e.storageClass || "STANDARD";
    classes[cls] = (classes[cls] ?? 0) + 1;
  }
  if (key !== undefined) endKey();
  if (Object.keys(classes).some((c) => c !== "STANDARD")) s.classes = classes;
  return s;
}

export function describeSample(s: BucketSample): string {
  const atLeast = s.complete ? "" : "at least ";
  const markers = s.deleteMarkers > 0 ? `, ${s.deleteMarkers.toLocaleString("en-US")} delete markers` : "";
  const large = s.large > 0 ? `, ${s.large} over 5 GB` : "";
  return `${atLeast}${s.versions.toLocaleString("en-US")} versions of ${s.keys.toLocaleString("en-US")} keys (${formatBytes(s.bytes)}${markers}${large})`;
}

/**
 * Sample a bucket for a plan; an unreadable or missing bucket becomes a precondition instead of an
 * error (`missing` says how to treat a bucket that does not exist yet).
 */
export async function samplePlan(
  aws: AwsReader,
  alias: string,
  bucket: string,
  options: { prefix?: string; limit?: number; missing: "error" | "later" },
): Promise<{ sample?: BucketSample; problems: Precondition[] }> {
  try {
    const sample = await sampleBucket(aws, alias, bucket, options);
    const problems: Precondition[] = [];
    if (sample.archived > 0) {
      problems.push(
        failed(
          "S3_ARCHIVED_OBJECTS",
          `${bucket} holds ${sample.archived} version(s) in GLACIER / DEEP_ARCHIVE: they cannot be copied before they are restored`,
          "restore them (RestoreObject) or exclude them with a prefix, then plan again",
        ),
      );
    }
    if (!sample.complete) {
      problems.push(
        warning(
          "S3_PLAN_ESTIMATE",
          `${bucket}: the plan listed the first ${(options.limit ?? DEFAULT_PLAN_LIST_LIMIT).toLocaleString("en-US")} entries only; counts are lower bounds`,
        ),
      );
    }
    return { sample, problems };
  } catch (err) {
    const category = awsCategory(err);
    if (category === "not-found") {
      return options.missing === "later"
        ? { problems: [] }
        : { problems: [failed("S3_BUCKET_NOT_FOUND", `bucket ${bucket} not found (as ${alias})`)] };
    }
    if (category === "access-denied") {
      return {
        problems: [
          warning(
            "S3_BUCKET_NOT_LISTABLE",
            `${alias} cannot list the versions of ${bucket} (s3:ListBucketVersions): the plan cannot count it`,
          ),
        ],
      };
    }
    throw err;
  }
}
