/**
 * s3.manifest: stream ListObjectVersions into Batch Operations CSV manifests, one wave per version rank
 * (wave 0 = every key's oldest version), plus the delete markers and the versions over 5 GB, uploaded
 * to a manifest bucket under a prefix derived from the run and the task. Memory stays flat: rows spill
 * to temp files. Big buckets are listed over key ranges at once (s3/list/parallel.ts). Resumable: the listing restarts after the last checkpointed key, finished uploads are
 * kept, a file whose upload was cut short is uploaded again to the same key.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { Json, JsonObject } from "../../../core/json.js";
import { defineStep, type PlanResult } from "../../define.js";
import { describeValue, known, planParams } from "../../shared/plan.js";
import { objectLockEnabled } from "../basics.js";
import { listConcurrencyParam } from "../list/parallel.js";
import {
  type BuildState,
  buildManifest,
  emptyState,
  LARGE_FILE,
  MARKERS_FILE,
  manifestWaves,
  markersAtFile,
  stateFromJson,
  stateToJson,
} from "./build.js";
import { abortUpload, uploadFile } from "./io.js";
import { DEFAULT_PLAN_LIST_LIMIT, describeSample, samplePlan } from "./sample.js";
import { Spill } from "./spill.js";
import { MANIFEST_OUTPUTS, type Manifest, taskPrefix } from "./types.js";

export const s3ManifestParams = z.strictObject({
  bucket: z.string().min(3).max(63).describe("Bucket to list (every version and delete marker)."),
  manifestBucket: z
    .string()
    .min(3)
    .max(63)
    .describe("Bucket of this step's account that receives the manifests (the Batch Operations job reads them)."),
  prefix: z.string().optional().describe("List only keys under this prefix."),
  sourceAccount: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Account alias that owns `bucket`: it lists it, with ExpectedBucketOwner (default: the step's account, which then needs cross-account read; owner unchecked).",
    ),
  checkpointEntries: z
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe("Listed entries between checkpoints (a resume re-lists at most this many)."),
  listPageSize: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(1000)
    .describe("Entries per ListObjectVersions request (S3's maximum is 1000)."),
  listConcurrency: listConcurrencyParam,
  planListLimit: z
    .number()
    .int()
    .positive()
    .default(DEFAULT_PLAN_LIST_LIMIT)
    .describe("The plan lists at most this many entries and reports larger buckets as an estimate."),
});
export type S3ManifestParams = z.infer<typeof s3ManifestParams>;

interface Progress {
  state: BuildState;
  /** Manifest file name → ETag of its finished upload. */
  uploaded: Record<string, string>;
  /** A multipart upload in flight when the checkpoint was taken (aborted on resume). */
  uploading?: { key: string; uploadId: string };
  /** The source bucket has Object Lock enabled (read once, before the listing). */
  objectLock?: boolean;
}

function loadProgress(saved: JsonObject | undefined): Progress | undefined {
  const state = stateFromJson(saved?.state);
  if (!state) return undefined;
  return {
    state,
    uploaded: (saved?.uploaded ?? {}) as Record<string, string>,
    ...(saved?.uploading ? { uploading: saved.uploading as Progress["uploading"] & object } : {}),
    ...(typeof saved?.objectLock === "boolean" ? { objectLock: saved.objectLock } : {}),
  };
}

function toJson(p: Progress): JsonObject {
  return {
    state: stateToJson(p.state),
    uploaded: p.uploaded,
    ...(p.uploading ? { uploading: p.uploading } : {}),
    ...(p.objectLock !== undefined ? { objectLock: p.objectLock } : {}),
  };
}

function filesOf(state: BuildState): string[] {
  return Object.keys(state.files)
    .filter((name) => (state.files[name] ?? 0) > 0)
    .sort();
}

function outputsOf(params: S3ManifestParams, prefix: string, p: Progress): Record<string, Json> {
  const manifest = manifestOf(params, prefix, p);
  return { ...manifest, manifest } as unknown as Record<string, Json>;
}

function markerPositions(counts: Record<string, number>, prefix: string, etag: (name: string) => string) {
  return Object.keys(counts)
    .map(Number)
    .sort((a, b) => a - b)
    .map((position) => {
      const file = markersAtFile(position);
      return { position, key: prefix + file, etag: etag(file), count: counts[String(position)]! };
    });
}

function manifestOf(params: S3ManifestParams, prefix: string, p: Progress): Manifest {
  const { state, uploaded } = p;
  const etag = (name: string) => uploaded[name] ?? "";
  const waves = manifestWaves(state, prefix, etag);
  const { archived: _archived, ...totals } = state.totals;
  return {
    manifestBucket: params.manifestBucket,
    sourceBucket: params.bucket,
    prefix,
    waves,
    deleteMarkers:
      state.markers.count > 0
        ? {
            key: prefix + MARKERS_FILE,
            etag: etag(MARKERS_FILE),
            ...state.markers,
            ...(state.markerPositions ? { positions: markerPositions(state.markerPositions, prefix, etag) } : {}),
          }
        : null,
    large: state.large.count > 0 ? { key: prefix + LARGE_FILE, etag: etag(LARGE_FILE), ...state.large } : null,
    totals,
    ...(p.objectLock ? { objectLock: true } : {}),
  };
}

export const s3Manifest = defineStep<S3ManifestParams>({
  type: "s3.manifest",
  description:
    "List every version of a bucket into S3 Batch Operations CSV manifests (one wave per version rank, delete markers and >5 GB objects apart).",
  params: s3ManifestParams,
  outputs: MANIFEST_OUTPUTS,
  accountParams: { single: ["sourceAccount"] },
  bucketOwners: [{ bucket: "bucket", owner: "sourceAccount" }, { bucket: "manifestBucket" }],

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<S3ManifestParams>(s3ManifestParams, raw);
    const prefix = taskPrefix(ctx);
    const target = `s3://${describeValue(params.manifestBucket)}/${prefix}`;
    if (!known(params.bucket)) {
      return {
        action: "create",
        summary: `manifest of ${describeValue(params.bucket)} into ${target}`,
        resources: [target],
        preconditions: problems,
      };
    }
    if (params.prefix !== undefined && !known(params.prefix)) {
      // The keys come from an earlier task (an ElastiCache export's files): nothing to list yet, and listing
      // the whole bucket instead would count what this manifest will not hold.
      return {
        action: "create",
        summary: `manifest of s3://${params.bucket}/${describeValue(params.prefix)}: what an earlier step writes there, into ${target}`,
        resources: [target],
        preconditions: problems,
        predictedOutputs: {
          sourceBucket: params.bucket,
          prefix,
          ...(known(params.manifestBucket) ? { manifestBucket: params.manifestBucket } : {}),
        },
      };
    }
    const alias = known(params.sourceAccount) ? params.sourceAccount : ctx.account.alias;
    const limit = known(params.planListLimit) ? params.planListLimit : DEFAULT_PLAN_LIST_LIMIT;
    const { sample, problems: found } = await samplePlan(ctx.aws, alias, params.bucket, {
      ...(known(params.prefix) ? { prefix: params.prefix } : {}),
      limit,
      missing: "later",
    });
    problems.push(...found);
    const predicted: Record<string, Json> = { sourceBucket: params.bucket, prefix };
    if (known(params.manifestBucket)) predicted.manifestBucket = params.manifestBucket;
    if (sample?.complete) {
      predicted.totals = {
        versions: sample.versions,
        deleteMarkers: sample.deleteMarkers,
        bytes: sample.bytes,
        keys: sample.keys,
        waves: sample.maxVersionsPerKey,
      };
    }
    return {
      action: "create",
      summary: `manifest of s3://${params.bucket}: ${sample ? describeSample(sample) : "not listable yet"}; ${sample?.maxVersionsPerKey ?? "?"} wave(s) into ${target}`,
      resources: [target],
      preconditions: problems,
      ...(sample ? { estimate: { sizeGb: sample.bytes / 1e9, note: describeSample(sample) } } : {}),
      predictedOutputs: predicted,
      observations: sample ? { sample: { ...sample } } : {},
    };
  },

  async run(ctx, params) {
    const prefix = taskPrefix(ctx);
    const dir = join(tmpdir(), "hikkoshi-manifest", ctx.token());
    const alias = ctx.account.alias;
    let progress = loadProgress(ctx.progress);
    if (progress?.state.listed && filesOf(progress.state).every((name) => progress?.uploaded[name] !== undefined)) {
      return outputsOf(params, prefix, progress);
    }
    let spill = progress ? Spill.restore(dir, progress.state.files) : undefined;
    if (!progress || !spill) {
      // Nothing saved, or the spill files are gone (another machine, tmp cleaned): list from the start.
      spill = Spill.fresh(dir);
      progress = { state: emptyState(), uploaded: {} };
    }
    const p = progress;
    const save = () => ctx.saveProgress(toJson(p));
    if (p.uploading) {
      await abortUpload(ctx.aws, alias, params.manifestBucket, p.uploading.key, p.uploading.uploadId);
      delete p.uploading;
      save();
    }

    if (p.objectLock === undefined) {
      const lock = await objectLockEnabled(ctx.aws, params.sourceAccount ?? alias, params.bucket);
      // Not allowed to look: the copy cannot know, verify at full depth will.
      if (lock === "unreadable") {
        ctx.log.warn(
          `cannot read the Object Lock configuration of ${params.bucket} (s3:GetBucketObjectLockConfiguration): retention is not carried`,
        );
      }
      p.objectLock = lock === true;
      save();
    }
    if (!p.state.listed) {
      await buildManifest({
        aws: ctx.aws,
        alias: params.sourceAccount ?? alias,
        bucket: params.bucket,
        ...(params.prefix ? { prefix: params.prefix } : {}),
        spill,
        state: p.state,
        signal: ctx.signal,
        checkpointEvery: params.checkpointEntries,
        pageSize: params.listPageSize,
        concurrency: params.listConcurrency,
        onCheckpoint: save,
      });
      ctx.log.info(`listed ${p.state.totals.versions} versions of s3://${params.bucket}`);
    }

    for (const name of filesOf(p.state)) {
      if (p.uploaded[name] !== undefined) continue;
      ctx.signal.throwIfAborted();
      const key = prefix + name;
      const etag = await uploadFile(ctx.aws, alias, params.manifestBucket, key, spill.path(name), {
        onUploadId: (uploadId) => {
          p.uploading = { key, uploadId };
          save();
        },
      });
      delete p.uploading;
      p.uploaded[name] = etag;
      save();
    }
    spill.remove();
    return outputsOf(params, prefix, p);
  },
});
