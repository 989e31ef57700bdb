import { uuidFrom } from "../ids.js";
import type { CallContext } from "../protocol/types.js";
import { esc } from "../s3/list-common.js";
import { many, parseXml, record, type S3Outcome, s3Fail, text } from "../s3/xml.js";
import { shuffledOrder } from "../shuffle.js";
import { readCopySpec } from "./copy-spec.js";
import { batchPrincipal, parseRow, readManifest } from "./manifest.js";
import { type Job, type JobReportSpec, S3CONTROL_XMLNS, TERMINAL } from "./model.js";

export interface ControlRequest {
  method: string;
  /** Path segments after /v20180820/. */
  segments: string[];
  query: URLSearchParams;
  accountHeader?: string;
  text: string;
}

export type ControlHandler = (ctx: CallContext, req: ControlRequest) => S3Outcome<string>;

const invalid = (message: string) => s3Fail("InvalidRequest", message, 400);

function element(xml: string, name: string): string {
  return new RegExp(`<${name}>[\\s\\S]*</${name}>`).exec(xml)?.[0] ?? "";
}

function bucketName(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : /^arn:aws:s3:::([^/]+)$/.exec(arn)?.[1];
}

function readReport(doc: Record<string, unknown>): S3Outcome<JobReportSpec> {
  const r = record(doc.Report);
  const enabled = text(r.Enabled) === "true";
  if (!enabled) return { ok: true, value: { enabled: false, scope: "AllTasks" } };
  const bucket = bucketName(text(r.Bucket));
  if (!bucket) return invalid("Report.Bucket must be a bucket ARN (arn:aws:s3:::name) when the report is enabled");
  if (text(r.Format) !== "Report_CSV_20180820") return invalid("Report.Format must be Report_CSV_20180820");
  const scope = text(r.ReportScope) ?? "AllTasks";
  if (scope !== "AllTasks" && scope !== "FailedTasksOnly") return invalid(`Unsupported ReportScope ${scope}`);
  return { ok: true, value: { enabled, bucket, prefix: text(r.Prefix), scope } };
}

const CreateJob: ControlHandler = (ctx, req) => {
  const doc = parseXml(req.text);
  if (!doc) return s3Fail("MalformedXML", "The XML you provided was not well-formed", 400);
  const token = text(doc.ClientRequestToken) ?? "";
  if (token === "") return invalid("ClientRequestToken is required");
  const tokenKey = `${ctx.account}\u0000${token}`;
  const existing = ctx.world.s3control.tokens.get(tokenKey);
  if (existing)
    return {
      ok: true,
      value: `<CreateJobResult xmlns="${S3CONTROL_XMLNS}"><JobId>${existing}</JobId></CreateJobResult>`,
    };

  const copy = record(record(doc.Operation).S3PutObjectCopy);
  const targetBucket = bucketName(text(copy.TargetResource));
  if (!targetBucket)
    return invalid("The simulator implements the S3PutObjectCopy operation with a bucket ARN TargetResource");
  const copySpec = readCopySpec(copy);
  if (!copySpec.ok) return copySpec;
  const priority = Number(text(doc.Priority));
  if (!Number.isInteger(priority) || priority < 0) return invalid("Priority must be an integer >= 0");
  const roleArn = text(doc.RoleArn) ?? "";
  const principal = batchPrincipal(ctx.world, roleArn);
  if (typeof principal === "string") return invalid(`S3 Batch Operations cannot assume the role: ${principal}`);
  const report = readReport(doc);
  if (!report.ok) return report;
  if (report.value.bucket !== undefined && !ctx.world.s3.buckets.has(report.value.bucket)) {
    return invalid(`The report bucket ${report.value.bucket} does not exist`);
  }
  const manifest = record(doc.Manifest);
  const spec = record(manifest.Spec);
  if (text(spec.Format) !== "S3BatchOperations_CSV_20180820")
    return invalid("Manifest.Spec.Format must be S3BatchOperations_CSV_20180820");
  const fields = many(record(spec.Fields).member).map((f) => text(f) ?? "");
  const fieldsText = fields.join(",");
  if (fieldsText !== "Bucket,Key" && fieldsText !== "Bucket,Key,VersionId") {
    return invalid(`Manifest.Spec.Fields must be Bucket,Key or Bucket,Key,VersionId (got ${fieldsText || "none"})`);
  }
  const location = record(manifest.Location);
  const objectArn = text(location.ObjectArn) ?? "";
  const read = readManifest(ctx.world, principal, objectArn, text(location.ObjectVersionId), ctx);
  if (!read.ok) return invalid(read.message);
  const givenEtag = (text(location.ETag) ?? "").replace(/"/g, "");
  if (givenEtag !== read.etag.replace(/"/g, "")) {
    return invalid(
      `The manifest ETag ${givenEtag} does not match the ETag of ${objectArn} (${read.etag.replace(/"/g, "")})`,
    );
  }
  let manifestProblem: string | undefined;
  for (const [i, row] of read.rows.entries()) {
    const task = parseRow(row, fields);
    if (typeof task === "string") {
      manifestProblem = `Reading the manifest failed at line ${i + 1}: ${task}`;
      break;
    }
  }
  const id = uuidFrom("s3-batch-job", ctx.account, ctx.region, token);
  const job: Job = {
    id,
    arn: `arn:aws:s3:${ctx.region}:${ctx.account}:job/${id}`,
    account: ctx.account,
    region: ctx.region,
    token,
    description: text(doc.Description),
    priority,
    roleArn,
    confirmationRequired: text(doc.ConfirmationRequired) === "true",
    createdAt: ctx.now,
    preparedAt: ctx.now + 1000 + ctx.world.seed.s3BatchPrepareSeconds * 1000,
    status: "New",
    failureReasons: [],
    targetBucket,
    copy: copySpec.value,
    operationXml: element(req.text, "Operation"),
    manifestXml: element(req.text, "Manifest"),
    reportXml: element(req.text, "Report"),
    report: report.value,
    fields,
    rows: read.rows,
    order: shuffledOrder(read.rows.length, "job-order", id),
    done: 0,
    outcome: new Uint8Array(read.rows.length),
    failures: new Map(),
    succeeded: 0,
    failed: 0,
    manifestProblem,
    reportKeys: [],
  };
  ctx.world.s3control.jobs.set(id, job);
  ctx.world.s3control.tokens.set(tokenKey, id);
  return { ok: true, value: `<CreateJobResult xmlns="${S3CONTROL_XMLNS}"><JobId>${id}</JobId></CreateJobResult>` };
};

function findJob(ctx: CallContext, id: string | undefined): S3Outcome<Job> {
  const job = id === undefined ? undefined : ctx.world.s3control.jobs.get(id);
  if (job && job.account === ctx.account && job.region === ctx.region) return { ok: true, value: job };
  return s3Fail("NotFoundException", `The job ${id ?? ""} does not exist`, 404);
}

const iso = (ms: number) => new Date(ms).toISOString();

export function progressXml(job: Job, now: number): string {
  const counted = job.status !== "New" && job.status !== "Preparing";
  const end = job.finishedAt ?? now;
  const elapsed = job.activeAt === undefined ? 0 : Math.max(0, Math.floor((Math.min(end, now) - job.activeAt) / 1000));
  return `<ProgressSummary><TotalNumberOfTasks>${counted ? job.rows.length : 0}</TotalNumberOfTasks><NumberOfTasksSucceeded>${job.succeeded}</NumberOfTasksSucceeded><NumberOfTasksFailed>${job.failed}</NumberOfTasksFailed><Timers><ElapsedTimeInActiveSeconds>${elapsed}</ElapsedTimeInActiveSeconds></Timers></ProgressSummary>`;
}

const DescribeJob: ControlHandler = (ctx, req) => {
  const found = findJob(ctx, req.segments[1]);
  if (!found.ok) return found;
  const j = found.value;
  const failures = j.failureReasons
    .map(
      (f) =>
        `<member><FailureCode>${esc(f.code)}</FailureCode><FailureReason>${esc(f.reason)}</FailureReason></member>`,
    )
    .join("");
  const parts = [
    `<JobId>${j.id}</JobId>`,
    `<ConfirmationRequired>${j.confirmationRequired}</ConfirmationRequired>`,
    j.description !== undefined ? `<Description>${esc(j.description)}</Description>` : "",
    `<JobArn>${j.arn}</JobArn>`,
    `<Status>${j.status}</Status>`,
    j.manifestXml,
    j.operationXml,
    `<Priority>${j.priority}</Priority>`,
    progressXml(j, ctx.now),
    j.statusUpdateReason ? `<StatusUpdateReason>${esc(j.statusUpdateReason)}</StatusUpdateReason>` : "",
    failures ? `<FailureReasons>${failures}</FailureReasons>` : "",
    j.reportXml,
    `<CreationTime>${iso(j.createdAt)}</CreationTime>`,
    TERMINAL.has(j.status) && j.finishedAt !== undefined
      ? `<TerminationDate>${iso(j.finishedAt)}</TerminationDate>`
      : "",
    `<RoleArn>${esc(j.roleArn)}</RoleArn>`,
  ];
  return {
    ok: true,
    value: `<DescribeJobResult xmlns="${S3CONTROL_XMLNS}"><Job>${parts.join("")}</Job></DescribeJobResult>`,
  };
};

const ListJobs: ControlHandler = (ctx, req) => {
  const statuses = new Set(req.query.getAll("jobStatuses"));
  const max = Math.min(1000, Number(req.query.get("maxResults") ?? 1000) || 1000);
  const start =
    Number(
      Buffer.from(req.query.get("nextToken") ?? "", "base64url")
        .toString("utf8")
        .replace(/^sim:/, ""),
    ) || 0;
  const all = [...ctx.world.s3control.jobs.values()]
    .filter(
      (j) => j.account === ctx.account && j.region === ctx.region && (statuses.size === 0 || statuses.has(j.status)),
    )
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  const page = all.slice(start, start + max);
  const next = start + max < all.length ? Buffer.from(`sim:${start + max}`).toString("base64url") : undefined;
  const members = page
    .map(
      (j) =>
        `<member><JobId>${j.id}</JobId>${j.description !== undefined ? `<Description>${esc(j.description)}</Description>` : ""}<Operation>S3PutObjectCopy</Operation><Priority>${j.priority}</Priority><Status>${j.status}</Status><CreationTime>${iso(j.createdAt)}</CreationTime>${TERMINAL.has(j.status) && j.finishedAt !== undefined ? `<TerminationDate>${iso(j.finishedAt)}</TerminationDate>` : ""}${progressXml(j, ctx.now)}</member>`,
    )
    .join("");
  return {
    ok: true,
    value: `<ListJobsResult xmlns="${S3CONTROL_XMLNS}">${next ? `<NextToken>${next}</NextToken>` : ""}<Jobs>${members}</Jobs></ListJobsResult>`,
  };
};

/** Confirm (Ready) a Suspended job, or cancel one that has not finished. */
const UpdateJobStatus: ControlHandler = (ctx, req) => {
  const found = findJob(ctx, req.segments[1]);
  if (!found.ok) return found;
  const j = found.value;
  const requested = req.query.get("requestedJobStatus");
  if (requested === "Ready" && j.status === "Suspended") {
    j.activeAt = ctx.now;
    j.status = "Ready";
  } else if (requested === "Cancelled" && !TERMINAL.has(j.status)) {
    j.status = "Cancelled";
    j.finishedAt = ctx.now;
  } else {
    return s3Fail("JobStatusException", `Cannot move the job from ${j.status} to ${requested ?? "nothing"}`, 409);
  }
  j.statusUpdateReason = req.query.get("statusUpdateReason") ?? undefined;
  return {
    ok: true,
    value: `<UpdateJobStatusResult xmlns="${S3CONTROL_XMLNS}"><JobId>${j.id}</JobId><Status>${j.status}</Status></UpdateJobStatusResult>`,
  };
};

export const controlActions: Record<string, ControlHandler> = { CreateJob, DescribeJob, ListJobs, UpdateJobStatus };
