/**
 * One wave through S3 Batch Operations, as a chain of jobs checkpointed in the task's progress:
 * jobs[0] copies the wave's manifest; when tasks fail, the next job copies a manifest of just those
 * (from the completion report). A run retries failed tasks once; a job that itself fails (role, manifest)
 * is reported and re-created with a new token on resume, but only when none of its tasks succeeded —
 * re-copying tasks that succeeded would add versions. A wave split by storage class runs one chain per
 * class (each job copies in its class); STANDARD keeps the tokens it had before classes existed.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HikkoshiError } from "../../../core/errors.js";
import type { RunContext } from "../../define.js";
import { waveRow } from "../manifest/csv.js";
import { uploadFile } from "../manifest/io.js";
import { Spill } from "../manifest/spill.js";
import { STANDARD, type WavePart } from "../manifest/types.js";
import { describeJob, ensureJob, type JobRef, type JobResult, type JobSpec, jobFailed, waitJob } from "./batch-job.js";
import { collectFailures, describeFailures } from "./batch-report.js";

export interface ChainJob extends JobRef {
  kind: "wave" | "retry";
  key: string;
  /** Empty until the (retry) manifest is uploaded. */
  etag: string;
  ended?: "failed-job" | "failed-tasks";
  result?: JobResult;
}

export interface WaveProgress {
  jobs: ChainJob[];
  done?: WaveResult;
}

export interface WaveResult {
  wave: number;
  /** Only for a class other than STANDARD. */
  storageClass?: string;
  jobId: string;
  status: string;
  succeeded: number;
  failed: number;
  retryJobIds: string[];
}

export interface BatchSettings {
  destinationBucket: string;
  roleArn: string;
  manifestBucket: string;
  reportBucket: string;
  /** The task's key prefix (`hikkoshi/<runbook>/<run+task>/`). */
  prefix: string;
  timeoutMs: number;
}

/** Deterministic per wave, chain position and class; unchanged for STANDARD (runs resume as before). */
export function tokenSuffix(wave: number, kind: ChainJob["kind"], index: number, storageClass = STANDARD): string {
  const cls = storageClass === STANDARD ? "" : `-${storageClass}`;
  if (index === 0) return `wave-${wave}${cls}`;
  if (index === 1 && kind === "retry") return `retry-${wave}${cls}`;
  return `${kind}-${wave}-${index}${cls}`;
}

function nextJob(ctx: RunContext, part: WavePart, jobs: ChainJob[], kind: ChainJob["kind"], key: string, etag: string) {
  const token = ctx.token(tokenSuffix(part.index, kind, jobs.length, part.storageClass));
  const job: ChainJob = { kind, key, etag, token };
  jobs.push(job);
  return job;
}

/** The failed tasks of `source` as a new manifest in the manifest bucket; returns its ETag and size. */
async function retryManifest(ctx: RunContext, s: BatchSettings, source: ChainJob, job: ChainJob) {
  const spill = Spill.fresh(join(tmpdir(), "hikkoshi-retry", job.token));
  try {
    const summary = await collectFailures(
      ctx.aws,
      ctx.account.alias,
      { bucket: s.reportBucket, prefix: `${s.prefix}reports` },
      source.jobId ?? "",
      (f) => spill.write("retry.csv", waveRow(f.bucket, f.key, f.versionId)),
    );
    spill.flush();
    if (summary.count === 0) return { etag: "", count: 0, summary };
    const etag = await uploadFile(ctx.aws, ctx.account.alias, s.manifestBucket, job.key, spill.path("retry.csv"));
    return { etag, count: summary.count, summary };
  } finally {
    spill.remove();
  }
}

export async function runBatchWave(
  ctx: RunContext,
  s: BatchSettings,
  wave: WavePart,
  wp: WaveProgress,
  save: () => void,
): Promise<WaveResult> {
  if (wp.done) return wp.done;
  const n = wave.index;
  const classed = wave.storageClass !== STANDARD;
  const cls = classed ? `-${wave.storageClass}` : "";
  if (wp.jobs.length === 0) {
    nextJob(ctx, wave, wp.jobs, "wave", wave.key, wave.etag);
    save();
  }
  let retried = false;
  for (;;) {
    let job = wp.jobs[wp.jobs.length - 1]!;
    if (job.ended === "failed-job") {
      job = nextJob(ctx, wave, wp.jobs, job.kind, job.key, job.etag);
      save();
    } else if (job.ended === "failed-tasks" || (job.result && job.result.failed > 0)) {
      const source = job;
      job = nextJob(
        ctx,
        wave,
        wp.jobs,
        "retry",
        `${s.prefix}retry/wave-${String(n).padStart(6, "0")}${cls}-${wp.jobs.length}.csv`,
        "",
      );
      save();
      retried = true;
      const made = await retryManifest(ctx, s, source, job);
      if (made.count === 0) {
        throw new HikkoshiError(
          "BATCH_REPORT_EMPTY",
          `job ${source.jobId} reported failed tasks but its report lists none`,
          {
            resource: source.jobId ?? "",
          },
        );
      }
      job.etag = made.etag;
      save();
    }
    if (job.etag === "") {
      // A retry manifest whose upload a crash cut short: rebuild it from the job before.
      const source = wp.jobs[wp.jobs.length - 2]!;
      job.etag = (await retryManifest(ctx, s, source, job)).etag;
      save();
    }
    const what = `wave ${n}${classed ? ` (${wave.storageClass})` : ""}${job.kind === "retry" ? " (retry of failed tasks)" : ""}`;
    const spec: JobSpec = {
      description: `hikkoshi ${ctx.taskId} ${what}`,
      manifestBucket: s.manifestBucket,
      manifestKey: job.key,
      manifestEtag: job.etag,
      destinationBucket: s.destinationBucket,
      roleArn: s.roleArn,
      reportBucket: s.reportBucket,
      reportPrefix: `${s.prefix}reports`,
      ...(classed ? { storageClass: wave.storageClass } : {}),
    };
    const jobId = await ensureJob(ctx, job, spec, save);
    const result = job.result ?? (await waitJob(ctx, jobId, what, s.timeoutMs));
    job.result = result;
    if (result.status !== "Complete") {
      const error = jobFailed(result, await describeJob(ctx, jobId), what);
      if (result.succeeded > 0) {
        throw new HikkoshiError(
          "BATCH_JOB_PARTIAL",
          `${error.message}; ${result.succeeded} task(s) had already succeeded`,
          {
            hint: "re-running the job would copy those versions twice: fix the cause, delete the destination's copies of this wave (or the destination) and run again",
            resource: jobId,
          },
        );
      }
      job.ended = "failed-job";
      save();
      throw error;
    }
    save();
    if (result.failed === 0) {
      const first = wp.jobs[0]!;
      wp.done = {
        wave: n,
        ...(classed ? { storageClass: wave.storageClass } : {}),
        jobId: first.jobId ?? jobId,
        status: "Complete",
        succeeded: wp.jobs.reduce((sum, j) => sum + (j.result?.succeeded ?? 0), 0),
        failed: 0,
        retryJobIds: wp.jobs.slice(1).flatMap((j) => (j.jobId ? [j.jobId] : [])),
      };
      save();
      return wp.done;
    }
    if (retried) {
      const { first, count } = await collectFailures(
        ctx.aws,
        ctx.account.alias,
        { bucket: s.reportBucket, prefix: `${s.prefix}reports` },
        jobId,
        () => {},
      );
      job.ended = "failed-tasks";
      save();
      throw new HikkoshiError(
        "BATCH_TASKS_FAILED",
        `${what}: ${count || result.failed} task(s) still failed after a retry: ${describeFailures(first)}`,
        {
          hint: "fix the cause (permissions on the source objects, KMS keys, archived objects) and resume: only the failed tasks are copied again",
          resource: jobId,
        },
      );
    }
  }
}
