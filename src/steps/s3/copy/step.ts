/**
 * What s3.copy and s3.batch-copy share: the plan (counts, engine and why, cost, duration, role and
 * bucket checks) and the run (engine fixed on the first attempt, waves in order, outputs).
 */
import { awsCategory } from "../../../aws/errors.js";
import { s3 } from "../../../aws/sdk.js";
import { HikkoshiError } from "../../../core/errors.js";
import type { Json } from "../../../core/json.js";
import type { PlanContext, PlanResult, Precondition, RunContext } from "../../define.js";
import { describeValue, failed, known, type Planned, warning } from "../../shared/plan.js";
import { objectLockEnabled } from "../basics.js";
import { batchTotals, type Manifest, taskPrefix } from "../manifest/types.js";
import { batchEstimate, DEFAULT_PRICING, directEstimate, type Pricing } from "./batch-cost.js";
import { roleProblems } from "./batch-params.js";
import { BATCH_LOCK_REASON, chooseEngine, copyCounts } from "./plan.js";
import { copyWaves, type Engine, loadCopyProgress } from "./waves.js";

export interface CopyStepParams extends Pricing {
  manifest: Manifest;
  sourceBucket: string;
  destinationBucket: string;
  mode: "auto" | "batch" | "direct";
  roleArn?: string | undefined;
  reportBucket?: string | undefined;
  concurrency: number;
  jobTimeoutHours: number;
  sourceAccount?: string | undefined;
  readGranted?: boolean | undefined;
  autoMaxVersions: number;
  autoMaxBytes: number;
}

async function bucketProblem(ctx: PlanContext, bucket: string, role: string): Promise<Precondition | undefined> {
  try {
    await ctx.aws.read(ctx.account.alias, "s3", new s3.HeadBucketCommand({ Bucket: bucket }));
    return undefined;
  } catch (err) {
    const category = awsCategory(err);
    if (category === "not-found") return failed("S3_BUCKET_NOT_FOUND", `the ${role} bucket ${bucket} does not exist`);
    if (category === "access-denied") {
      return warning("S3_BUCKET_NOT_READABLE", `${ctx.account.alias} cannot see the ${role} bucket ${bucket}`);
    }
    throw err;
  }
}

/**
 * The direct engine reads the source as this step's account: a cross-account copy needs the source
 * bucket's policy to allow it. One HeadObject of a listed version tells.
 */
async function readProblem(
  ctx: PlanContext,
  bucket: string,
  first: { key: string; versionId: string },
): Promise<Precondition | undefined> {
  try {
    const head = new s3.HeadObjectCommand({ Bucket: bucket, Key: first.key, VersionId: first.versionId });
    await ctx.aws.read(ctx.account.alias, "s3", head);
    return undefined;
  } catch (err) {
    if (awsCategory(err) !== "access-denied") return undefined;
    const statement = {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ctx.account.id}:root` },
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"],
      Resource: `arn:aws:s3:::${bucket}/*`,
    };
    return failed(
      "S3_SOURCE_NOT_READABLE",
      `${ctx.account.alias} (${ctx.account.id}) cannot read the objects of ${bucket} (HeadObject ${first.key} denied)`,
      `add to the bucket policy of ${bucket}: ${JSON.stringify(statement)}`,
    );
  }
}

export async function planCopy(
  ctx: PlanContext,
  params: Planned<CopyStepParams>,
  problems: Precondition[],
): Promise<PlanResult> {
  const alias = known(params.sourceAccount) ? params.sourceAccount : ctx.account.alias;
  const { counts, problems: found } = await copyCounts(ctx.aws, alias, params.manifest, params.sourceBucket);
  problems.push(...found);
  const mode = known(params.mode) ? params.mode : "auto";
  const limits = {
    autoMaxVersions: known(params.autoMaxVersions) ? params.autoMaxVersions : 10_000,
    autoMaxBytes: known(params.autoMaxBytes) ? params.autoMaxBytes : 50e9,
  };
  const objectLock = await sourceObjectLock(ctx, alias, params.manifest, params.sourceBucket);
  const choice = chooseEngine(mode, counts, limits, objectLock);
  if (objectLock && choice.engine === "batch") {
    problems.push(
      failed("S3_BATCH_OBJECT_LOCK", `mode: batch, but ${BATCH_LOCK_REASON}`, "use mode: direct (or auto)"),
    );
  }
  const mayBatch = choice.engine !== "direct";
  if (mayBatch && known(params.roleArn)) problems.push(...(await roleProblems(ctx.aws, params.roleArn, ctx.account)));
  if (mayBatch && params.roleArn === undefined) {
    const code = choice.engine === "batch" ? failed : warning;
    problems.push(
      code(
        "S3_BATCH_ROLE_MISSING",
        `${choice.reason}: Batch Operations needs roleArn`,
        "give roleArn, or mode: direct",
      ),
    );
  }
  const granted = known(params.readGranted) && params.readGranted === true;
  if (choice.engine === "direct" && counts?.first && known(params.sourceBucket) && !granted) {
    const p = await readProblem(ctx, params.sourceBucket, counts.first);
    if (p) problems.push(p);
  }
  const report = known(params.reportBucket) ? params.reportBucket : undefined;
  if (mayBatch && report) {
    const p = await bucketProblem(ctx, report, "report");
    if (p) problems.push(p);
  }
  const pricing: Pricing = {
    jobFeeUsd: known(params.jobFeeUsd) ? params.jobFeeUsd : DEFAULT_PRICING.jobFeeUsd,
    perMillionTasksUsd: known(params.perMillionTasksUsd)
      ? params.perMillionTasksUsd
      : DEFAULT_PRICING.perMillionTasksUsd,
    copyRequestsPer1000Usd: known(params.copyRequestsPer1000Usd)
      ? params.copyRequestsPer1000Usd
      : DEFAULT_PRICING.copyRequestsPer1000Usd,
  };
  const concurrency = known(params.concurrency) ? params.concurrency : 8;
  const estimate = counts
    ? choice.engine === "direct"
      ? directEstimate(counts.versions, counts.bytes, counts.largeBytes, counts.large, concurrency, pricing)
      : batchEstimate(counts.waves, counts.versions, counts.largeBytes, counts.large, pricing)
    : undefined;
  const large = counts && counts.large > 0 ? `; ${counts.large} version(s) over 5 GB by multipart copy` : "";
  const classes = counts?.classes ? `; ${counts.classes}, each copy keeps its class` : "";
  const figures = counts
    ? `${counts.complete ? "" : "at least "}${counts.versions.toLocaleString("en-US")} versions in ${counts.waves} wave(s)${large}${classes}`
    : "counts known once the manifest exists";
  return {
    action: "copy",
    summary: `copy s3://${describeValue(params.sourceBucket)} → s3://${describeValue(params.destinationBucket)} (${choice.engine ?? "engine at run time"}; ${choice.reason}): ${figures}`,
    resources: [`s3://${describeValue(params.destinationBucket)}`],
    preconditions: problems,
    ...(estimate
      ? {
          estimate: {
            sizeGb: ((counts?.bytes ?? 0) + (counts?.largeBytes ?? 0)) / 1e9,
            durationSeconds: estimate.durationSeconds,
            costUsd: estimate.costUsd,
            note: `${estimate.note}; ${choice.reason}`,
          },
        }
      : { estimate: { note: choice.reason } }),
    predictedOutputs: {
      engine: choice.engine ?? { $unresolved: "decided at run time" },
      ...(known(params.sourceBucket) ? { sourceBucket: params.sourceBucket } : {}),
      ...(known(params.destinationBucket) ? { destinationBucket: params.destinationBucket } : {}),
    },
    observations: counts ? { counts: { ...counts } } : {},
  };
}

export async function runCopy(ctx: RunContext, params: CopyStepParams): Promise<Record<string, Json>> {
  const manifest = params.manifest;
  if (manifest.sourceBucket !== params.sourceBucket) {
    throw new HikkoshiError(
      "S3_MANIFEST_MISMATCH",
      `the manifest lists s3://${manifest.sourceBucket}, not the sourceBucket ${params.sourceBucket}`,
      { hint: "pass the outputs.manifest of the s3.manifest step that listed sourceBucket" },
    );
  }
  const batch = batchTotals(manifest);
  const objectLock = manifest.objectLock === true;
  const choice = chooseEngine(params.mode, { ...batch, complete: true }, params, objectLock);
  const engine: Engine = choice.engine ?? "batch";
  const progress = loadCopyProgress(ctx.progress, engine);
  if (progress.engine === "batch" && objectLock) {
    throw new HikkoshiError("S3_BATCH_OBJECT_LOCK", `mode: batch, but ${BATCH_LOCK_REASON}`, {
      hint: "use mode: direct (or auto) for this bucket",
      resource: params.sourceBucket,
    });
  }
  if (progress.engine === "batch" && !params.roleArn) {
    throw new HikkoshiError("S3_BATCH_ROLE_MISSING", `${choice.reason}: Batch Operations needs roleArn`, {
      hint: "give roleArn (an IAM role in this account that trusts batchoperations.s3.amazonaws.com), or mode: direct",
    });
  }
  ctx.log.info(`engine ${progress.engine} (${choice.reason})`);
  const save = () => ctx.saveProgress(progress as unknown as Record<string, Json>);
  save();
  const report = await copyWaves(
    ctx,
    manifest,
    {
      engine: progress.engine,
      objectLock,
      sourceBucket: params.sourceBucket,
      destinationBucket: params.destinationBucket,
      concurrency: params.concurrency,
      ...(params.roleArn
        ? {
            batch: {
              destinationBucket: params.destinationBucket,
              roleArn: params.roleArn,
              manifestBucket: manifest.manifestBucket,
              reportBucket: params.reportBucket ?? manifest.manifestBucket,
              prefix: taskPrefix(ctx),
              timeoutMs: params.jobTimeoutHours * 3_600_000,
            },
          }
        : {}),
    },
    progress,
    save,
  );
  return {
    engine: report.engine,
    reason: progress.engine === engine ? choice.reason : `engine ${progress.engine} chosen by an earlier attempt`,
    sourceBucket: params.sourceBucket,
    destinationBucket: params.destinationBucket,
    jobs: report.jobs as unknown as Json,
    copied: report.copied,
    large: report.large,
    markers: report.markers,
  };
}

/** The buckets of a copy and who owns them: the source its `sourceAccount`, the rest this step's account. */
export const COPY_BUCKET_OWNERS = [
  { bucket: "sourceBucket", owner: "sourceAccount" },
  { bucket: "destinationBucket" },
  { bucket: "manifest.manifestBucket" },
  { bucket: "reportBucket" },
] as const;

/** Object Lock on the source: from the manifest when it is known, else asked (a plan before the manifest). */
async function sourceObjectLock(
  ctx: PlanContext,
  alias: string,
  manifest: unknown,
  sourceBucket: unknown,
): Promise<boolean> {
  if (known(manifest)) return (manifest as { objectLock?: boolean }).objectLock === true;
  if (typeof sourceBucket !== "string") return false;
  try {
    return (await objectLockEnabled(ctx.aws, alias, sourceBucket)) === true;
  } catch {
    // Absent, not allowed to look or not there yet: the manifest reads it again at run time.
    return false;
  }
}
