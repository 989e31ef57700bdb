/**
 * Table lookups and the table-level actions: ListTables, DescribeTable, DescribeTimeToLive, the continuous
 * backups pair.
 */
import { fail, type Outcome, ok } from "../outcome.js";
import { field, type JsonInput } from "../protocol/json.js";
import type { CallContext, Handler } from "../protocol/types.js";
import { type Table, tableArn, tableStatus } from "./model.js";
import { seconds, tableDescription } from "./render.js";

type DynamoHandler = Handler<JsonInput>;

const TABLE_ARN = /^arn:aws:dynamodb:([a-z0-9-]+):(\d{12}):table\/([A-Za-z0-9_.-]{3,255})$/;
const NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** AWS keeps PITR history for 35 days unless told otherwise; the latest restorable time lags ~5 minutes. */
const RECOVERY_DAYS = 35;
const PITR_LAG_MS = 5 * 60_000;

export const validation = (message: string) => fail("ValidationException", message);

/**
 * The table a `TableName` (name or ARN) names in the caller's account and region; `notFound` is the code
 * the action answers for a table that does not exist (ResourceNotFoundException or TableNotFoundException).
 */
export function findTable(
  ctx: CallContext,
  ref: string | undefined,
  notFound: "ResourceNotFoundException" | "TableNotFoundException" = "ResourceNotFoundException",
): Outcome<Table> {
  if (ref === undefined || ref === "") {
    return validation(
      "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    );
  }
  const m = TABLE_ARN.exec(ref);
  if (!m && !NAME.test(ref)) {
    return validation(
      `1 validation error detected: Value '${ref}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    );
  }
  const arn = m ? ref : tableArn(ctx.region, ctx.account, ref);
  const table = ctx.world.dynamodb.tables.get(arn);
  if (table && (m?.[1] ?? ctx.region) === ctx.region) return ok(table);
  const name = m?.[3] ?? ref;
  return notFound === "TableNotFoundException"
    ? fail(notFound, `Table not found: ${name}`)
    : fail(notFound, `Requested resource not found: Table: ${name} not found`);
}

/**
 * A table item operations may use: one being created (by an import) or deleted answers
 * ResourceNotFoundException, as DynamoDB's data plane does for a table that is not ACTIVE.
 */
export function usableTable(ctx: CallContext, ref: string | undefined): Outcome<Table> {
  const table = findTable(ctx, ref);
  if (!table.ok || tableStatus(table.value) === "ACTIVE") return table;
  return fail("ResourceNotFoundException", `Requested resource not found: Table: ${table.value.name} not found`);
}

/** A table a control-plane change may touch: ResourceInUseException while it is CREATING or DELETING. */
export function activeTable(ctx: CallContext, ref: string | undefined): Outcome<Table> {
  const table = findTable(ctx, ref);
  if (!table.ok) return table;
  const status = tableStatus(table.value);
  if (status === "ACTIVE") return table;
  return fail(
    "ResourceInUseException",
    `Attempt to change a resource which is still in use: Table is being ${status === "CREATING" ? "created" : "deleted"}: ${table.value.name}`,
  );
}

const DescribeTable: DynamoHandler = (ctx, input) => {
  const table = findTable(ctx, field.str(input, "TableName"));
  return table.ok ? ok({ Table: tableDescription(table.value) }) : table;
};

/**
 * The caller's tables in its region, by name (as DynamoDB orders them), every status; `Limit` 1–100 (default
 * 100) and `ExclusiveStartTableName` / `LastEvaluatedTableName`.
 */
const ListTables: DynamoHandler = (ctx, input) => {
  const limit = field.num(input, "Limit") ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return validation(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`,
    );
  }
  const after = field.str(input, "ExclusiveStartTableName");
  const names = [...ctx.world.dynamodb.tables.values()]
    .filter((t) => t.account === ctx.account && t.region === ctx.region)
    .map((t) => t.name)
    .sort()
    .filter((n) => after === undefined || n > after);
  const page = names.slice(0, limit);
  return ok({
    TableNames: page,
    ...(names.length > limit ? { LastEvaluatedTableName: page[page.length - 1] } : {}),
  });
};

const DescribeTimeToLive: DynamoHandler = (ctx, input) => {
  const table = findTable(ctx, field.str(input, "TableName"));
  if (!table.ok) return table;
  const attribute = table.value.ttlAttribute;
  return ok({
    TimeToLiveDescription:
      attribute === undefined
        ? { TimeToLiveStatus: "DISABLED" }
        : { TimeToLiveStatus: "ENABLED", AttributeName: attribute },
  });
};

function continuousBackups(table: Table, now: number) {
  return {
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: "ENABLED",
      PointInTimeRecoveryDescription: table.pitr
        ? {
            PointInTimeRecoveryStatus: "ENABLED",
            RecoveryPeriodInDays: RECOVERY_DAYS,
            EarliestRestorableDateTime: seconds(Math.max(table.pitrSince, now - RECOVERY_DAYS * 86_400_000)),
            LatestRestorableDateTime: seconds(Math.max(table.pitrSince, now - PITR_LAG_MS)),
          }
        : { PointInTimeRecoveryStatus: "DISABLED" },
    },
  };
}

const DescribeContinuousBackups: DynamoHandler = (ctx, input) => {
  const table = findTable(ctx, field.str(input, "TableName"), "TableNotFoundException");
  return table.ok ? ok(continuousBackups(table.value, ctx.now)) : table;
};

/** Enables or disables PITR; enabling starts the restorable window now (as AWS does). */
const UpdateContinuousBackups: DynamoHandler = (ctx, input) => {
  const table = findTable(ctx, field.str(input, "TableName"), "TableNotFoundException");
  if (!table.ok) return table;
  const spec = input.PointInTimeRecoverySpecification;
  const enabled =
    spec !== null && typeof spec === "object" ? field.bool(spec as JsonInput, "PointInTimeRecoveryEnabled") : undefined;
  if (enabled === undefined) {
    return validation(
      "1 validation error detected: Value null at 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy constraint: Member must not be null",
    );
  }
  const days = field.num(spec as JsonInput, "RecoveryPeriodInDays");
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > RECOVERY_DAYS)) {
    return validation("RecoveryPeriodInDays must be between 1 and 35");
  }
  if (enabled && !table.value.pitr) table.value.pitrSince = ctx.now;
  table.value.pitr = enabled;
  return ok(continuousBackups(table.value, ctx.now));
};

export const tableActions: Record<string, DynamoHandler> = {
  ListTables,
  DescribeTable,
  DescribeTimeToLive,
  DescribeContinuousBackups,
  UpdateContinuousBackups,
};
