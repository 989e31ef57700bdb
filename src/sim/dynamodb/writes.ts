/**
 * PutItem, GetItem, DeleteItem: enough to plant a missing or changed item in a table (the overlay keeps a
 * generated table lazy). Keys are checked as DynamoDB checks them; conditions, update and projection
 * expressions are refused as not simulated rather than ignored. ReturnValues NONE | ALL_OLD.
 */
import { ok } from "../outcome.js";
import { field, type JsonInput } from "../protocol/json.js";
import type { Handler } from "../protocol/types.js";
import { type Item, itemSize, keyOf, keyTypeOf } from "./items.js";
import type { KeySchemaSeedData } from "./seed.js";
import { usableTable, validation } from "./tables.js";

type DynamoHandler = Handler<JsonInput>;

const MAX_ITEM_BYTES = 400 * 1024;
const NOT_SIMULATED = [
  "ConditionExpression",
  "Expected",
  "ConditionalOperator",
  "ExpressionAttributeNames",
  "ExpressionAttributeValues",
  "UpdateExpression",
  "ProjectionExpression",
  "AttributesToGet",
];

function unsupported(input: JsonInput, action: string): string | undefined {
  const name = NOT_SIMULATED.find((n) => input[n] !== undefined);
  return name && `${name} is not simulated by hikkoshi-sim's ${action}`;
}

const keyAttributes = (keys: KeySchemaSeedData) => [keys.hash, keys.range].filter((k) => k !== undefined);

/** Why an item (PutItem) cannot be stored under the table's key schema, in DynamoDB's words. */
function itemProblem(item: Item, keys: KeySchemaSeedData): string | undefined {
  for (const k of keyAttributes(keys)) {
    const value = item[k.name];
    if (value === undefined) return `One or more parameter values were invalid: Missing the key ${k.name} in the item`;
    const type = keyTypeOf(value);
    if (type !== k.type)
      return `One or more parameter values were invalid: Type mismatch for key ${k.name} expected: ${k.type} actual: ${Object.keys(value)[0]}`;
    if (("S" in value && value.S === "") || ("B" in value && value.B === ""))
      return `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${type === "S" ? "string" : "binary"} value. Key: ${k.name}`;
  }
  return itemSize(item) > MAX_ITEM_BYTES ? "Item size has exceeded the maximum allowed size" : undefined;
}

/** A Key (GetItem, DeleteItem) must hold exactly the key attributes with their types. */
function keyProblem(key: Item, keys: KeySchemaSeedData): string | undefined {
  const expected = keyAttributes(keys);
  const fits = Object.keys(key).length === expected.length && expected.every((k) => keyTypeOf(key[k.name]) === k.type);
  return fits ? undefined : "The provided key element does not match the schema";
}

function returnValues(input: JsonInput): "NONE" | "ALL_OLD" | { error: string } {
  const value = field.str(input, "ReturnValues") ?? "NONE";
  if (value === "NONE" || value === "ALL_OLD") return value;
  return { error: `ReturnValues ${value} is not simulated by hikkoshi-sim: use NONE or ALL_OLD` };
}

const objectOf = (value: unknown): Item | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Item) : undefined;

const PutItem: DynamoHandler = (ctx, input) => {
  const item = objectOf(input.Item);
  if (!item)
    return validation(
      "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
    );
  const table = usableTable(ctx, field.str(input, "TableName"));
  if (!table.ok) return table;
  const refused = unsupported(input, "PutItem");
  if (refused) return validation(refused);
  const back = returnValues(input);
  if (typeof back === "object") return validation(back.error);
  const problem = itemProblem(item, table.value.keySchema);
  if (problem) return validation(problem);
  const old = table.value.items.put(item);
  return ok(back === "ALL_OLD" && old ? { Attributes: old } : {});
};

const GetItem: DynamoHandler = (ctx, input) => {
  const key = objectOf(input.Key);
  if (!key)
    return validation(
      "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null",
    );
  const table = usableTable(ctx, field.str(input, "TableName"));
  if (!table.ok) return table;
  const refused = unsupported(input, "GetItem");
  if (refused) return validation(refused);
  const problem = keyProblem(key, table.value.keySchema);
  if (problem) return validation(problem);
  const item = table.value.items.get(keyOf(key, table.value.keySchema));
  return ok(item ? { Item: item } : {});
};

const DeleteItem: DynamoHandler = (ctx, input) => {
  const key = objectOf(input.Key);
  if (!key)
    return validation(
      "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null",
    );
  const table = usableTable(ctx, field.str(input, "TableName"));
  if (!table.ok) return table;
  const refused = unsupported(input, "DeleteItem");
  if (refused) return validation(refused);
  const back = returnValues(input);
  if (typeof back === "object") return validation(back.error);
  const problem = keyProblem(key, table.value.keySchema);
  if (problem) return validation(problem);
  const old = table.value.items.delete(key);
  return ok(back === "ALL_OLD" && old ? { Attributes: old } : {});
};

export const writeActions: Record<string, DynamoHandler> = { PutItem, GetItem, DeleteItem };
