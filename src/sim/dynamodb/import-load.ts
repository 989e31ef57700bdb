/**
 * What an import does once its virtual end time has passed (settleImports, run before every call and every
 * dump): read every object under the bucket + S3KeyPrefix (latest versions; empty objects skipped), gunzip
 * them for GZIP, and load each `{"Item":{…}}` DynamoDB-JSON line into the new table. An item without a key
 * attribute (or with it of another type) is skipped and counted in ErrorCount; a later line with the same key
 * replaces an earlier one, not an error (DynamoDB Developer Guide, "Import format quotas and validation").
 * A malformed object (a line that is not `{"Item":{…}}` JSON, or GZIP that does not gunzip) counts one error,
 * the rest of that object is skipped, and the import ends FAILED with the table kept, holding what was
 * imported (what AWS did in moto's AWS-verified test_some_successfull_files_and_some_with_unknown_data).
 * A bucket gone by then fails the import, and the table is deleted.
 */
import { gunzipSync } from "node:zlib";
import type { World } from "../world.js";
import { type Item, keyTypeOf, ListSource } from "./items.js";
import type { Table, TableImport } from "./model.js";
import { TableItems } from "./overlay.js";
import { removeTable } from "./updates.js";

/** Objects the import reads: key and bytes (latest version of each key under the prefix). */
export function sourceObjects(
  world: World,
  params: TableImport["params"],
): { key: string; size: number; bytes: () => Buffer }[] {
  const bucket = world.s3.buckets.get(params.bucket);
  if (!bucket) return [];
  const prefix = params.keyPrefix ?? "";
  const out: { key: string; size: number; bytes: () => Buffer }[] = [];
  for (const [key, versions] of bucket.objects.entries(prefix)) {
    if (!key.startsWith(prefix)) break;
    const latest = versions[0];
    if (!latest || latest.deleteMarker || !latest.body || latest.size === 0) continue;
    const body = latest.body;
    out.push({ key, size: latest.size, bytes: () => body.read(0, body.size) });
  }
  return out;
}

function isItem(value: unknown): value is Item {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function load(world: World, imp: TableImport, table: Table): void {
  const keys = table.keySchema;
  const items: Item[] = [];
  const at = new Map<string, number>();
  let errors = 0;
  let processed = 0;
  let bytes = 0;
  let malformed = false;
  for (const object of sourceObjects(world, imp.params)) {
    bytes += object.size;
    let text: string;
    try {
      const raw = object.bytes();
      text = (imp.params.compression === "GZIP" ? gunzipSync(raw) : raw).toString("utf8");
    } catch {
      errors += 1;
      malformed = true;
      continue;
    }
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      processed += 1;
      let item: unknown;
      try {
        item = (JSON.parse(line) as { Item?: unknown } | null)?.Item;
      } catch {
        item = undefined;
      }
      if (!isItem(item)) {
        errors += 1;
        malformed = true;
        break;
      }
      if (![keys.hash, keys.range].every((k) => k === undefined || keyTypeOf(item[k.name]) === k.type)) {
        errors += 1;
        continue;
      }
      const id = JSON.stringify([item[keys.hash.name], keys.range ? item[keys.range.name] : null]);
      const seen = at.get(id);
      if (seen === undefined) {
        at.set(id, items.length);
        items.push(item);
      } else items[seen] = item;
    }
  }
  table.items = new TableItems(new ListSource(items, keys), keys);
  imp.errorCount = errors;
  imp.processedItemCount = processed;
  imp.importedItemCount = items.length;
  imp.processedSizeBytes = bytes;
  if (malformed)
    imp.failure = {
      code: "InvalidInputFormat",
      message: "Some of the source data could not be parsed as DynamoDB JSON: see ErrorCount",
    };
}

/** Imports whose virtual end has passed load their items (once), or fail and take their table away. */
export function settleImports(world: World, now: number): void {
  for (const imp of world.dynamodb.imports.values()) {
    if (imp.status !== "IN_PROGRESS" || now < imp.endsAt) continue;
    const table = world.dynamodb.tables.get(imp.tableArn);
    if (!table || table.importArn !== imp.arn) {
      imp.status = "FAILED";
      imp.failure = { code: "InternalServerError", message: "The table being imported into is gone" };
      continue;
    }
    if (!world.s3.buckets.has(imp.params.bucket)) {
      imp.status = "FAILED";
      imp.failure = {
        code: "S3NoSuchBucket",
        message: "The specified bucket does not exist (Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket)",
      };
      removeTable(world, table, imp.endsAt);
      continue;
    }
    load(world, imp, table);
    delete table.importArn;
    imp.status = imp.failure ? "FAILED" : "COMPLETED";
  }
}
