/**
 * ExportTableToPointInTime, DescribeExport, ListExports. An export is IN_PROGRESS from its start for
 * max(dynamodbExportMinSeconds, size × dynamodbExportSecondsPerGb) of virtual time, then COMPLETED with its
 * files in the bucket (files.ts). A bucket it cannot write to (absent, owner ≠ S3BucketOwner, a bucket
 * policy that does not let the caller s3:PutObject) makes it FAILED as it starts, with AWS's FailureCode.
 */

import { fail, ok } from "../outcome.js";
import { field, type JsonInput } from "../protocol/json.js";
import type { CallContext, Handler } from "../protocol/types.js";
import { allowed } from "../s3/access.js";
import { writeStarted } from "./files.js";
import { type ExportParams, type TableExport, tableSize } from "./model.js";
import { exportDescription, exportId, exportStatus } from "./render.js";
import { findTable, validation } from "./tables.js";

type DynamoHandler = Handler<JsonInput>;

const TOKEN_WINDOW_MS = 8 * 3_600_000;
const GB = 1024 ** 3;
const EXPORT_ARN =
  /^arn:aws:dynamodb:([a-z0-9-]+):(\d{12}):table\/[A-Za-z0-9_.-]{3,255}\/export\/[0-9]{14}-[0-9a-f]{8}$/;

function readParams(input: JsonInput): ExportParams | { error: string } {
  const tableArn = field.str(input, "TableArn");
  const bucket = field.str(input, "S3Bucket");
  if (!tableArn)
    return {
      error:
        "1 validation error detected: Value null at 'tableArn' failed to satisfy constraint: Member must not be null",
    };
  if (!bucket)
    return {
      error:
        "1 validation error detected: Value null at 's3Bucket' failed to satisfy constraint: Member must not be null",
    };
  const format = field.str(input, "ExportFormat") ?? "DYNAMODB_JSON";
  if (format === "ION") return { error: "ExportFormat ION is not simulated by hikkoshi-sim: use DYNAMODB_JSON" };
  if (format !== "DYNAMODB_JSON")
    return {
      error: `Value '${format}' at 'exportFormat' failed to satisfy constraint: Member must satisfy enum value set: [DYNAMODB_JSON, ION]`,
    };
  const type = field.str(input, "ExportType") ?? "FULL_EXPORT";
  if (type !== "FULL_EXPORT") return { error: `ExportType ${type} is not simulated by hikkoshi-sim: use FULL_EXPORT` };
  const sse = field.str(input, "S3SseAlgorithm");
  if (sse !== undefined && sse !== "AES256" && sse !== "KMS") {
    return {
      error: `Value '${sse}' at 's3SseAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [AES256, KMS]`,
    };
  }
  const exportTime = field.num(input, "ExportTime");
  const owner = field.str(input, "S3BucketOwner");
  const prefix = field.str(input, "S3Prefix");
  const kmsKey = field.str(input, "S3SseKmsKeyId");
  return {
    tableArn,
    bucket,
    format,
    ...(owner !== undefined ? { bucketOwner: owner } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
    ...(sse !== undefined ? { sseAlgorithm: sse } : {}),
    ...(kmsKey !== undefined ? { sseKmsKeyId: kmsKey } : {}),
    ...(exportTime !== undefined ? { exportTime: Math.round(exportTime * 1000) } : {}),
  };
}

/** Why the export cannot write its files, as AWS reports it in FailureCode / FailureMessage. */
function bucketProblem(ctx: CallContext, p: ExportParams, base: string): TableExport["failure"] {
  const bucket = ctx.world.s3.buckets.get(p.bucket);
  if (!bucket)
    return {
      code: "S3NoSuchBucket",
      message: `The specified bucket does not exist (Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket)`,
    };
  const expectedOwner = p.bucketOwner ?? ctx.account;
  const denied = {
    code: "S3AccessDenied",
    message: "Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied)",
  };
  if (bucket.owner !== expectedOwner) return denied;
  return allowed(bucket, ctx.principal, "s3:PutObject", `${base}/manifest-summary.json`) ? undefined : denied;
}

const ExportTableToPointInTime: DynamoHandler = (ctx, input) => {
  const params = readParams(input);
  if ("error" in params) return validation(params.error);
  const table = findTable(ctx, params.tableArn, "TableNotFoundException");
  if (!table.ok) return table;
  const t = table.value;
  const token = field.str(input, "ClientToken") ?? "";
  const state = ctx.world.dynamodb;
  const tokenKey = `${ctx.account}\n${ctx.region}\n${token}`;
  const previous = token ? state.exports.get(state.tokens.get(tokenKey) ?? "") : undefined;
  if (previous && previous.startedAt + TOKEN_WINDOW_MS > ctx.now) {
    const { exportTime: _asked, ...asked } = params;
    const { exportTime: _had, ...had } = previous.params;
    const sameTime = params.exportTime === undefined || params.exportTime === previous.exportTime;
    if (JSON.stringify(asked) === JSON.stringify(had) && sameTime) {
      return ok({ ExportDescription: exportDescription(previous, ctx.now) });
    }
    return fail(
      "ImportConflictException",
      `The ClientToken ${token} was used by another request with different parameters within the last 8 hours`,
    );
  }
  if (!t.pitr)
    return fail(
      "PointInTimeRecoveryUnavailableException",
      `Point in time recovery is not enabled for table '${t.name}'`,
    );
  const exportTime = params.exportTime ?? ctx.now;
  if (exportTime < t.pitrSince || exportTime > ctx.now) {
    return fail(
      "InvalidExportTimeException",
      `ExportTime must be within the point in time recovery window of table '${t.name}'`,
    );
  }
  state.counter += 1;
  const id = exportId(ctx.account, ctx.region, state.counter);
  const sizeBytes = tableSize(t);
  const seed = ctx.world.seed;
  const durationMs = Math.max(seed.dynamodbExportMinSeconds, (sizeBytes / GB) * seed.dynamodbExportSecondsPerGb) * 1000;
  const prefix = params.prefix?.replace(/\/+$/, "");
  const failure = bucketProblem(ctx, params, `${prefix ? `${prefix}/` : ""}AWSDynamoDB/${id}`);
  const e: TableExport = {
    arn: `${t.arn}/export/${id}`,
    id,
    account: ctx.account,
    region: ctx.region,
    params: { ...params, exportTime },
    tableId: t.id,
    principal: ctx.principal.arn,
    clientToken: token,
    startedAt: ctx.now,
    exportTime,
    endsAt: ctx.now + Math.round(durationMs),
    itemCount: t.items.count,
    sizeBytes,
    ...(failure ? { failure } : {}),
    written: false,
  };
  state.exports.set(e.arn, e);
  if (token) state.tokens.set(tokenKey, e.arn);
  if (!failure) writeStarted(ctx.world, e);
  return ok({ ExportDescription: exportDescription(e, ctx.now) });
};

const DescribeExport: DynamoHandler = (ctx, input) => {
  const arn = field.str(input, "ExportArn");
  if (!arn)
    return validation(
      "1 validation error detected: Value null at 'exportArn' failed to satisfy constraint: Member must not be null",
    );
  if (!EXPORT_ARN.test(arn)) return validation(`Invalid ExportArn: ${arn}`);
  const e = ctx.world.dynamodb.exports.get(arn);
  if (!e || e.account !== ctx.account || e.region !== ctx.region)
    return fail("ExportNotFoundException", `Export not found: ${arn}`);
  return ok({ ExportDescription: exportDescription(e, ctx.now) });
};

/** Newest first, up to MaxResults (1–25, default 25), NextToken = the index of the next summary. */
const ListExports: DynamoHandler = (ctx, input) => {
  const tableArn = field.str(input, "TableArn");
  const max = field.num(input, "MaxResults") ?? 25;
  if (!Number.isInteger(max) || max < 1 || max > 25) return validation("MaxResults must be between 1 and 25");
  const all = [...ctx.world.dynamodb.exports.values()]
    .filter((e) => e.account === ctx.account && e.region === ctx.region)
    .filter((e) => tableArn === undefined || e.params.tableArn === tableArn)
    .sort((a, b) => b.startedAt - a.startedAt || b.id.localeCompare(a.id));
  const next = field.str(input, "NextToken");
  const from = next === undefined ? 0 : Number(next);
  if (!Number.isInteger(from) || from < 0 || from > all.length) return validation("Invalid NextToken");
  const page = all.slice(from, from + max);
  return ok({
    ExportSummaries: page.map((e) => ({
      ExportArn: e.arn,
      ExportStatus: exportStatus(e, ctx.now),
      ExportType: "FULL_EXPORT",
    })),
    ...(from + max < all.length ? { NextToken: String(from + max) } : {}),
  });
};

export const exportActions: Record<string, DynamoHandler> = { ExportTableToPointInTime, DescribeExport, ListExports };
