/**
 * dynamodb.restore-pitr: turn point-in-time recovery off again on a source table whose export turned it on
 * (`enablePitr`), once the copy is verified — the source ends the night as it began, and stops paying for
 * continuous backups nobody asked for. Acts only when `wasOn` (the export's `sourcePitr` output) is false;
 * otherwise it changes nothing. Turning PITR off drops the recovery history this run started: destructive, of
 * this run's own intermediates, confirmed before it acts. Idempotent: PITR already off is done.
 */
import { z } from "zod";
import { dynamodb } from "../../aws/sdk.js";
import { defineStep, type PlanResult } from "../define.js";
import { describeValue, known, planParams } from "../shared/plan.js";
import { pitrEnabled, TABLE_NAME, tableArn } from "./tables.js";

export const dynamodbRestorePitrParams = z.strictObject({
  table: z.string().regex(TABLE_NAME).describe("The source table in the step's account."),
  wasOn: z
    .boolean()
    .describe(
      "Whether PITR was on before the export (the sourcePitr output of dynamodb.export-table): true changes nothing.",
    ),
});
export type DynamodbRestorePitrParams = z.infer<typeof dynamodbRestorePitrParams>;

export const dynamodbRestorePitr = defineStep<DynamodbRestorePitrParams>({
  type: "dynamodb.restore-pitr",
  description:
    "Turn point-in-time recovery off again on a table whose export turned it on (only then), once its copy is verified.",
  params: dynamodbRestorePitrParams,
  outputs: { table: "the table", changed: "whether PITR was turned off" },
  destructive: (p) => p.wasOn !== true,
  irreversible: true,

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<DynamodbRestorePitrParams>(dynamodbRestorePitrParams, raw);
    const resources = known(params.table) ? [tableArn(ctx.account, params.table)] : [];
    if (params.wasOn === true) {
      return {
        action: "noop",
        summary: `PITR of ${describeValue(params.table)} stays on (it was on)`,
        resources,
        preconditions: problems,
      };
    }
    return {
      action: "modify",
      summary: `turn PITR off again on ${describeValue(params.table)} if the export turned it on (its recovery history since then goes)`,
      resources,
      destructive: true,
      irreversible: true,
      danger: "intermediate",
      preconditions: problems,
    };
  },

  async run(ctx, params) {
    if (params.wasOn) return { table: params.table, changed: false };
    if (!(await pitrEnabled(ctx.aws, ctx.account.alias, params.table))) return { table: params.table, changed: false };
    await ctx.aws.mutate(
      ctx.account.alias,
      "dynamodb",
      new dynamodb.UpdateContinuousBackupsCommand({
        TableName: params.table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      }),
      params.table,
    );
    return { table: params.table, changed: true };
  },
});
