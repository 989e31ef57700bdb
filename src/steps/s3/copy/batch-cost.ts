/**
 * Cost and duration estimates for the plan. Prices are parameters: the defaults are the commonly quoted
 * list prices (AWS-FACTS calls the Batch Operations figures unconfirmed); durations are heuristics.
 */
import { z } from "zod";
import { formatBytes } from "../../../core/bytes.js";

export const pricingParams = {
  jobFeeUsd: z
    .number()
    .nonnegative()
    .default(0.25)
    .describe("S3 Batch Operations fee per job, USD (list price $0.25; check your region)."),
  perMillionTasksUsd: z
    .number()
    .nonnegative()
    .default(1.0)
    .describe("S3 Batch Operations fee per million object operations, USD (list price $1.00)."),
  copyRequestsPer1000Usd: z
    .number()
    .nonnegative()
    .default(0.005)
    .describe("Price of 1,000 PUT/COPY requests in the destination, USD (S3 Standard list price $0.005)."),
};

export interface Pricing {
  jobFeeUsd: number;
  perMillionTasksUsd: number;
  copyRequestsPer1000Usd: number;
}

export const DEFAULT_PRICING: Pricing = { jobFeeUsd: 0.25, perMillionTasksUsd: 1.0, copyRequestsPer1000Usd: 0.005 };

/** Heuristics: a job spends minutes preparing; then a few hundred tasks per second. */
const JOB_OVERHEAD_SECONDS = 120;
const BATCH_TASKS_PER_SECOND = 300;
/** Direct engine: ~20 small copies per second per worker, server-side copies at ~100 MB/s per worker. */
const DIRECT_COPIES_PER_WORKER_SECOND = 20;
const DIRECT_BYTES_PER_WORKER_SECOND = 100e6;
/** A multipart copy of a large object: parts in parallel (4), ~100 MB/s each. */
const LARGE_BYTES_PER_SECOND = 400e6;

export interface Estimate {
  jobs: number;
  tasks: number;
  requests: number;
  costUsd: number;
  durationSeconds: number;
  note: string;
}

function usd(n: number): string {
  return `$${n < 10 ? n.toFixed(2) : Math.round(n).toLocaleString("en-US")}`;
}

export function batchEstimate(
  waves: number,
  tasks: number,
  largeBytes: number,
  largeCount: number,
  pricing: Pricing,
): Estimate {
  const jobs = waves;
  const largeRequests = largeCount * 3 + Math.ceil(largeBytes / (512 * 1024 * 1024));
  const requests = tasks + largeRequests;
  const costUsd =
    jobs * pricing.jobFeeUsd +
    (tasks / 1e6) * pricing.perMillionTasksUsd +
    (requests / 1000) * pricing.copyRequestsPer1000Usd;
  const durationSeconds = Math.round(
    jobs * JOB_OVERHEAD_SECONDS + tasks / BATCH_TASKS_PER_SECOND + largeBytes / LARGE_BYTES_PER_SECOND,
  );
  return {
    jobs,
    tasks,
    requests,
    costUsd,
    durationSeconds,
    note: `${jobs} Batch Operations job(s), ${tasks.toLocaleString("en-US")} tasks: ~${usd(costUsd)} (${usd(pricing.jobFeeUsd)}/job + ${usd(pricing.perMillionTasksUsd)}/M tasks + ${usd(pricing.copyRequestsPer1000Usd)}/1,000 copies; data transfer not included)`,
  };
}

export function directEstimate(
  copies: number,
  bytes: number,
  largeBytes: number,
  largeCount: number,
  concurrency: number,
  pricing: Pricing,
): Estimate {
  const requests = copies + largeCount * 3 + Math.ceil(largeBytes / (512 * 1024 * 1024));
  const costUsd = (requests / 1000) * pricing.copyRequestsPer1000Usd;
  const durationSeconds = Math.round(
    Math.max(
      copies / (concurrency * DIRECT_COPIES_PER_WORKER_SECOND),
      bytes / (concurrency * DIRECT_BYTES_PER_WORKER_SECOND),
    ) +
      largeBytes / LARGE_BYTES_PER_SECOND,
  );
  return {
    jobs: 0,
    tasks: 0,
    requests,
    costUsd,
    durationSeconds,
    note: `${requests.toLocaleString("en-US")} copy requests (${formatBytes(bytes + largeBytes)}) by hikkoshi, ${concurrency} at a time: ~${usd(costUsd)}`,
  };
}
