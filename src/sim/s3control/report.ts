import { digest } from "../ids.js";
import { BytesBody, md5, singlePartEtag } from "../s3/body.js";
import { writeVersion } from "../s3/common.js";
import type { World } from "../world.js";
import type { Job } from "./model.js";

/** AWS's manifest.json says "ErrorCode, HTTPStatusCode" but its rows carry the HTTP status first. */
const REPORT_SCHEMA = "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage";

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A row of the completion report: the manifest's bucket, key (still URL-encoded) and version, then the result. */
function reportLine(job: Job, row: number): string {
  const cells = (job.rows[row] ?? "").split(",");
  const at = (name: string) => {
    const i = job.fields.indexOf(name);
    return i < 0 ? "" : (cells[i] ?? "");
  };
  const failure = job.failures.get(row);
  const result = failure
    ? ["failed", String(failure.httpStatus), failure.code, failure.message]
    : ["succeeded", "200", "", "Successful"];
  return [at("Bucket"), at("Key"), at("VersionId"), ...result].map(csvCell).join(",");
}

/**
 * The completion report as AWS lays it out: `<prefix>/job-<id>/results/<hash>.csv` per task status
 * (only failures for FailedTasksOnly), and `<prefix>/job-<id>/manifest.json` listing them with their MD5.
 */
export function writeReport(world: World, job: Job, at: number, writer: string): void {
  if (!job.report.enabled || job.report.bucket === undefined) return;
  const bucket = world.s3.buckets.get(job.report.bucket);
  if (!bucket) return;
  const base = `${job.report.prefix ? `${job.report.prefix.replace(/\/+$/, "")}/` : ""}job-${job.id}`;
  const put = (key: string, text: string) => {
    const body = new BytesBody(Buffer.from(text, "utf8"));
    writeVersion(world, bucket, {
      key,
      deleteMarker: false,
      body,
      size: body.size,
      etag: singlePartEtag(body),
      lastModified: at,
      contentType: key.endsWith(".json") ? "application/json" : "text/csv",
      sse: { algorithm: "AES256" },
      owner: writer,
    });
    return md5(body.bytes);
  };
  const results: { TaskExecutionStatus: string; Bucket: string; MD5Checksum: string; Key: string }[] = [];
  const statuses = job.report.scope === "FailedTasksOnly" ? (["failed"] as const) : (["succeeded", "failed"] as const);
  for (const status of statuses) {
    const wanted = status === "succeeded" ? 1 : 2;
    const lines: string[] = [];
    for (let i = 0; i < job.done; i++) {
      const row = job.order[i]!;
      if (job.outcome[row] === wanted) lines.push(reportLine(job, row));
    }
    if (lines.length === 0) continue;
    const key = `${base}/results/${digest("report", job.id, status).slice(0, 40)}.csv`;
    const checksum = put(key, `${lines.join("\n")}\n`);
    results.push({ TaskExecutionStatus: status, Bucket: bucket.name, MD5Checksum: checksum, Key: key });
  }
  const manifest = {
    Format: "Report_CSV_20180820",
    ReportCreationDate: new Date(at).toISOString(),
    Results: results,
    ReportSchema: REPORT_SCHEMA,
  };
  put(`${base}/manifest.json`, JSON.stringify(manifest));
  job.reportKeys = [...results.map((r) => r.Key), `${base}/manifest.json`];
}
