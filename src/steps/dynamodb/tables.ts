/**
 * What every DynamoDB step reads about a table: its description, ARN, the settings an import does not
 * carry (TTL, stream, PITR, deletion protection, tags) and the plan's findings about it.
 */
import type { TableDescription } from "@aws-sdk/client-dynamodb";
import { dynamodb } from "../../aws/sdk.js";
import type { AccountRef, AwsReader, Precondition } from "../define.js";
import { orUndefined } from "../shared/observe.js";
import { tagMap } from "../shared/ownership.js";
import { failed, warning } from "../shared/plan.js";

export const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export function tableArn(account: AccountRef, table: string): string {
  return `arn:aws:dynamodb:${account.region}:${account.id}:table/${table}`;
}

export async function describeTable(
  aws: AwsReader,
  alias: string,
  table: string,
): Promise<TableDescription | undefined> {
  const out = await orUndefined(aws.read(alias, "dynamodb", new dynamodb.DescribeTableCommand({ TableName: table })));
  return out?.Table;
}

export async function pitrEnabled(aws: AwsReader, alias: string, table: string): Promise<boolean> {
  const out = await aws.read(alias, "dynamodb", new dynamodb.DescribeContinuousBackupsCommand({ TableName: table }));
  return out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === "ENABLED";
}

export async function ttlAttribute(aws: AwsReader, alias: string, table: string): Promise<string | undefined> {
  const out = await aws.read(alias, "dynamodb", new dynamodb.DescribeTimeToLiveCommand({ TableName: table }));
  const d = out.TimeToLiveDescription;
  return d?.TimeToLiveStatus === "ENABLED" || d?.TimeToLiveStatus === "ENABLING" ? d.AttributeName : undefined;
}

export async function tableTags(aws: AwsReader, alias: string, arn: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let next: string | undefined;
  do {
    const out = await aws.read(
      alias,
      "dynamodb",
      new dynamodb.ListTagsOfResourceCommand({ ResourceArn: arn, ...(next ? { NextToken: next } : {}) }),
    );
    Object.assign(tags, tagMap(out.Tags));
    next = out.NextToken;
  } while (next);
  return tags;
}

/**
 * The export or import (ARN) a paged listing names whose description carries `token`: how a resume finds
 * what a request answered before a crash lost the answer (ClientTokens are remembered 8 hours only).
 */
export async function findByClientToken(
  page: (next: string | undefined) => Promise<{ arns: (string | undefined)[]; next: string | undefined }>,
  tokenOf: (arn: string) => Promise<string | undefined>,
  token: string,
): Promise<string | undefined> {
  let next: string | undefined;
  do {
    const p = await page(next);
    for (const arn of p.arns) if (arn && (await tokenOf(arn)) === token) return arn;
    next = p.next;
  } while (next);
  return undefined;
}

/** The settings ImportTable does not create and the import step re-applies from the source. */
export interface TableSettings {
  ttlAttribute?: string;
  streamViewType?: string;
  pitr: boolean;
  deletionProtection: boolean;
  tags: Record<string, string>;
}

export async function captureSettings(aws: AwsReader, alias: string, table: TableDescription): Promise<TableSettings> {
  const name = table.TableName ?? "";
  const ttl = await ttlAttribute(aws, alias, name);
  const stream = table.StreamSpecification?.StreamEnabled ? table.StreamSpecification.StreamViewType : undefined;
  return {
    ...(ttl !== undefined ? { ttlAttribute: ttl } : {}),
    ...(stream !== undefined ? { streamViewType: stream } : {}),
    pitr: await pitrEnabled(aws, alias, name),
    deletionProtection: table.DeletionProtectionEnabled === true,
    tags: table.TableArn ? await tableTags(aws, alias, table.TableArn) : {},
  };
}

/** Findings about a source table every DynamoDB move shares (global tables, streams, encryption). */
export function sourceFindings(t: TableDescription): Precondition[] {
  const out: Precondition[] = [];
  if ((t.Replicas ?? []).length > 0) {
    out.push(
      failed(
        "DYNAMODB_GLOBAL_TABLE",
        `table ${t.TableName} is a global table (replicas in ${(t.Replicas ?? []).map((r) => r.RegionName).join(", ")}): an export and import would not carry its replication`,
        "move it by re-creating the global table in the target and letting replication fill it, or remove the replicas first",
      ),
    );
  }
  if (t.StreamSpecification?.StreamEnabled) {
    out.push(
      warning(
        "DYNAMODB_STREAM_CONSUMERS",
        `table ${t.TableName} has a stream (${t.StreamSpecification.StreamViewType}): its consumers (Lambda triggers, Kinesis, pipes) do not follow the table, and writes made after the export are not in it`,
        "stop writers before the export; re-create the consumers in the target with Terraform",
      ),
    );
  }
  return out;
}

/** True while a table can take UpdateTable / be deleted. */
export function isActive(t: TableDescription | undefined): boolean {
  return t?.TableStatus === "ACTIVE";
}
