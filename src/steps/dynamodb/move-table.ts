/**
 * dynamodb.move-table (recipe): export the table from `from` into a bucket of `to` (point in time, PITR
 * needed), import it in `to` with the source's keys, indexes, billing and settings, verify every item,
 * and — only with deleteSource: true — delete the source table once the verify passed; a source that stays
 * gets back the PITR setting it had (enablePitr turned it on for the export). The export files stay in the
 * bucket (the bucket's lifecycle or the operator removes them).
 */
import { z } from "zod";
import { defineRecipe, type ExpandedStep } from "../define.js";
import { TABLE_NAME } from "./tables.js";

export const dynamodbMoveTableParams = z.strictObject({
  from: z.string().min(1).describe("Account alias that owns the table."),
  to: z.string().min(1).describe("Account alias that receives it."),
  table: z.string().regex(TABLE_NAME).describe("The table to move."),
  targetTable: z.string().regex(TABLE_NAME).optional().describe("Its name in `to` (default: the same)."),
  bucket: z
    .string()
    .min(3)
    .max(63)
    .describe("Existing bucket of `to` the export is written to (its policy must let `from` write)."),
  prefix: z.string().max(1024).optional().describe("Key prefix of the export (default: hikkoshi/<runbook>/<task>)."),
  exportKmsKeyId: z.string().min(1).optional().describe("SSE-KMS key of `to` for the export files (default: SSE-S3)."),
  kmsKeyId: z
    .string()
    .min(1)
    .optional()
    .describe("KMS key of `to` that encrypts the new table (default: the AWS owned key)."),
  enablePitr: z
    .boolean()
    .default(false)
    .describe("Enable PITR on the source if it is off (billed while on; journaled). Without it the plan blocks."),
  segments: z.number().int().min(1).max(64).default(8).describe("Parallel Scan segments of the verify."),
  deleteSource: z
    .boolean()
    .default(false)
    .describe("Delete the source table after a passed verify. Destructive and irreversible: confirmed before it acts."),
});

export const dynamodbMoveTable = defineRecipe({
  type: "dynamodb.move-table",
  description:
    "Move a DynamoDB table to another account: export to S3, import, verify every item, optionally delete the source.",
  params: dynamodbMoveTableParams,
  outputs: {
    tableArn: "import.tableArn",
    itemCount: "verify.itemCount",
    digest: "verify.digest",
  },
  accountParams: { single: ["from", "to"] },
  expand(w, { selfRef }) {
    const from = String(w.from);
    const to = String(w.to);
    const steps: ExpandedStep[] = [
      {
        localId: "export",
        type: "dynamodb.export-table",
        account: from,
        with: {
          table: w.table,
          bucket: w.bucket,
          bucketAccount: to,
          enablePitr: w.enablePitr ?? false,
          ...(w.prefix !== undefined ? { prefix: w.prefix } : {}),
          ...(w.exportKmsKeyId !== undefined ? { kmsKeyId: w.exportKmsKeyId } : {}),
        },
        description: `export ${String(w.table)} into s3://${String(w.bucket)}`,
      },
      {
        localId: "import",
        type: "dynamodb.import-table",
        account: to,
        with: {
          sourceAccount: from,
          sourceTable: w.table,
          bucket: w.bucket,
          dataPrefix: selfRef("export", "dataPrefix"),
          pitr: selfRef("export", "sourcePitr"),
          ...(w.targetTable !== undefined ? { table: w.targetTable } : {}),
          ...(w.kmsKeyId !== undefined ? { kmsKeyId: w.kmsKeyId } : {}),
        },
        description: `import it in ${to}`,
      },
      {
        localId: "verify",
        type: "dynamodb.verify",
        account: to,
        with: {
          sourceAccount: from,
          sourceTable: w.table,
          table: selfRef("import", "table"),
          segments: w.segments ?? 8,
        },
        description: "compare every item",
      },
    ];
    if (w.deleteSource !== true && w.enablePitr === true) {
      // The source stays: it ends the night with the PITR it had (off, if the export turned it on).
      steps.push({
        localId: "restore-pitr",
        type: "dynamodb.restore-pitr",
        account: from,
        with: { table: w.table, wasOn: selfRef("export", "sourcePitr") },
        needs: ["verify"],
        description: `turn PITR off again on ${String(w.table)} if the export turned it on`,
      });
    }
    if (w.deleteSource === true) {
      steps.push({
        localId: "delete-source",
        type: "dynamodb.delete-table",
        account: from,
        with: {
          table: w.table,
          verification: { passed: selfRef("verify", "passed"), source: selfRef("verify", "source") },
        },
        description: `delete ${String(w.table)} in ${from} (verified)`,
      });
    }
    return steps;
  },
});
