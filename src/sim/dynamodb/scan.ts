/**
 * Scan, with parallel segments: TotalSegments cuts the partition-key hash space into equal ranges, so a
 * scan of every segment returns each item exactly once, and items sharing a hash key share a segment.
 * Within a table (or a segment) items come in their source's order (written items keep their position, new
 * ones come after; overlay.ts); a page ends at Limit items or 1 MB. ConsistentRead is accepted (every read is).
 */
import { ok } from "../outcome.js";
import { field, type JsonInput } from "../protocol/json.js";
import type { Handler } from "../protocol/types.js";
import { type AttributeValue, hashOf, type Item, itemSize, keyOf, keyTypeOf, segmentOf } from "./items.js";
import { usableTable, validation } from "./tables.js";

const PAGE_BYTES = 1024 * 1024;
const MAX_SEGMENTS = 1_000_000;
/** Scan parameters the simulator does not evaluate: refused rather than ignored, so no caller is misled. */
const NOT_SIMULATED = ["IndexName", "FilterExpression", "ProjectionExpression", "ScanFilter", "AttributesToGet"];

export const Scan: Handler<JsonInput> = (ctx, input) => {
  const table = usableTable(ctx, field.str(input, "TableName"));
  if (!table.ok) return table;
  if (input.ConsistentRead !== undefined && typeof input.ConsistentRead !== "boolean")
    return validation("ConsistentRead must be a boolean");
  const unsupported = NOT_SIMULATED.find((name) => input[name] !== undefined);
  if (unsupported) return validation(`${unsupported} is not simulated by hikkoshi-sim's Scan`);
  const select = field.str(input, "Select") ?? "ALL_ATTRIBUTES";
  if (select !== "ALL_ATTRIBUTES" && select !== "COUNT") return validation(`Select ${select} is not simulated`);
  const segment = field.num(input, "Segment");
  const total = field.num(input, "TotalSegments");
  if (segment !== undefined && total === undefined) {
    return validation(
      "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
    );
  }
  if (total !== undefined && segment === undefined) {
    return validation(
      "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
    );
  }
  if (total !== undefined && (!Number.isInteger(total) || total < 1 || total > MAX_SEGMENTS)) {
    return validation(
      `1 validation error detected: Value '${total}' at 'totalSegments' failed to satisfy constraint: Member must have value between 1 and ${MAX_SEGMENTS}`,
    );
  }
  if (segment !== undefined && total !== undefined && (!Number.isInteger(segment) || segment < 0 || segment >= total)) {
    return validation(
      `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${total}`,
    );
  }
  const limit = field.num(input, "Limit");
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    return validation(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  const { items, keySchema } = table.value;
  const inSegment = (item: Item) =>
    total === undefined || total === 1 || segmentOf(hashOf(item, keySchema), total) === segment;

  let start = 0;
  const startKey = input.ExclusiveStartKey;
  if (startKey !== undefined) {
    const key = startKey as Item;
    const names = Object.keys(key ?? {});
    const expected = [keySchema.hash, keySchema.range].filter((k) => k !== undefined);
    const matches =
      names.length === expected.length &&
      expected.every((k) => keyTypeOf(key[k.name] as AttributeValue | undefined) === k.type);
    if (!matches)
      return validation("The provided starting key is invalid: The provided key element does not match the schema");
    const index = items.indexOf(key);
    if (index === undefined) return validation("The provided starting key is invalid");
    if (!inSegment(key)) return validation("The provided Exclusive start key does not map to the provided segment");
    start = index + 1;
  }

  const page: Item[] = [];
  let bytes = 0;
  let last: Item | undefined;
  let i = start;
  for (; i < items.positions; i++) {
    const item = items.at(i);
    if (!item || !inSegment(item)) continue;
    page.push(item);
    bytes += itemSize(item);
    if ((limit !== undefined && page.length >= limit) || bytes >= PAGE_BYTES) {
      last = item;
      break;
    }
  }
  const more = last !== undefined && i < items.positions - 1;
  return ok({
    ...(select === "COUNT" ? {} : { Items: page }),
    Count: page.length,
    ScannedCount: page.length,
    ...(more && last ? { LastEvaluatedKey: keyOf(last, keySchema) } : {}),
  });
};
