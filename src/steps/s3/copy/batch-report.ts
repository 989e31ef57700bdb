/**
 * Reading a Batch Operations completion report: `<prefix>/job-<id>/manifest.json` lists the result
 * CSVs (`Results[].Key`, with `TaskExecutionStatus`) and names their columns in `ReportSchema`; rows
 * carry URL-encoded keys. Failed rows are streamed to the caller (to build a retry manifest) and the
 * first few are kept for the error message.
 */

import { s3 } from "../../../aws/sdk.js";
import { HikkoshiError } from "../../../core/errors.js";
import type { AwsReader } from "../../define.js";
import { orUndefined } from "../../shared/observe.js";
import { decodeKey, parseCsvLine } from "../manifest/csv.js";
import { readLines } from "../manifest/io.js";

export interface TaskFailure {
  bucket: string;
  key: string;
  versionId: string;
  code: string;
  httpStatus: string;
  message: string;
}

export interface FailureSummary {
  count: number;
  first: TaskFailure[];
}

/** The column order AWS-FACTS records; a report's own ReportSchema wins when it has one (but see below). */
const DEFAULT_SCHEMA = ["Bucket", "Key", "VersionId", "TaskStatus", "HTTPStatusCode", "ErrorCode", "ResultMessage"];
const KEEP = 5;

interface ReportManifest {
  Results?: Array<{ TaskExecutionStatus?: string; Bucket?: string; Key?: string }>;
  ReportSchema?: string;
}

async function text(aws: AwsReader, alias: string, bucket: string, key: string): Promise<string | undefined> {
  const out = await orUndefined(aws.read(alias, "s3", new s3.GetObjectCommand({ Bucket: bucket, Key: key })));
  const body = out?.Body as { transformToString?: () => Promise<string> } | undefined;
  return body?.transformToString ? body.transformToString() : undefined;
}

async function findManifestKey(
  aws: AwsReader,
  alias: string,
  bucket: string,
  prefix: string,
  jobId: string,
): Promise<string | undefined> {
  const out = await aws.read(
    alias,
    "s3",
    new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix.replace(/\/$/, "")}/job-${jobId}/` }),
  );
  return out.Contents?.map((o) => o.Key ?? "").find((k) => k.endsWith("/manifest.json"));
}

function bucketName(value: string): string {
  return value.replace(/^arn:[^:]+:s3:::/, "");
}

/** Every failed task of a finished job, streamed to `onFailure`. */
export async function collectFailures(
  aws: AwsReader,
  alias: string,
  report: { bucket: string; prefix: string },
  jobId: string,
  onFailure: (f: TaskFailure) => void,
): Promise<FailureSummary> {
  const base = `${report.prefix.replace(/\/$/, "")}/job-${jobId}/manifest.json`;
  let raw = await text(aws, alias, report.bucket, base);
  if (raw === undefined) {
    const found = await findManifestKey(aws, alias, report.bucket, report.prefix, jobId);
    if (found) raw = await text(aws, alias, report.bucket, found);
  }
  if (raw === undefined) {
    throw new HikkoshiError(
      "BATCH_REPORT_NOT_FOUND",
      `the completion report of job ${jobId} is not in s3://${report.bucket}/${base}`,
      {
        hint: "the Batch Operations role needs s3:PutObject on the report bucket; the failed tasks cannot be retried without the report",
        resource: jobId,
      },
    );
  }
  const manifest = JSON.parse(raw) as ReportManifest;
  const schema = manifest.ReportSchema ? manifest.ReportSchema.split(",").map((c) => c.trim()) : DEFAULT_SCHEMA;
  const col = (name: string) => schema.indexOf(name);
  const [iBucket, iKey, iVersion, iStatus, iHttp, iCode, iMessage] = [
    col("Bucket"),
    col("Key"),
    col("VersionId"),
    col("TaskStatus"),
    col("HTTPStatusCode"),
    col("ErrorCode"),
    col("ResultMessage"),
  ];
  const summary: FailureSummary = { count: 0, first: [] };
  for (const result of manifest.Results ?? []) {
    if (!result.Key || (result.TaskExecutionStatus && result.TaskExecutionStatus !== "failed")) continue;
    const bucket = result.Bucket ? bucketName(result.Bucket) : report.bucket;
    for await (const { line } of readLines(aws, alias, bucket, result.Key)) {
      if (line === "") continue;
      const cells = parseCsvLine(line);
      const at = (i: number) => (i >= 0 ? (cells[i] ?? "") : "");
      if (at(iStatus).toLowerCase() === "succeeded") continue;
      // AWS's ReportSchema names ErrorCode before HTTPStatusCode while its rows carry the status first:
      // whichever of the two is a 3-digit number is the status.
      let [code, httpStatus] = [at(iCode), at(iHttp)];
      if (/^\d{3}$/.test(code) && !/^\d{3}$/.test(httpStatus)) [code, httpStatus] = [httpStatus, code];
      const failure: TaskFailure = {
        bucket: at(iBucket),
        key: decodeKey(at(iKey)),
        versionId: at(iVersion),
        code,
        httpStatus,
        message: at(iMessage),
      };
      summary.count++;
      if (summary.first.length < KEEP) summary.first.push(failure);
      onFailure(failure);
    }
  }
  return summary;
}

export function describeFailures(first: TaskFailure[]): string {
  return first
    .map((f) =>
      `${f.key}${f.versionId ? `?versionId=${f.versionId}` : ""}: ${f.code || f.httpStatus} ${f.message}`.trim(),
    )
    .join("; ");
}
