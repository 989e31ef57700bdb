/**
 * Re-applying a source table's settings to its imported copy: tags (the source's and this task's), TTL,
 * stream, PITR and deletion protection. Each is read from the copy first and changed only when it differs,
 * so a resume after a crash between two of them converges; UpdateTable leaves the table UPDATING for a
 * moment, waited for before the next change.
 */
import { dynamodb } from "../../aws/sdk.js";
import type { RunContext } from "../define.js";
import { tagList } from "../shared/ownership.js";
import { describeTable, isActive, pitrEnabled, type TableSettings, tableTags, ttlAttribute } from "./tables.js";

async function untilActive(ctx: RunContext, table: string): Promise<void> {
  await ctx.wait({
    what: `table ${table} active`,
    timeoutMs: 30 * 60_000,
    intervalMs: 2_000,
    poll: async () => ({ done: isActive(await describeTable(ctx.aws, ctx.account.alias, table)) }),
  });
}

export async function applySettings(ctx: RunContext, table: string, arn: string, s: TableSettings): Promise<void> {
  const alias = ctx.account.alias;
  const wanted = { ...s.tags, ...ctx.tags() };
  const have = await tableTags(ctx.aws, alias, arn);
  const missing = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => have[k] !== v));
  if (Object.keys(missing).length > 0) {
    await ctx.aws.mutate(
      alias,
      "dynamodb",
      new dynamodb.TagResourceCommand({ ResourceArn: arn, Tags: tagList(missing) }),
      table,
    );
  }
  if (s.ttlAttribute !== undefined && (await ttlAttribute(ctx.aws, alias, table)) !== s.ttlAttribute) {
    await ctx.aws.mutate(
      alias,
      "dynamodb",
      new dynamodb.UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { Enabled: true, AttributeName: s.ttlAttribute },
      }),
      table,
    );
  }
  if (s.streamViewType !== undefined) {
    const t = await describeTable(ctx.aws, alias, table);
    if (!t?.StreamSpecification?.StreamEnabled) {
      await untilActive(ctx, table);
      await ctx.aws.mutate(
        alias,
        "dynamodb",
        new dynamodb.UpdateTableCommand({
          TableName: table,
          StreamSpecification: { StreamEnabled: true, StreamViewType: s.streamViewType as never },
        }),
        table,
      );
    }
  }
  if (s.pitr && !(await pitrEnabled(ctx.aws, alias, table))) {
    await ctx.aws.mutate(
      alias,
      "dynamodb",
      new dynamodb.UpdateContinuousBackupsCommand({
        TableName: table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
      table,
    );
  }
  if (s.deletionProtection) {
    const t = await describeTable(ctx.aws, alias, table);
    if (t?.DeletionProtectionEnabled !== true) {
      await untilActive(ctx, table);
      await ctx.aws.mutate(
        alias,
        "dynamodb",
        new dynamodb.UpdateTableCommand({ TableName: table, DeletionProtectionEnabled: true }),
        table,
      );
    }
  }
  await untilActive(ctx, table);
}
