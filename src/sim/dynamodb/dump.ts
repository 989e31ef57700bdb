/**
 * DynamoDB in the world dump: tables (status, item count, a content digest: overlay.ts), tables deleted or
 * taken away by a failed import, exports and imports, each sorted by ARN, so a crash test can compare worlds.
 */
import type { World } from "../world.js";
import { tableStatus } from "./model.js";
import { exportBase, exportStatus } from "./render.js";

export interface DynamoDump {
  tables: {
    arn: string;
    status: string;
    billingMode: string;
    pitr: boolean;
    sseType: string;
    itemCount: number;
    digest: string;
  }[];
  deletedTables: { arn: string; id: string; itemCount: number; digest: string }[];
  exports: {
    arn: string;
    status: string;
    table: string;
    bucket: string;
    base: string;
    itemCount: number;
    failureCode: string | null;
  }[];
  imports: {
    arn: string;
    status: string;
    table: string;
    bucket: string;
    prefix: string | null;
    importedItemCount: number;
    errorCount: number;
    failureCode: string | null;
  }[];
}

const byArn = (a: { arn: string }, b: { arn: string }) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0);

/** Undefined when the world has no DynamoDB resource at all (older dumps stay as they were). */
export function dynamoDump(world: World, now: number): DynamoDump | undefined {
  const { tables, exports, imports, deleted } = world.dynamodb;
  if (tables.size === 0 && exports.size === 0 && imports.size === 0 && deleted.length === 0) return undefined;
  return {
    tables: [...tables.values()].sort(byArn).map((t) => ({
      arn: t.arn,
      status: tableStatus(t),
      billingMode: t.billingMode,
      pitr: t.pitr,
      sseType: t.sseType,
      itemCount: t.items.count,
      digest: t.items.digest(),
    })),
    deletedTables: [...deleted]
      .sort((a, b) => byArn(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((d) => ({ arn: d.arn, id: d.id, itemCount: d.itemCount, digest: d.digest })),
    exports: [...exports.values()].sort(byArn).map((e) => ({
      arn: e.arn,
      status: exportStatus(e, now),
      table: e.params.tableArn,
      bucket: e.params.bucket,
      base: exportBase(e),
      itemCount: e.itemCount,
      failureCode: e.failure?.code ?? null,
    })),
    imports: [...imports.values()].sort(byArn).map((i) => ({
      arn: i.arn,
      status: i.status,
      table: i.tableArn,
      bucket: i.params.bucket,
      prefix: i.params.keyPrefix ?? null,
      importedItemCount: i.importedItemCount,
      errorCount: i.errorCount,
      failureCode: i.failure?.code ?? null,
    })),
  };
}
