/**
 * One S3 Batch Operations copy job: created once per token (the token is checkpointed before CreateJob
 * and the job id right after; a resume with only the token calls CreateJob again with it, which returns
 * the same job), then watched through DescribeJob in an engine-owned wait.
 */
import type { JobDescriptor, S3StorageClass } from "@aws-sdk/client-s3-control";
import { partitionOf } from "../../../aws/permissions.js";
import { s3control } from "../../../aws/sdk.js";
import { HikkoshiError } from "../../../core/errors.js";
import type { RunContext } from "../../define.js";
import { tagList } from "../../shared/ownership.js";

export interface JobRef {
  token: string;
  jobId?: string;
}

export interface JobSpec {
  description: string;
  manifestBucket: string;
  manifestKey: string;
  manifestEtag: string;
  destinationBucket: string;
  roleArn: string;
  reportBucket: string;
  reportPrefix: string;
  /** S3PutObjectCopy.StorageClass of every copy; absent = STANDARD (AWS's default, not the source's class). */
  storageClass?: string;
}

export interface JobResult {
  jobId: string;
  status: string;
  total: number;
  succeeded: number;
  failed: number;
}

const TERMINAL = new Set(["Complete", "Failed", "Cancelled"]);

export function s3Arn(region: string, bucket: string, key?: string): string {
  return `arn:${partitionOf(region)}:s3:::${bucket}${key === undefined ? "" : `/${key}`}`;
}

/** CreateJob (or the job an earlier attempt created with the same token); `save` checkpoints `ref`. */
export async function ensureJob(ctx: RunContext, ref: JobRef, spec: JobSpec, save: () => void): Promise<string> {
  if (ref.jobId) return ref.jobId;
  const region = ctx.account.region;
  const out = await ctx.aws.mutate(
    ctx.account.alias,
    "s3control",
    new s3control.CreateJobCommand({
      AccountId: ctx.account.id,
      ClientRequestToken: ref.token,
      ConfirmationRequired: false,
      Priority: 10,
      RoleArn: spec.roleArn,
      Description: spec.description.slice(0, 256),
      Operation: {
        S3PutObjectCopy: {
          TargetResource: s3Arn(region, spec.destinationBucket),
          MetadataDirective: "COPY",
          ...(spec.storageClass ? { StorageClass: spec.storageClass as S3StorageClass } : {}),
        },
      },
      Manifest: {
        Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key", "VersionId"] },
        // CreateJob wants the ETag without the quotes S3 puts around it.
        Location: { ObjectArn: s3Arn(region, spec.manifestBucket, spec.manifestKey), ETag: spec.manifestEtag },
      },
      Report: {
        Enabled: true,
        Bucket: s3Arn(region, spec.reportBucket),
        Prefix: spec.reportPrefix,
        Format: "Report_CSV_20180820",
        ReportScope: "FailedTasksOnly",
      },
      Tags: tagList(ctx.tags()),
    }),
    `${spec.description} (token ${ref.token})`,
  );
  if (!out.JobId) {
    throw new HikkoshiError("BATCH_JOB_NO_ID", `CreateJob for ${spec.description} returned no job id`);
  }
  ref.jobId = out.JobId;
  save();
  return out.JobId;
}

export async function describeJob(ctx: RunContext, jobId: string): Promise<JobDescriptor> {
  const out = await ctx.aws.read(
    ctx.account.alias,
    "s3control",
    new s3control.DescribeJobCommand({ AccountId: ctx.account.id, JobId: jobId }),
  );
  return out.Job ?? {};
}

function resultOf(jobId: string, job: JobDescriptor): JobResult {
  const p = job.ProgressSummary ?? {};
  return {
    jobId,
    status: job.Status ?? "Unknown",
    total: p.TotalNumberOfTasks ?? 0,
    succeeded: p.NumberOfTasksSucceeded ?? 0,
    failed: p.NumberOfTasksFailed ?? 0,
  };
}

function eta(done: number, total: number, activeSeconds: number | undefined): string {
  if (!activeSeconds || done === 0 || done >= total) return "";
  const seconds = Math.round(((total - done) * activeSeconds) / done);
  return seconds < 120 ? `, ~${seconds} s left` : `, ~${Math.round(seconds / 60)} min left`;
}

/** Wait until the job ends (Complete, Failed or Cancelled); percent and ETA from ProgressSummary. */
export async function waitJob(ctx: RunContext, jobId: string, what: string, timeoutMs: number): Promise<JobResult> {
  return ctx.wait<JobResult>({
    what: `${what}: Batch Operations job ${jobId}`,
    timeoutMs,
    intervalMs: 15_000,
    maxIntervalMs: 120_000,
    poll: async () => {
      const job = await describeJob(ctx, jobId);
      const r = resultOf(jobId, job);
      if (TERMINAL.has(r.status)) {
        return { done: true, value: r, percent: 100 };
      }
      const done = r.succeeded + r.failed;
      const percent = r.total > 0 ? Math.floor((100 * done) / r.total) : 0;
      const failed = r.failed > 0 ? `, ${r.failed} failed` : "";
      const suspended = r.status === "Suspended" ? " (suspended: awaiting confirmation in the S3 console)" : "";
      return {
        done: false,
        percent,
        message: `${r.status}${suspended}: ${done}/${r.total} tasks${failed}${eta(done, r.total, job.ProgressSummary?.Timers?.ElapsedTimeInActiveSeconds)}`,
      };
    },
  });
}

/** A job that ended without completing: the reasons AWS gives, as an error. */
export function jobFailed(result: JobResult, job: JobDescriptor, what: string): HikkoshiError {
  const reasons = (job.FailureReasons ?? []).map((f) => `${f.FailureCode ?? "?"}: ${f.FailureReason ?? ""}`);
  const detail =
    reasons.length > 0 ? ` (${reasons.join("; ")})` : job.StatusUpdateReason ? ` (${job.StatusUpdateReason})` : "";
  return new HikkoshiError("BATCH_JOB_FAILED", `${what}: job ${result.jobId} ended ${result.status}${detail}`, {
    hint: "check the Batch Operations role (trust batchoperations.s3.amazonaws.com, read on the source, write on the destination, read on the manifest, write on the report bucket), fix it and resume: the wave gets a new job",
    resource: result.jobId,
  });
}
