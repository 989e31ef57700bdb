/**
 * ImportTable, DescribeImport, ListImports. An import creates its table at once (CREATING, no items) and is
 * IN_PROGRESS for max(dynamodbImportMinSeconds, GB of source objects × dynamodbImportSecondsPerGb) of virtual
 * time; then settleImports (import-load.ts) loads the items and the table is ACTIVE (no PITR, TTL, stream or
 * tags: imports carry none of them). A bucket it cannot read (absent, owner ≠ S3BucketOwner, a bucket policy
 * that does not let the caller s3:ListBucket and s3:GetObject) fails the import as it starts, with AWS's
 * FailureCode, and the table it created is deleted, as AWS does.
 */
import { digest, uuidFrom } from "../ids.js";
import { managedKey, resolveKey } from "../kms/keys.js";
import { fail, ok } from "../outcome.js";
import { field, type JsonInput } from "../protocol/json.js";
import type { CallContext, Handler } from "../protocol/types.js";
import { allowed } from "../s3/access.js";
import { sourceObjects } from "./import-load.js";
import { type Creation, readImportInput } from "./import-params.js";
import { ListSource } from "./items.js";
import type { ImportParams, Table, TableImport } from "./model.js";
import { tableArn } from "./model.js";
import { TableItems } from "./overlay.js";
import { seconds } from "./render.js";
import { validation } from "./tables.js";
import { removeTable } from "./updates.js";

type DynamoHandler = Handler<JsonInput>;

const TOKEN_WINDOW_MS = 8 * 3_600_000;
const GB = 1024 ** 3;
const IMPORT_ARN =
  /^arn:aws:dynamodb:([a-z0-9-]+):(\d{12}):table\/[A-Za-z0-9_.-]{3,255}\/import\/[0-9]{14}-[0-9a-f]{8}$/;

/** Import ids look like export ids (`<14 digits>-<8 hex>`), from account, region and a counter. */
export function importId(account: string, region: string, counter: number): string {
  const h = digest("dynamodb-import", account, region, counter);
  const digits = BigInt(`0x${h.slice(0, 16)}`)
    .toString()
    .padStart(14, "0")
    .slice(-14);
  return `${digits}-${h.slice(16, 24)}`;
}

const logGroup = (i: TableImport) => `arn:aws:logs:${i.region}:${i.account}:log-group:/aws-dynamodb/imports:*`;

function bucketSource(p: ImportParams) {
  return {
    S3Bucket: p.bucket,
    ...(p.bucketOwner !== undefined ? { S3BucketOwner: p.bucketOwner } : {}),
    ...(p.keyPrefix !== undefined ? { S3KeyPrefix: p.keyPrefix } : {}),
  };
}

export function importDescription(i: TableImport): Record<string, unknown> {
  const done = i.status !== "IN_PROGRESS";
  return {
    ImportArn: i.arn,
    ImportStatus: i.status,
    TableArn: i.tableArn,
    TableId: i.tableId,
    ClientToken: i.clientToken,
    S3BucketSource: bucketSource(i.params),
    ErrorCount: i.errorCount,
    CloudWatchLogGroupArn: logGroup(i),
    InputFormat: i.params.format,
    InputCompressionType: i.params.compression,
    TableCreationParameters: i.params.creation,
    StartTime: seconds(i.startedAt),
    ...(done ? { EndTime: seconds(i.endsAt) } : {}),
    ProcessedSizeBytes: i.processedSizeBytes,
    ProcessedItemCount: i.processedItemCount,
    ImportedItemCount: i.importedItemCount,
    ...(i.failure ? { FailureCode: i.failure.code, FailureMessage: i.failure.message } : {}),
  };
}

/** Why the import cannot read its source, as AWS reports it in FailureCode / FailureMessage. */
function bucketProblem(ctx: CallContext, p: ImportParams): TableImport["failure"] {
  const bucket = ctx.world.s3.buckets.get(p.bucket);
  if (!bucket)
    return {
      code: "S3NoSuchBucket",
      message: "The specified bucket does not exist (Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket)",
    };
  const denied = {
    code: "S3AccessDenied",
    message: "Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied)",
  };
  if (bucket.owner !== (p.bucketOwner ?? ctx.account)) return denied;
  const readable =
    allowed(bucket, ctx.principal, "s3:ListBucket") &&
    allowed(bucket, ctx.principal, "s3:GetObject", p.keyPrefix ?? "");
  return readable ? undefined : denied;
}

function newTable(ctx: CallContext, c: Creation, importArn: string, id: string): Table {
  const keyRef = c.sse?.keyRef;
  const resolved = keyRef !== undefined ? resolveKey(ctx.world, ctx.account, ctx.region, keyRef) : undefined;
  const kmsKeyArn = c.sse
    ? resolved?.ok
      ? resolved.value.arn
      : (keyRef ?? managedKey(ctx.world, ctx.account, ctx.region, "dynamodb").arn)
    : undefined;
  return {
    arn: tableArn(ctx.region, ctx.account, c.name),
    id: uuidFrom("dynamodb-table", ctx.account, ctx.region, c.name, id),
    name: c.name,
    account: ctx.account,
    region: ctx.region,
    keySchema: c.keySchema,
    billingMode: c.billingMode,
    readCapacity: c.readCapacity,
    writeCapacity: c.writeCapacity,
    pitr: false,
    pitrSince: ctx.now,
    streamSince: ctx.now,
    gsis: c.gsis,
    lsis: [],
    sseType: c.sse ? "KMS" : "AWS_OWNED",
    ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
    replicas: [],
    items: new TableItems(new ListSource([], c.keySchema), c.keySchema),
    createdAt: ctx.now,
    deletionProtection: false,
    tags: new Map(),
    importArn,
  };
}

const ImportTable: DynamoHandler = (ctx, input) => {
  const read = readImportInput(input);
  if ("error" in read) return validation(read.error);
  const { params, creation } = read;
  const state = ctx.world.dynamodb;
  const token = field.str(input, "ClientToken") ?? "";
  const tokenKey = `${ctx.account}\n${ctx.region}\n${token}`;
  const previous = token ? state.imports.get(state.importTokens.get(tokenKey) ?? "") : undefined;
  if (previous && previous.startedAt + TOKEN_WINDOW_MS > ctx.now) {
    if (JSON.stringify(previous.params) === JSON.stringify(params))
      return ok({ ImportTableDescription: importDescription(previous) });
    return fail(
      "ImportConflictException",
      `The ClientToken ${token} was used by another request with different parameters within the last 8 hours`,
    );
  }
  const arn = tableArn(ctx.region, ctx.account, creation.name);
  if (state.tables.has(arn)) return fail("ResourceInUseException", `Table already exists: ${creation.name}`);
  state.counter += 1;
  const id = importId(ctx.account, ctx.region, state.counter);
  const importArn = `${arn}/import/${id}`;
  const table = newTable(ctx, creation, importArn, id);
  const failure = bucketProblem(ctx, params);
  const sizeBytes = failure ? 0 : sourceObjects(ctx.world, params).reduce((n, o) => n + o.size, 0);
  const seed = ctx.world.seed;
  const durationMs = Math.max(seed.dynamodbImportMinSeconds, (sizeBytes / GB) * seed.dynamodbImportSecondsPerGb) * 1000;
  const imp: TableImport = {
    arn: importArn,
    id,
    account: ctx.account,
    region: ctx.region,
    tableArn: arn,
    tableId: table.id,
    params,
    clientToken: token,
    startedAt: ctx.now,
    endsAt: failure ? ctx.now : ctx.now + Math.round(durationMs),
    status: failure ? "FAILED" : "IN_PROGRESS",
    sizeBytes,
    ...(failure ? { failure } : {}),
    errorCount: 0,
    processedItemCount: 0,
    importedItemCount: 0,
    processedSizeBytes: 0,
  };
  state.imports.set(importArn, imp);
  if (token) state.importTokens.set(tokenKey, importArn);
  state.tables.set(arn, table);
  if (failure) removeTable(ctx.world, table, ctx.now);
  return ok({ ImportTableDescription: importDescription(imp) });
};

const DescribeImport: DynamoHandler = (ctx, input) => {
  const arn = field.str(input, "ImportArn");
  if (!arn)
    return validation(
      "1 validation error detected: Value null at 'importArn' failed to satisfy constraint: Member must not be null",
    );
  if (!IMPORT_ARN.test(arn)) return validation(`Invalid ImportArn: ${arn}`);
  const i = ctx.world.dynamodb.imports.get(arn);
  if (!i || i.account !== ctx.account || i.region !== ctx.region)
    return fail("ImportNotFoundException", `Import not found: ${arn}`);
  return ok({ ImportTableDescription: importDescription(i) });
};

/** Newest first, PageSize 1–25 (default 25), NextToken = the index of the next summary. */
const ListImports: DynamoHandler = (ctx, input) => {
  const filter = field.str(input, "TableArn");
  const size = field.num(input, "PageSize") ?? 25;
  if (!Number.isInteger(size) || size < 1 || size > 25)
    return validation(
      `1 validation error detected: Value '${size}' at 'pageSize' failed to satisfy constraint: Member must have value less than or equal to 25`,
    );
  const all = [...ctx.world.dynamodb.imports.values()]
    .filter((i) => i.account === ctx.account && i.region === ctx.region)
    .filter((i) => filter === undefined || i.tableArn === filter)
    .sort((a, b) => b.startedAt - a.startedAt || b.id.localeCompare(a.id));
  const next = field.str(input, "NextToken");
  const from = next === undefined ? 0 : Number(next);
  if (!Number.isInteger(from) || from < 0 || from > all.length) return validation("Invalid NextToken");
  const page = all.slice(from, from + size);
  return ok({
    ImportSummaryList: page.map((i) => ({
      ImportArn: i.arn,
      ImportStatus: i.status,
      TableArn: i.tableArn,
      S3BucketSource: bucketSource(i.params),
      CloudWatchLogGroupArn: logGroup(i),
      InputFormat: i.params.format,
      StartTime: seconds(i.startedAt),
      ...(i.status !== "IN_PROGRESS" ? { EndTime: seconds(i.endsAt) } : {}),
    })),
    ...(from + size < all.length ? { NextToken: String(from + size) } : {}),
  });
};

export const importActions: Record<string, DynamoHandler> = { ImportTable, DescribeImport, ListImports };
