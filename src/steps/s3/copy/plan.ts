/**
 * Plan-side figures for the copy steps: counts from the manifest when it is known, else a bounded
 * listing of the source; the engine `auto` picks and why; cost and duration estimates.
 */
import { z } from "zod";
import { formatBytes } from "../../../core/bytes.js";
import type { AwsReader, Precondition } from "../../define.js";
import { known } from "../../shared/plan.js";
import { samplePlan } from "../manifest/sample.js";
import { batchTotals, classTotals, describeClasses, manifestSchema } from "../manifest/types.js";
import type { Engine } from "./waves.js";

export interface CopyCounts {
  /** Versions the wave engines copy (large ones excluded). */
  versions: number;
  bytes: number;
  large: number;
  largeBytes: number;
  waves: number;
  latestMarkers: number;
  /** False when the figures are lower bounds (the plan's listing stopped early). */
  complete: boolean;
  from: "manifest" | "listing";
  /** "2 classes: STANDARD 900, STANDARD_IA 100" when there is more than STANDARD (each copy keeps its class). */
  classes?: string;
  /** A version of the source, to check the copying account can read it. */
  first?: { key: string; versionId: string };
}

export const autoParams = {
  autoMaxVersions: z
    .number()
    .int()
    .nonnegative()
    .default(10_000)
    .describe("mode auto: copy directly when the versions (excluding >5 GB ones) are at most this many..."),
  autoMaxBytes: z
    .number()
    .nonnegative()
    .default(50e9)
    .describe("...and their bytes at most this (default 50 GB); otherwise use Batch Operations."),
};

export async function copyCounts(
  aws: AwsReader,
  alias: string,
  manifest: unknown,
  sourceBucket: unknown,
): Promise<{ counts?: CopyCounts; problems: Precondition[] }> {
  if (known(manifest)) {
    const parsed = manifestSchema.safeParse(manifest);
    if (parsed.success) {
      const m = parsed.data;
      const batch = batchTotals(m);
      const classes = describeClasses(classTotals(m));
      return {
        counts: {
          ...batch,
          large: m.large?.count ?? 0,
          largeBytes: m.large?.bytes ?? 0,
          waves: m.totals.waves,
          latestMarkers: m.deleteMarkers?.latest ?? 0,
          complete: true,
          from: "manifest",
          ...(classes ? { classes } : {}),
        },
        problems: [],
      };
    }
  }
  if (typeof sourceBucket !== "string") return { problems: [] };
  const { sample, problems } = await samplePlan(aws, alias, sourceBucket, { missing: "later" });
  if (!sample) return { problems };
  return {
    counts: {
      versions: sample.versions - sample.large,
      bytes: sample.bytes - sample.largeBytes,
      large: sample.large,
      largeBytes: sample.largeBytes,
      waves: sample.maxVersionsPerKey,
      latestMarkers: sample.latestMarkers,
      complete: sample.complete,
      from: "listing",
      ...(sample.classes ? { classes: describeClasses(sample.classes) } : {}),
      ...(sample.first ? { first: sample.first } : {}),
    },
    problems: problems.filter((p) => p.code !== "S3_ARCHIVED_OBJECTS"),
  };
}

export interface EngineChoice {
  engine: Engine | undefined;
  reason: string;
}

/** Why Batch Operations cannot move an Object Lock bucket's versions faithfully. */
export const BATCH_LOCK_REASON =
  "the source has Object Lock: Batch Operations sets one retention for a whole job, direct copies carry each version's";

export function chooseEngine(
  mode: "auto" | "batch" | "direct",
  counts: { versions: number; bytes: number; complete: boolean } | undefined,
  limits: { autoMaxVersions: number; autoMaxBytes: number },
  objectLock = false,
): EngineChoice {
  if (mode !== "auto") return { engine: mode, reason: `mode: ${mode}` };
  if (objectLock) return { engine: "direct", reason: `auto: ${BATCH_LOCK_REASON}` };
  if (!counts) return { engine: undefined, reason: "auto: decided at run time from the manifest's counts" };
  const v = counts.versions.toLocaleString("en-US");
  const maxV = limits.autoMaxVersions.toLocaleString("en-US");
  if (counts.versions > limits.autoMaxVersions) {
    return { engine: "batch", reason: `auto: ${counts.complete ? "" : "at least "}${v} versions > ${maxV}` };
  }
  if (counts.bytes > limits.autoMaxBytes) {
    return {
      engine: "batch",
      reason: `auto: ${formatBytes(counts.bytes)} > ${formatBytes(limits.autoMaxBytes)}`,
    };
  }
  if (!counts.complete)
    return { engine: undefined, reason: "auto: decided at run time (the plan listed part of the source)" };
  return {
    engine: "direct",
    reason: `auto: ${v} versions ≤ ${maxV} and ${formatBytes(counts.bytes)} ≤ ${formatBytes(limits.autoMaxBytes)}`,
  };
}
