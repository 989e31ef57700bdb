import type { World } from "../world.js";
import { exportBase, exportStatus } from "./render.js";

export interface DynamoDump {
  tables: { arn: string; billingMode: string; pitr: boolean; sseType: string; itemCount: number }[];
  exports: {
    arn: string;
    status: string;
    table: string;
    bucket: string;
    base: string;
    itemCount: number;
    failureCode: string | null;
  }[];
}

/** Tables and exports, sorted by ARN; undefined when the world has neither (older dumps stay as they were). */
export function dynamoDump(world: World, now: number): DynamoDump | undefined {
  const { tables, exports } = world.dynamodb;
  if (tables.size === 0 && exports.size === 0) return undefined;
  const byArn = (a: { arn: string }, b: { arn: string }) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0);
  return {
    tables: [...tables.values()].sort(byArn).map((t) => ({
      arn: t.arn,
      billingMode: t.billingMode,
      pitr: t.pitr,
      sseType: t.sseType,
      itemCount: t.items.count,
    })),
    exports: [...exports.values()].sort(byArn).map((e) => ({
      arn: e.arn,
      status: exportStatus(e, now),
      table: e.params.tableArn,
      bucket: e.params.bucket,
      base: exportBase(e),
      itemCount: e.itemCount,
      failureCode: e.failure?.code ?? null,
    })),
  };
}
