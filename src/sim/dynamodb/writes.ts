/**
 * PutItem, GetItem, DeleteItem: enough to plant a missing or changed item in a table (the overlay keeps a
 * generated table lazy). Keys are checked as DynamoDB checks them; conditions, update and projection
 * expressions are refused as not simulated rather than ignored. ReturnValues NONE | ALL_OLD.
 */
import { type Outcome, ok } from "../outcome.js";
import { field, type JsonInput } from "../protocol/json.js";
import type { CallContext, Handler } from "../protocol/types.js";
import { type Item, itemSize, keyOf, keyTypeOf } from "./items.js";
import type { Table } from "./model.js";
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

/** What every item action checks first, in DynamoDB's order: the body, the table, the options, the key. */
function prepare(
  ctx: CallContext,
  input: JsonInput,
  action: string,
  member: "Item" | "Key",
): Outcome<{ table: Table; body: Item; back: "NONE" | "ALL_OLD" }> {
  const body = objectOf(input[member]);
  if (!body)
    return validation(
      `1 validation error detected: Value null at '${member.toLowerCase()}' failed to satisfy constraint: Member must not be null`,
    );
  const table = usableTable(ctx, field.str(input, "TableName"));
  if (!table.ok) return table;
  const refused = unsupported(input, action);
  if (refused) return validation(refused);
  const back = returnValues(input);
  if (typeof back === "object") return validation(back.error);
  const keys = table.value.keySchema;
  const problem = member === "Item" ? itemProblem(body, keys) : keyProblem(body, keys);
  if (problem) return validation(problem);
  return ok({ table: table.value, body, back });
}

const PutItem: DynamoHandler = (ctx, input) => {
  const r = prepare(ctx, input, "PutItem", "Item");
  if (!r.ok) return r;
  const old = r.value.table.items.put(r.value.body);
  return ok(r.value.back === "ALL_OLD" && old ? { Attributes: old } : {});
};

const GetItem: DynamoHandler = (ctx, input) => {
  const r = prepare(ctx, input, "GetItem", "Key");
  if (!r.ok) return r;
  const item = r.value.table.items.get(keyOf(r.value.body, r.value.table.keySchema));
  return ok(item ? { Item: item } : {});
};

const DeleteItem: DynamoHandler = (ctx, input) => {
  const r = prepare(ctx, input, "DeleteItem", "Key");
  if (!r.ok) return r;
  const old = r.value.table.items.delete(r.value.body);
  return ok(r.value.back === "ALL_OLD" && old ? { Attributes: old } : {});
};

export const writeActions: Record<string, DynamoHandler> = { PutItem, GetItem, DeleteItem };
