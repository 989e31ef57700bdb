/**
 * dynamodb.delete-table: delete the source table once its copy is verified. Destructive, irreversible, top
 * danger tier; refuses to start without a passed dynamodb.verify whose `source` is this very table (its
 * ARN), and never switches deletion protection off (the plan says so; the operator decides). Idempotent:
 * a table already DELETING is waited for, a table gone after a checkpoint is done.
 */
import { z } from "zod";
import { dynamodb } from "../../aws/sdk.js";
import type { JsonObject } from "../../core/json.js";
import { defineStep, type PlanResult } from "../define.js";
import { describeValue, failed, known, planParams, warning } from "../shared/plan.js";
import { verificationGate } from "../shared/verification.js";
import { describeTable, TABLE_NAME, tableArn } from "./tables.js";

const gate = verificationGate(
  "dynamodb.verify",
  "table (its ARN)",
  "{ passed: ${{ steps.verify.outputs.passed }}, source: ${{ steps.verify.outputs.source }} }",
);

export const dynamodbDeleteTableParams = z.strictObject({
  table: z.string().regex(TABLE_NAME).describe("Table in the step's account to delete."),
  verification: gate.schema,
  timeout: z.number().int().positive().default(3600).describe("Seconds to wait for the table to be gone."),
});
export type DynamodbDeleteTableParams = z.infer<typeof dynamodbDeleteTableParams>;

export const dynamodbDeleteTable = defineStep<DynamodbDeleteTableParams>({
  type: "dynamodb.delete-table",
  description:
    "Delete a DynamoDB table (destructive, irreversible; needs a passed dynamodb.verify of it; never lifts deletion protection).",
  params: dynamodbDeleteTableParams,
  outputs: { table: "the deleted table's name", tableArn: "its ARN", deletedAt: "ISO time it was deleted" },
  destructive: true,
  irreversible: true,

  async plan(ctx, raw): Promise<PlanResult> {
    const arn = typeof raw.table === "string" ? tableArn(ctx.account, raw.table) : raw.table;
    const g = gate.plan(raw, arn);
    const { params, problems } = planParams<DynamodbDeleteTableParams>(dynamodbDeleteTableParams, g.raw);
    const preconditions = g.problem
      ? [...problems.filter((p) => !p.message.startsWith("with.verification")), g.problem]
      : problems;
    const base = {
      action: "delete" as const,
      destructive: true,
      irreversible: true,
      danger: "source" as const,
      resources: [typeof arn === "string" ? arn : describeValue(params.table)],
      preconditions,
    };
    const after = g.pending ? " once its copy is verified" : "";
    if (!known(params.table)) return { ...base, summary: `delete table ${describeValue(params.table)}${after}` };
    const t = await describeTable(ctx.aws, ctx.account.alias, params.table);
    if (!t) {
      preconditions.push(warning("TABLE_NOT_FOUND", `table ${params.table} not found in ${ctx.account.alias}`));
      return { ...base, summary: `delete table ${params.table}: not found` };
    }
    if (t.DeletionProtectionEnabled) {
      preconditions.push(
        failed(
          "DYNAMODB_DELETION_PROTECTED",
          `table ${params.table} has deletion protection: hikkoshi does not lift it`,
          `when you are sure, run: aws dynamodb update-table --table-name ${params.table} --no-deletion-protection-enabled`,
        ),
      );
    }
    return {
      ...base,
      summary: `delete table ${params.table}${after} in ${ctx.account.alias} (${t.ItemCount ?? 0} items, ${t.TableSizeBytes ?? 0} bytes; its PITR history and on-demand backups' source go with it)`,
    };
  },

  async run(ctx, params) {
    const arn = tableArn(ctx.account, params.table);
    gate.require(arn, params.verification);
    let deletedAt = typeof ctx.progress?.deletedAt === "string" ? ctx.progress.deletedAt : undefined;
    if (deletedAt === undefined) {
      const t = await describeTable(ctx.aws, ctx.account.alias, params.table);
      if (t && t.TableStatus !== "DELETING") {
        await ctx.aws.mutate(
          ctx.account.alias,
          "dynamodb",
          new dynamodb.DeleteTableCommand({ TableName: params.table }),
          arn,
        );
      }
      // Gone already (t undefined): deleted by an attempt that crashed before its checkpoint.
      deletedAt = new Date(ctx.clock.now()).toISOString();
      const progress: JsonObject = { deletedAt };
      ctx.saveProgress(progress);
    }
    await ctx.wait({
      what: `table ${params.table} deleted`,
      timeoutMs: params.timeout * 1000,
      intervalMs: 5_000,
      poll: async () => ({ done: (await describeTable(ctx.aws, ctx.account.alias, params.table)) === undefined }),
    });
    return { table: params.table, tableArn: arn, deletedAt };
  },
});
