/**
 * DynamoDB tables, their exports to S3 and imports from it. Tables live per account and region, keyed by ARN;
 * their items come from an ItemSource (a seeded list, a generator, an import) under a write overlay
 * (overlay.ts). Exports and imports are data plus their timeline: nothing runs on timers, `settleExports`
 * writes an export's files and `settleImports` loads an import's items once the virtual end time has passed;
 * `settleDeletions` removes a DELETING table once its deletion time is over.
 */
import type { TableItems } from "./overlay.js";
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
  /** When the current stream was enabled (its label). */
  streamSince: number;
  gsis: IndexSeedData[];
  lsis: IndexSeedData[];
  sseType: "AWS_OWNED" | "KMS";
  kmsKeyArn?: string;
  replicas: string[];
  items: TableItems;
  createdAt: number;
  deletionProtection: boolean;
  tags: Map<string, string>;
  /** Set by DeleteTable: DELETING until dynamodbDeleteSeconds later, then gone. */
  deletingSince?: number;
  /** The import creating this table: CREATING until it settles. */
  importArn?: string;
}

export type TableStatus = "CREATING" | "ACTIVE" | "DELETING";

export function tableStatus(table: Table): TableStatus {
  if (table.importArn !== undefined) return "CREATING";
  return table.deletingSince !== undefined ? "DELETING" : "ACTIVE";
}

/** A table DeleteTable removed (or a failed import took away), kept for the world dump. */
export interface DeletedTable {
  arn: string;
  id: string;
  deletedAt: number;
  itemCount: number;
  digest: string;
}

export type ImportStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED";

export interface ImportParams {
  bucket: string;
  bucketOwner?: string;
  keyPrefix?: string;
  format: "DYNAMODB_JSON";
  compression: "GZIP" | "NONE";
  /** TableCreationParameters as sent (answered back as is). */
  creation: Record<string, unknown>;
}

export interface TableImport {
  arn: string;
  id: string;
  account: string;
  region: string;
  tableArn: string;
  tableId: string;
  params: ImportParams;
  clientToken: string;
  startedAt: number;
  endsAt: number;
  status: ImportStatus;
  /** The objects' total size at the start (it sets the duration). */
  sizeBytes: number;
  failure?: { code: string; message: string };
  errorCount: number;
  processedItemCount: number;
  importedItemCount: number;
  processedSizeBytes: number;
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
  imports: Map<string, TableImport>;
  /** `<account>\n<region>\n<ClientToken>` → import ARN (idempotency window of 8 hours). */
  importTokens: Map<string, string>;
  deleted: DeletedTable[];
  counter: number;
}

export function emptyDynamoState(): DynamoState {
  return {
    tables: new Map(),
    exports: new Map(),
    tokens: new Map(),
    imports: new Map(),
    importTokens: new Map(),
    deleted: [],
    counter: 0,
  };
}

export function tableArn(region: string, account: string, name: string): string {
  return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
}

export function tableSize(table: Table): number {
  return table.items.totalSize();
}
