/**
 * dynamodb.import-table: ImportTable in the step's account from an export's data files, with the source
 * table's key schema, GSIs and billing captured by DescribeTable, then the settings an import does not
 * create re-applied from the source (TTL, stream, PITR, deletion protection, tags) — each read first, so a
 * resume converges. Idempotent by construction: the source's settings are checkpointed once; the
 * ClientToken is this run's and task's; the import ARN is checkpointed right after the call; a table that
 * already exists is adopted only when an import of it carries our ClientToken. Local secondary indexes
 * cannot be created by ImportTable: the plan refuses a table that has them.
 */
import type { ImportTableDescription, TableDescription } from "@aws-sdk/client-dynamodb";
import { z } from "zod";
import { dynamodb } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import type { JsonObject } from "../../core/json.js";
import type { AwsReader, Precondition, RunContext } from "../define.js";
import { defineStep, type PlanResult } from "../define.js";
import { notOurs, RUN_TAG, TASK_TAG } from "../shared/ownership.js";
import { describeValue, failed, known, planParams, warning } from "../shared/plan.js";
import { savedString } from "../shared/progress.js";
import { applySettings } from "./settings.js";
import {
  captureSettings,
  describeTable,
  findByClientToken,
  TABLE_NAME,
  type TableSettings,
  tableArn,
  tableTags,
} from "./tables.js";

export const dynamodbImportTableParams = z.strictObject({
  sourceAccount: z.string().min(1).describe("Account alias that owns the source table (its settings are read there)."),
  sourceTable: z.string().regex(TABLE_NAME).describe("The exported table."),
  table: z
    .string()
    .regex(TABLE_NAME)
    .optional()
    .describe("Name of the new table in the step's account (default: the source's)."),
  bucket: z.string().min(3).max(63).describe("Bucket holding the export (the step's account's)."),
  dataPrefix: z
    .string()
    .min(1)
    .max(1024)
    .describe("Key prefix of the export's data files (the dataPrefix output of dynamodb.export-table)."),
  kmsKeyId: z
    .string()
    .min(1)
    .optional()
    .describe("KMS key of the step's account that encrypts the new table (default: the AWS owned key)."),
  pitr: z
    .boolean()
    .optional()
    .describe(
      "PITR of the new table (default: the source's; the move passes what the source had before its export turned it on).",
    ),
  applySettings: z
    .boolean()
    .default(true)
    .describe("Re-apply the source's TTL, stream, PITR, deletion protection and tags after the import."),
  importPricePerGb: z
    .number()
    .nonnegative()
    .default(0.15)
    .describe(
      "Import from S3 price per GB of uncompressed data, USD (list price $0.15 in us-east-1; check your region).",
    ),
  timeout: z
    .number()
    .int()
    .positive()
    .default(24 * 3600)
    .describe("Seconds to wait for the import to complete."),
});
export type DynamodbImportTableParams = z.infer<typeof dynamodbImportTableParams>;

const GB = 1e9;

/** How long an import of this much data takes, roughly (minutes even for a small table). */
export const importSeconds = (sizeGb: number) => Math.max(600, Math.round(sizeGb * 300));

/** The billing mode of a table (older descriptions of provisioned tables have no BillingModeSummary). */
export function billingOf(t: TableDescription): "PAY_PER_REQUEST" | "PROVISIONED" {
  if (t.BillingModeSummary?.BillingMode) return t.BillingModeSummary.BillingMode;
  return (t.ProvisionedThroughput?.ReadCapacityUnits ?? 0) > 0 ? "PROVISIONED" : "PAY_PER_REQUEST";
}

/** ImportTable's TableCreationParameters for a copy of `t` named `name`. */
export function creationParameters(t: TableDescription, name: string, kmsKeyId: string | undefined) {
  const billing = billingOf(t);
  const provisioned = (p: TableDescription["ProvisionedThroughput"]) =>
    billing === "PROVISIONED"
      ? {
          ProvisionedThroughput: {
            ReadCapacityUnits: p?.ReadCapacityUnits ?? 1,
            WriteCapacityUnits: p?.WriteCapacityUnits ?? 1,
          },
        }
      : {};
  const gsis = (t.GlobalSecondaryIndexes ?? []).map((g) => ({
    IndexName: g.IndexName,
    KeySchema: g.KeySchema,
    Projection: g.Projection,
    ...provisioned(g.ProvisionedThroughput),
  }));
  const used = new Set([...(t.KeySchema ?? []), ...gsis.flatMap((g) => g.KeySchema ?? [])].map((k) => k.AttributeName));
  return {
    TableName: name,
    KeySchema: t.KeySchema,
    AttributeDefinitions: (t.AttributeDefinitions ?? []).filter((a) => used.has(a.AttributeName)),
    BillingMode: billing,
    ...provisioned(t.ProvisionedThroughput),
    ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
    ...(kmsKeyId ? { SSESpecification: { Enabled: true, SSEType: "KMS" as const, KMSMasterKeyId: kmsKeyId } } : {}),
  };
}

/** ImportTable cannot create local secondary indexes (they exist only from a table's creation): a refusal. */
export function lsiFinding(t: TableDescription): Precondition | undefined {
  const lsis = t.LocalSecondaryIndexes ?? [];
  if (lsis.length === 0) return undefined;
  return failed(
    "DYNAMODB_LSI_NOT_IMPORTABLE",
    `${t.TableName} has local secondary indexes (${lsis.map((i) => i.IndexName).join(", ")}): ImportTable cannot create them, and they can only be created with the table`,
    "move this table another way (create it with its LSIs in the target, then copy the items), or drop the LSIs from the move",
  );
}

/** What the copy's encryption will be when the move names no `kmsKeyId` (undefined: it names one). */
export function encryptionFinding(t: TableDescription, kmsKeyId: unknown): Precondition | undefined {
  if (kmsKeyId !== undefined) return undefined;
  const sse = t.SSEDescription;
  if (sse?.Status !== "ENABLED") {
    return warning(
      "DYNAMODB_AWS_OWNED_KEY",
      `${t.TableName} is encrypted with the AWS owned key: the copy will be too (no key of yours, no CloudTrail record of its use)`,
      "set kmsKeyId to a key of the target if its encryption must be yours",
    );
  }
  return warning(
    "DYNAMODB_KMS_KEY_NOT_CARRIED",
    `${t.TableName} is encrypted with ${sse.KMSMasterKeyArn ?? "a KMS key"}: the copy will use the AWS owned key unless kmsKeyId names a key of the target`,
    "set kmsKeyId to a key of the target",
  );
}

/** The import of the table `arn` made with our ClientToken, when the table exists already. */
function ourImport(aws: AwsReader, alias: string, arn: string, token: string): Promise<string | undefined> {
  return findByClientToken(
    async (next) => {
      const p = await aws.read(
        alias,
        "dynamodb",
        new dynamodb.ListImportsCommand({ TableArn: arn, ...(next ? { NextToken: next } : {}) }),
      );
      return { arns: (p.ImportSummaryList ?? []).map((s) => s.ImportArn), next: p.NextToken };
    },
    async (importArn) =>
      (await aws.read(alias, "dynamodb", new dynamodb.DescribeImportCommand({ ImportArn: importArn })))
        .ImportTableDescription?.ClientToken,
    token,
  );
}

export const dynamodbImportTable = defineStep<DynamodbImportTableParams>({
  type: "dynamodb.import-table",
  description:
    "Create a DynamoDB table from an export (ImportTable) with the source's keys, indexes and billing, then re-apply its TTL, stream, PITR, protection and tags.",
  params: dynamodbImportTableParams,
  outputs: {
    table: "the new table's name",
    tableArn: "the new table's ARN",
    importArn: "the import's ARN",
    itemCount: "items imported",
    errorCount: "lines the import could not take (see its CloudWatch log group)",
  },
  accountParams: { single: ["sourceAccount"] },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<DynamodbImportTableParams>(dynamodbImportTableParams, raw);
    const name = params.table ?? params.sourceTable;
    const base = { action: "create" as const, preconditions: problems, resources: [] as string[] };
    const summary = `import ${describeValue(name)} from s3://${describeValue(params.bucket)}`;
    if (!known(params.sourceTable) || !known(params.sourceAccount)) return { ...base, summary };
    const source = await describeTable(ctx.aws, params.sourceAccount, params.sourceTable);
    if (!source) {
      problems.push(failed("TABLE_NOT_FOUND", `table ${params.sourceTable} not found in ${params.sourceAccount}`));
      return { ...base, summary };
    }
    const lsis = lsiFinding(source);
    if (lsis) problems.push(lsis);
    const encryption = encryptionFinding(source, raw.kmsKeyId);
    if (encryption) problems.push(encryption);
    if (known(name)) {
      const existing = await describeTable(ctx.aws, ctx.account.alias, name);
      if (existing) {
        // A plan is made for a new run only (resume does not plan): a table even of this task is an
        // earlier run's, which the run refuses to adopt (it adopts only an import carrying its own token).
        const tags = existing.TableArn ? await tableTags(ctx.aws, ctx.account.alias, existing.TableArn) : {};
        const earlier = tags[TASK_TAG] === ctx.tags()[TASK_TAG] ? tags[RUN_TAG] : undefined;
        problems.push(
          failed(
            "TABLE_EXISTS",
            `table ${name} already exists in ${ctx.account.alias}${earlier ? ` (imported by run ${earlier} of this task)` : ""}: ImportTable creates the table`,
            earlier
              ? `verify it with hikkoshi status ${earlier}; to import again, delete it first, or name another table with \`table\``
              : "name another table with `table`, or remove the existing one if it is garbage",
          ),
        );
      }
    }
    const sizeGb = (source.TableSizeBytes ?? 0) / GB;
    const price = known(params.importPricePerGb) ? params.importPricePerGb : 0.15;
    return {
      ...base,
      resources: [tableArn(ctx.account, known(name) ? name : "?"), source.TableArn ?? params.sourceTable],
      summary: `import ${describeValue(name)} (${source.ItemCount ?? 0} items, ${(source.GlobalSecondaryIndexes ?? []).length} GSIs, ${billingOf(source)}) from s3://${describeValue(params.bucket)}`,
      estimate: {
        sizeGb,
        durationSeconds: importSeconds(sizeGb),
        costUsd: sizeGb * price,
        note: "imports take minutes even for small tables; the price is per GB of uncompressed data",
      },
    };
  },

  async run(ctx, params) {
    const name = params.table ?? params.sourceTable;
    const progress: JsonObject = { ...(ctx.progress ?? {}) };
    const save = (more: JsonObject) => {
      Object.assign(progress, more);
      ctx.saveProgress(progress);
    };
    const captured = await captureSource(ctx, params, progress, save);
    const attempt = Number(progress.importAttempt ?? 0);
    const token = ctx.token(`import-${attempt}`);
    let importArn = savedString(ctx, "importArn");
    if (!importArn) {
      const existing = await describeTable(ctx.aws, ctx.account.alias, name);
      if (existing) {
        importArn = await ourImport(
          ctx.aws,
          ctx.account.alias,
          existing.TableArn ?? tableArn(ctx.account, name),
          token,
        );
        if (!importArn) throw notOurs("table", name, ctx.account.alias, {});
      } else {
        const owner = ctx.account.id;
        const out = await ctx.aws.mutate(
          ctx.account.alias,
          "dynamodb",
          new dynamodb.ImportTableCommand({
            ClientToken: token,
            S3BucketSource: { S3Bucket: params.bucket, S3BucketOwner: owner, S3KeyPrefix: params.dataPrefix },
            InputFormat: "DYNAMODB_JSON",
            InputCompressionType: "GZIP",
            TableCreationParameters: creationParameters(captured.source, name, params.kmsKeyId) as never,
          }),
          name,
        );
        importArn = out.ImportTableDescription?.ImportArn;
        if (!importArn) throw new HikkoshiError("AWS_UNEXPECTED", "ImportTable returned no import ARN");
      }
      save({ importArn, importAttempt: attempt });
    }
    const arn = importArn;
    const done = await ctx.wait<ImportTableDescription>({
      what: `import of ${name} complete`,
      timeoutMs: params.timeout * 1000,
      poll: async () => {
        const d = (
          await ctx.aws.read(ctx.account.alias, "dynamodb", new dynamodb.DescribeImportCommand({ ImportArn: arn }))
        ).ImportTableDescription;
        const status = d?.ImportStatus;
        if (status === "FAILED" || status === "CANCELLED" || status === "CANCELLING") {
          const { importArn: _lost, ...rest } = progress;
          ctx.saveProgress({ ...rest, importAttempt: attempt + 1 });
          throw new HikkoshiError(
            "DYNAMODB_IMPORT_FAILED",
            `import of ${name} ${status?.toLowerCase()}: ${d?.FailureCode ?? "no failure code"}`,
            {
              hint: "check that the bucket and prefix hold the export and this account may read them; then resume (a new import starts)",
              resource: arn,
            },
          );
        }
        return {
          done: status === "COMPLETED",
          ...(d ? { value: d } : {}),
          message: `${d?.ProcessedItemCount ?? 0} items processed`,
        };
      },
    });
    const errors = done.ErrorCount ?? 0;
    if (errors > 0) {
      ctx.log.warn(
        `import of ${name}: ${errors} line(s) not imported (see ${done.CloudWatchLogGroupArn ?? "its CloudWatch log group"}); dynamodb.verify will name the items`,
      );
    }
    const newArn = done.TableArn ?? tableArn(ctx.account, name);
    const settings = { ...captured.settings, ...(params.pitr !== undefined ? { pitr: params.pitr } : {}) };
    if (params.applySettings) await applySettings(ctx, name, newArn, settings);
    else await applySettings(ctx, name, newArn, { pitr: false, deletionProtection: false, tags: {} });
    return {
      table: name,
      tableArn: newArn,
      importArn: arn,
      itemCount: done.ImportedItemCount ?? 0,
      errorCount: errors,
    };
  },
});

/** The source's description and settings, read once and checkpointed (a resume applies what was read). */
async function captureSource(
  ctx: RunContext,
  params: DynamodbImportTableParams,
  progress: JsonObject,
  save: (more: JsonObject) => void,
): Promise<{ source: TableDescription; settings: TableSettings }> {
  const kept = progress.captured as { source: TableDescription; settings: TableSettings } | undefined;
  if (kept) return kept;
  const source = await describeTable(ctx.aws, params.sourceAccount, params.sourceTable);
  if (!source) {
    throw new HikkoshiError("TABLE_NOT_FOUND", `table ${params.sourceTable} not found in ${params.sourceAccount}`, {
      resource: params.sourceTable,
    });
  }
  const lsis = lsiFinding(source);
  if (lsis) {
    throw new HikkoshiError(lsis.code, lsis.message, {
      ...(lsis.hint ? { hint: lsis.hint } : {}),
      resource: params.sourceTable,
    });
  }
  const settings = await captureSettings(ctx.aws, params.sourceAccount, source);
  // What creationParameters needs, no more (the checkpoint stays small and holds no dates).
  const slim: TableDescription = {
    TableName: source.TableName,
    KeySchema: source.KeySchema,
    AttributeDefinitions: source.AttributeDefinitions,
    ...(source.BillingModeSummary?.BillingMode
      ? { BillingModeSummary: { BillingMode: source.BillingModeSummary.BillingMode } }
      : {}),
    ProvisionedThroughput: {
      ReadCapacityUnits: source.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
      WriteCapacityUnits: source.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
    },
    GlobalSecondaryIndexes: (source.GlobalSecondaryIndexes ?? []).map((g) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: g.Projection,
      ProvisionedThroughput: {
        ReadCapacityUnits: g.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
        WriteCapacityUnits: g.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
      },
    })),
  };
  const value = { source: slim, settings };
  save({ captured: JSON.parse(JSON.stringify(value)) });
  return value;
}
