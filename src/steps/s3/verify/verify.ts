/**
 * s3.verify: list the source and the destination side by side (one key in memory per side) and compare
 * every key's history: the same versions and delete markers in the same order, and every version's size,
 * ETag and storage class by position, whatever order either store lists entries in; at depth: full, also
 * each version's headers, metadata, checksums, encryption, Object Lock and tags (objects.ts).
 * Any mismatch fails the task (VERIFY_FAILED) with the first mismatches and the report's location, so its
 * outputs — which the destructive steps demand as `verification` — exist only for a bucket pair that matched.
 */
import { z } from "zod";
import { HikkoshiError } from "../../../core/errors.js";
import type { Json } from "../../../core/json.js";
import { defineStep, type PlanResult } from "../../define.js";
import { describeValue, known, planParams } from "../../shared/plan.js";
import { listConcurrencyParam, listKeyHistoriesParallel } from "../list/parallel.js";
import { taskPrefix } from "../manifest/types.js";
import { compareKey, type EtagMode, emptyTotals, type VersionPair } from "./compare.js";
import { bucketKmsKey, verifyPlanNotes } from "./depth.js";
import { mergeByKey } from "./merge.js";
import { objectComparer } from "./objects.js";
import { describeMismatches, MismatchReport } from "./report.js";

export const s3VerifyParams = z.strictObject({
  source: z.string().min(3).max(63).describe("Bucket copied from."),
  destination: z.string().min(3).max(63).describe("Bucket copied to."),
  manifestBucket: z
    .string()
    .min(3)
    .max(63)
    .optional()
    .describe("Bucket of this step's account for the report (mismatches CSV + summary JSON)."),
  prefix: z.string().optional().describe("Compare only keys under this prefix (as the manifest did)."),
  sourceAccount: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Account alias that owns the source: it lists it, with ExpectedBucketOwner (default: the step's account lists it, owner unchecked).",
    ),
  destinationAccount: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Account alias that owns the destination: it lists it, with ExpectedBucketOwner (default: the step's account lists it, owner unchecked).",
    ),
  depth: z
    .enum(["full", "listing"])
    .default("full")
    .describe(
      "full: also HEAD every version on both sides (and read the tags of tagged ones) to compare headers, user metadata, checksums, encryption, Object Lock and tags; listing: only what the listing carries (sequence, size, ETag, storage class).",
    ),
  concurrency: z.number().int().min(1).max(128).default(16).describe("Per-object requests in flight (depth: full)."),
  listConcurrency: listConcurrencyParam,
  etags: z
    .enum(["compare", "size-only"])
    .default("compare")
    .describe(
      "size-only when ETags cannot match (e.g. the destination encrypts with SSE-KMS: its ETags are not MD5s). Multipart ETags are always compared by size.",
    ),
});
export type S3VerifyParams = z.infer<typeof s3VerifyParams>;

export const s3Verify = defineStep<S3VerifyParams>({
  type: "s3.verify",
  description:
    "Compare two buckets version by version; fails on any mismatch (a passed verify gates the destructive S3 steps).",
  params: s3VerifyParams,
  outputs: {
    passed: "true (the task fails otherwise)",
    source: "the bucket that was verified as copied",
    destination: "the bucket it was compared with",
    keys: "keys with at least one version",
    versions: "versions compared",
    bytes: "bytes of all versions",
    deleteMarkers: "delete markers in the source",
    etagsCompared: "versions whose ETags matched",
    sizeOnly: "versions compared by size only (multipart ETags, or etags: size-only)",
    reportKey: "key of the mismatch report in manifestBucket (null without one)",
    depth: "full (headers, metadata, checksums, encryption, Object Lock and tags compared per version) or listing",
    headRequests: "HeadObject requests made (depth: full)",
    tagRequests: "GetObjectTagging requests made (versions with tags, depth: full)",
  },
  accountParams: { single: ["sourceAccount", "destinationAccount"] },
  bucketOwners: [
    { bucket: "source", owner: "sourceAccount" },
    { bucket: "destination", owner: "destinationAccount" },
    { bucket: "manifestBucket" },
  ],

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<S3VerifyParams>(s3VerifyParams, raw);
    const report = known(params.manifestBucket)
      ? `; report to s3://${params.manifestBucket}/${taskPrefix(ctx)}verify/`
      : "";
    const depth = await verifyPlanNotes(ctx, {
      depth: params.depth === "listing" ? "listing" : "full",
      source: known(params.source) ? params.source : undefined,
      sourceAlias: known(params.sourceAccount) && params.sourceAccount ? params.sourceAccount : ctx.account.alias,
      concurrency: known(params.concurrency) ? params.concurrency : 16,
    });
    return {
      action: "noop",
      summary: `verify s3://${describeValue(params.destination)} against s3://${describeValue(params.source)}${report}; ${depth.note}`,
      ...(depth.durationSeconds !== undefined
        ? {
            estimate: {
              durationSeconds: depth.durationSeconds,
              ...(depth.costUsd !== undefined ? { costUsd: depth.costUsd } : {}),
            },
          }
        : {}),
      resources: [`s3://${describeValue(params.source)}`, `s3://${describeValue(params.destination)}`],
      preconditions: problems,
      predictedOutputs: {
        passed: true,
        ...(known(params.source) ? { source: params.source } : {}),
        ...(known(params.destination) ? { destination: params.destination } : {}),
      },
    };
  },

  async run(ctx, params) {
    const totals = emptyTotals();
    const report = new MismatchReport(ctx.token("verify"));
    // Each side is listed over key ranges at once (the manifest's listing): keys still come in key order.
    const list = (alias: string | undefined, bucket: string) =>
      listKeyHistoriesParallel(ctx.aws, alias ?? ctx.account.alias, bucket, {
        ...(params.prefix ? { prefix: params.prefix } : {}),
        concurrency: params.listConcurrency,
        signal: ctx.signal,
      });
    const mode: EtagMode = params.etags;
    try {
      const pairs = mergeByKey(
        list(params.sourceAccount, params.source),
        list(params.destinationAccount, params.destination),
      );
      const objects =
        params.depth === "full"
          ? objectComparer({
              aws: ctx.aws,
              source: { alias: params.sourceAccount ?? ctx.account.alias, bucket: params.source },
              destination: { alias: params.destinationAccount ?? ctx.account.alias, bucket: params.destination },
              concurrency: params.concurrency,
              destinationKmsKey: await bucketKmsKey(
                ctx,
                params.destinationAccount ?? ctx.account.alias,
                params.destination,
              ),
              report: (m) => report.add(m),
              signal: ctx.signal,
            })
          : undefined;
      for await (const pair of pairs) {
        const versions: VersionPair[] = [];
        for (const m of compareKey(pair.key, pair.source, pair.destination, totals, mode, (v) => versions.push(v))) {
          report.add(m);
        }
        if (objects) for (const v of versions) await objects.add(v);
      }
      const perObject = await objects?.drain();
      const where = params.manifestBucket
        ? await report.upload(ctx, params.manifestBucket, taskPrefix(ctx), {
            source: params.source,
            destination: params.destination,
            totals,
          })
        : undefined;
      if (report.count > 0) {
        const at = where ? ` Report: s3://${params.manifestBucket}/${where.csv}` : "";
        throw new HikkoshiError(
          "VERIFY_FAILED",
          `s3://${params.destination} does not match s3://${params.source}: ${report.count} mismatch(es), first: ${describeMismatches(report.first)}.${at}`,
          {
            hint: "the source stays untouched. Find the cause (a copy that failed, writes to either bucket during the move), fix the destination and resume: verify runs again",
            resource: params.destination,
          },
        );
      }
      if (totals.sizeOnly > 0) {
        ctx.log.info(`${totals.sizeOnly} version(s) compared by size only (multipart ETags or etags: size-only)`);
      }
      const outputs: Record<string, Json> = {
        passed: true,
        source: params.source,
        destination: params.destination,
        keys: totals.source.keys,
        versions: totals.source.versions,
        bytes: totals.source.bytes,
        deleteMarkers: totals.source.deleteMarkers,
        etagsCompared: totals.etagsCompared,
        sizeOnly: totals.sizeOnly,
        reportKey: where?.csv ?? null,
        depth: params.depth,
        headRequests: perObject?.heads ?? 0,
        tagRequests: perObject?.tagReads ?? 0,
      };
      return outputs;
    } finally {
      report.remove();
    }
  },
});
