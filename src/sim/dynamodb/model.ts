/**
 * DynamoDB tables and their exports to S3. Tables live per account and region, keyed by ARN; their items
 * come from an ItemSource (a seeded list or a generator). An export is data plus its timeline: nothing runs
 * on timers, `settleExports` writes its files into the bucket once its virtual end time has passed.
 */
import { type ItemSource, itemSize } from "./items.js";
import type { IndexSeedData, KeySchemaSeedData } from "./seed.js";

export interface Table {
  arn: string;
  id: string;
  name: string;
  account: string;
  region: string;
  keySchema: KeySchemaSeedData;
  billingMode: "PAY_PER_REQUEST" | "PROVISIONED";
  readCapacity: number;
  writeCapacity: number;
  pitr: boolean;
  /** When PITR was (last) enabled: the earliest restorable / exportable time. */
  pitrSince: number;
  ttlAttribute?: string;
  streamViewType?: string;
  gsis: IndexSeedData[];
  lsis: IndexSeedData[];
  sseType: "AWS_OWNED" | "KMS";
  kmsKeyArn?: string;
  replicas: string[];
  items: ItemSource;
  createdAt: number;
  /** Computed on first use (a generated table is summed once). */
  sizeBytes?: number;
}

export type ExportStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED";

export interface ExportParams {
  tableArn: string;
  bucket: string;
  bucketOwner?: string;
  prefix?: string;
  format: "DYNAMODB_JSON" | "ION";
  sseAlgorithm?: "AES256" | "KMS";
  sseKmsKeyId?: string;
  exportTime?: number;
}

export interface TableExport {
  arn: string;
  id: string;
  account: string;
  region: string;
  params: ExportParams;
  tableId: string;
  /** The caller that asked (it writes the files: the bucket policy must let it). */
  principal: string;
  clientToken: string;
  startedAt: number;
  exportTime: number;
  endsAt: number;
  itemCount: number;
  sizeBytes: number;
  /** Set when the export cannot write to its bucket: it fails as it starts, as AWS reports. */
  failure?: { code: string; message: string };
  /** Files written (once settled). */
  written: boolean;
}

export interface DynamoState {
  tables: Map<string, Table>;
  exports: Map<string, TableExport>;
  /** `<account>\n<region>\n<ClientToken>` → export ARN (idempotency window of 8 hours). */
  tokens: Map<string, string>;
  counter: number;
}

export function emptyDynamoState(): DynamoState {
  return { tables: new Map(), exports: new Map(), tokens: new Map(), counter: 0 };
}

export function tableArn(region: string, account: string, name: string): string {
  return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
}

export function tableSize(table: Table): number {
  if (table.sizeBytes === undefined) {
    let size = 0;
    for (let i = 0; i < table.items.count; i++) size += itemSize(table.items.at(i));
    table.sizeBytes = size;
  }
  return table.sizeBytes;
}
