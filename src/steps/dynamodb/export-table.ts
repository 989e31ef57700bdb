/**
 * dynamodb.export-table: ExportTableToPointInTime of a table into a bucket of the target account
 * (`S3BucketOwner`), waited with DescribeExport. Idempotent by construction: the ClientToken is this
 * run's and task's (DynamoDB returns the same export for the same token and parameters), the intent is
 * checkpointed before the call and the export ARN right after it; a resume waits for a saved export, and
 * after an intent without ARN looks for the export carrying our token (ListExports) before asking again.
 * PITR is never enabled silently: the plan blocks when it is off, unless `enablePitr: true`, which enables
 * it (journaled) before exporting.
 */
import type { ExportDescription } from "@aws-sdk/client-dynamodb";
import { z } from "zod";
import { dynamodb } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import { type AwsReader, defineStep, type PlanResult } from "../define.js";
import { describeValue, failed, known, planParams } from "../shared/plan.js";
import { savedString } from "../shared/progress.js";
import { describeTable, findByClientToken, pitrEnabled, sourceFindings, tableArn } from "./tables.js";

export const dynamodbExportTableParams = z.strictObject({
  table: z.string().min(3).max(255).describe("Table name in the step's account."),
  bucket: z.string().min(3).max(63).describe("Bucket the export is written to (usually the target's)."),
  bucketAccount: z
    .string()
    .min(1)
    .describe("Account alias that owns the bucket (sent as S3BucketOwner: DynamoDB refuses another owner)."),
  prefix: z.string().max(1024).optional().describe("Key prefix of the export (default: hikkoshi/<runbook>/<task>)."),
  format: z.enum(["DYNAMODB_JSON"]).default("DYNAMODB_JSON").describe("Export format (ION is not supported yet)."),
  kmsKeyId: z
    .string()
    .min(1)
    .optional()
    .describe("SSE-KMS key of the bucket's account for the export files (default: SSE-S3)."),
  enablePitr: z
    .boolean()
    .default(false)
    .describe("Enable point-in-time recovery if it is off (it has a cost; journaled). Without it the plan blocks."),
  timeout: z
    .number()
    .int()
    .positive()
    .default(24 * 3600)
    .describe("Seconds to wait for the export to complete."),
  exportPricePerGb: z
    .number()
    .nonnegative()
    .default(0.1)
    .describe("Export to S3 price per GB of table, USD (list price $0.10 in us-east-1; check your region)."),
  pitrPricePerGbMonth: z
    .number()
    .nonnegative()
    .default(0.2)
    .describe(
      "Continuous backups (PITR) price per GB-month, USD (list price $0.20 in us-east-1), for the plan's cost of enablePitr.",
    ),
});
export type DynamodbExportTableParams = z.infer<typeof dynamodbExportTableParams>;

const GB = 1e9;

/** How long an export of this much data takes, roughly (minutes even for a small table). */
export const exportSeconds = (sizeGb: number) => Math.max(300, Math.round(sizeGb * 120));

/** The export of `table` made with our ClientToken `token`, if DynamoDB has one. */
function ourExport(aws: AwsReader, alias: string, table: string, token: string): Promise<string | undefined> {
  return findByClientToken(
    async (next) => {
      const p = await aws.read(
        alias,
        "dynamodb",
        new dynamodb.ListExportsCommand({ TableArn: table, ...(next ? { NextToken: next } : {}) }),
      );
      return { arns: (p.ExportSummaries ?? []).map((s) => s.ExportArn), next: p.NextToken };
    },
    async (exportArn) =>
      (await aws.read(alias, "dynamodb", new dynamodb.DescribeExportCommand({ ExportArn: exportArn })))
        .ExportDescription?.ClientToken,
    token,
  );
}

export const dynamodbExportTable = defineStep<DynamodbExportTableParams>({
  type: "dynamodb.export-table",
  description: "Export a DynamoDB table (point in time) into an S3 bucket of another account, and wait for it.",
  params: dynamodbExportTableParams,
  outputs: {
    exportArn: "the export's ARN",
    bucket: "bucket of the export",
    prefix: "key prefix of the export",
    manifestKey: "key of manifest-summary.json",
    itemCount: "items exported",
    tableArn: "the exported table",
    dataPrefix: "key prefix of the export's data files (what dynamodb.import-table reads)",
    sourcePitr: "whether PITR was on before this task (false when enablePitr turned it on)",
  },
  accountParams: { single: ["bucketAccount"] },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<DynamodbExportTableParams>(dynamodbExportTableParams, raw);
    const base = { preconditions: problems, resources: [`s3://${describeValue(params.bucket)}`] };
    if (!known(params.table)) return { ...base, action: "copy", summary: `export ${describeValue(params.table)}` };
    const table = await describeTable(ctx.aws, ctx.account.alias, params.table);
    if (!table) {
      problems.push(failed("TABLE_NOT_FOUND", `table ${params.table} not found in ${ctx.account.alias}`));
      return { ...base, action: "copy", summary: `export ${params.table}` };
    }
    problems.push(...sourceFindings(table));
    const sizeGb = (table.TableSizeBytes ?? 0) / GB;
    const pitrPrice = known(params.pitrPricePerGbMonth) ? params.pitrPricePerGbMonth : 0.2;
    const pitrMonthly = sizeGb * pitrPrice;
    const pitr = await pitrEnabled(ctx.aws, ctx.account.alias, params.table);
    if (!pitr && params.enablePitr !== true) {
      problems.push(
        failed(
          "DYNAMODB_PITR_OFF",
          `point-in-time recovery is off for ${params.table}: ExportTableToPointInTime needs it`,
          `set enablePitr: true (billed while it stays on: about $${pitrMonthly.toFixed(2)} a month for this table at $${pitrPrice}/GB-month), or enable it yourself`,
        ),
      );
    }
    return {
      ...base,
      resources: [table.TableArn ?? tableArn(ctx.account, params.table), ...base.resources],
      action: "copy",
      summary: `export ${params.table} (${table.ItemCount ?? 0} items${pitr ? "" : "; enable PITR first"}) to s3://${describeValue(params.bucket)}`,
      estimate: {
        sizeGb,
        durationSeconds: exportSeconds(sizeGb),
        costUsd: sizeGb * (known(params.exportPricePerGb) ? params.exportPricePerGb : 0.1),
        note: `exports take minutes even for small tables${pitr ? "" : `; PITR adds ~$${pitrMonthly.toFixed(2)}/month while on`}`,
      },
      observations: { pitr, itemCount: table.ItemCount ?? 0 },
    };
  },

  async run(ctx, params) {
    const owner = ctx.accounts[params.bucketAccount];
    if (!owner) throw new HikkoshiError("UNKNOWN_ACCOUNT", `no account ${params.bucketAccount}`);
    const prefix = (params.prefix ?? `hikkoshi/${ctx.runbookName}/${ctx.name("", 200)}`).replace(/\/+$/, "");
    // A failed export is not retried under the same ClientToken (DynamoDB would return it again): each
    // failure moves the token on.
    const attempt = Number(ctx.progress?.exportAttempt ?? 0);
    // Whether this task turned PITR on (kept across attempts): the import re-applies the source's own setting.
    let enabledByUs = ctx.progress?.pitrEnabledByUs === true;
    let exportArn = savedString(ctx, "exportArn");
    if (!exportArn) {
      if (!(await pitrEnabled(ctx.aws, ctx.account.alias, params.table))) {
        if (!params.enablePitr) {
          throw new HikkoshiError("DYNAMODB_PITR_OFF", `point-in-time recovery is off for ${params.table}`, {
            hint: "set enablePitr: true, or enable it yourself, then resume",
            resource: params.table,
          });
        }
        enabledByUs = true;
        ctx.saveProgress({ exportAttempt: attempt, pitrEnabledByUs: true });
        await ctx.aws.mutate(
          ctx.account.alias,
          "dynamodb",
          new dynamodb.UpdateContinuousBackupsCommand({
            TableName: params.table,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
          params.table,
        );
      }
      const token = ctx.token(`export-${attempt}`);
      // A request of this attempt may have reached DynamoDB before a crash lost its answer: look for it
      // first (the ClientToken's idempotency lasts 8 hours only; a resume may come later, and a request
      // sent again is one more call than needed).
      if (ctx.progress?.exportRequested === attempt) {
        exportArn = await ourExport(ctx.aws, ctx.account.alias, tableArn(ctx.account, params.table), token);
      }
      if (!exportArn) {
        ctx.saveProgress({ exportRequested: attempt, exportAttempt: attempt, pitrEnabledByUs: enabledByUs });
        const out = await ctx.aws.mutate(
          ctx.account.alias,
          "dynamodb",
          new dynamodb.ExportTableToPointInTimeCommand({
            TableArn: tableArn(ctx.account, params.table),
            S3Bucket: params.bucket,
            S3BucketOwner: owner.id,
            ...(prefix ? { S3Prefix: prefix } : {}),
            ExportFormat: params.format,
            ClientToken: token,
            ...(params.kmsKeyId ? { S3SseAlgorithm: "KMS" as const, S3SseKmsKeyId: params.kmsKeyId } : {}),
          }),
          params.table,
        );
        exportArn = out.ExportDescription?.ExportArn;
        if (!exportArn) throw new HikkoshiError("AWS_UNEXPECTED", "ExportTableToPointInTime returned no export ARN");
      }
      ctx.saveProgress({ exportArn, exportAttempt: attempt, pitrEnabledByUs: enabledByUs });
    }
    const arn = exportArn;
    const done = await ctx.wait<ExportDescription>({
      what: `export of ${params.table} complete`,
      timeoutMs: params.timeout * 1000,
      poll: async () => {
        const d = (
          await ctx.aws.read(ctx.account.alias, "dynamodb", new dynamodb.DescribeExportCommand({ ExportArn: arn }))
        ).ExportDescription;
        if (d?.ExportStatus === "FAILED") {
          ctx.saveProgress({ exportAttempt: attempt + 1, pitrEnabledByUs: enabledByUs });
          throw new HikkoshiError("DYNAMODB_EXPORT_FAILED", `export of ${params.table} failed: ${d.FailureCode}`, {
            hint: "check that the bucket's policy lets this account write, and its owner is the one named; then resume (a new export starts)",
            resource: arn,
          });
        }
        return { done: d?.ExportStatus === "COMPLETED", ...(d ? { value: d } : {}) };
      },
    });
    return {
      exportArn: arn,
      bucket: params.bucket,
      prefix,
      manifestKey: done.ExportManifest ?? "",
      itemCount: done.ItemCount ?? 0,
      tableArn: tableArn(ctx.account, params.table),
      sourcePitr: !enabledByUs,
      dataPrefix: `${prefix ? `${prefix}/` : ""}AWSDynamoDB/${arn.slice(arn.lastIndexOf("/") + 1)}/data/`,
    };
  },
});
