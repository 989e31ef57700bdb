/**
 * A whole table read once, in parallel: `segments` Scan loops (Segment / TotalSegments), each paging with
 * ExclusiveStartKey, strongly consistent, every item handed to `onItem` as it arrives (nothing kept).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { dynamodb } from "../../aws/sdk.js";
import type { AwsReader } from "../define.js";

export type Item = Record<string, AttributeValue>;

export async function scanTable(
  aws: AwsReader,
  alias: string,
  table: string,
  segments: number,
  onItem: (item: Item) => void,
  signal?: AbortSignal,
): Promise<void> {
  const one = async (segment: number) => {
    let start: Item | undefined;
    do {
      signal?.throwIfAborted();
      const out = await aws.read(
        alias,
        "dynamodb",
        new dynamodb.ScanCommand({
          TableName: table,
          ConsistentRead: true,
          ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) onItem(item);
      start = out.LastEvaluatedKey;
    } while (start);
  };
  await Promise.all(Array.from({ length: segments }, (_, i) => one(i)));
}
