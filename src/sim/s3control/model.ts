/**
 * S3 Batch Operations jobs. A job is data plus its timeline: nothing runs on timers; `settleJobs` brings
 * every job up to the virtual time of the next call (tasks due by then are executed, in the job's shuffled
 * order, each at its own virtual instant).
 */
import type { BatchCopySpec } from "./copy-spec.js";

export type JobStatus = "New" | "Preparing" | "Suspended" | "Ready" | "Active" | "Complete" | "Failed" | "Cancelled";

export const TERMINAL: ReadonlySet<JobStatus> = new Set(["Complete", "Failed", "Cancelled"]);

export interface JobReportSpec {
  enabled: boolean;
  bucket?: string;
  prefix?: string;
  scope: "AllTasks" | "FailedTasksOnly";
}

export interface TaskFailure {
  httpStatus: number;
  code: string;
  message: string;
}

export interface Job {
  id: string;
  arn: string;
  account: string;
  region: string;
  token: string;
  description?: string;
  priority: number;
  roleArn: string;
  confirmationRequired: boolean;
  createdAt: number;
  /** When Preparing ends (the manifest has been read). */
  preparedAt: number;
  /** When tasks start running (undefined while waiting for confirmation). */
  activeAt?: number;
  finishedAt?: number;
  status: JobStatus;
  statusUpdateReason?: string;
  failureReasons: { code: string; reason: string }[];
  /** Target bucket name of S3PutObjectCopy. */
  targetBucket: string;
  /** What S3PutObjectCopy asks of every copy (key prefix, class, metadata, tags, checksum, Object Lock). */
  copy: BatchCopySpec;
  /** The request's Operation / Manifest / Report elements, answered back by DescribeJob. */
  operationXml: string;
  manifestXml: string;
  reportXml: string;
  report: JobReportSpec;
  fields: string[];
  /** Manifest rows (still URL-encoded) and the order the tasks run in (a seeded shuffle). */
  rows: string[];
  order: Uint32Array;
  /** Tasks executed so far (positions in `order`). */
  done: number;
  /** Per row: 0 pending, 1 succeeded, 2 failed. */
  outcome: Uint8Array;
  failures: Map<number, TaskFailure>;
  succeeded: number;
  failed: number;
  /** Set when the manifest could not be read: the job fails when Preparing ends. */
  manifestProblem?: string;
  reportKeys: string[];
}

export interface S3ControlState {
  jobs: Map<string, Job>;
  /** `${account}\0${token}` → job id: the same token from the same account is the same job. */
  tokens: Map<string, string>;
}

export function emptyS3ControlState(): S3ControlState {
  return { jobs: new Map(), tokens: new Map() };
}

export const BATCH_SERVICE = "batchoperations.s3.amazonaws.com";
export const S3CONTROL_XMLNS = "http://awss3control.amazonaws.com/doc/2018-08-20/";
