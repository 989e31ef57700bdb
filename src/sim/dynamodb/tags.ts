/**
 * TagResource, UntagResource, ListTagsOfResource on a table ARN. Another account's table answers
 * AccessDeniedException as DynamoDB does without a resource-based policy; an unknown table in the caller's
 * account ResourceNotFoundException (AWS's message spells it "ResourcArn").
 */
import { fail, type Outcome, ok } from "../outcome.js";
import { field, type JsonInput } from "../protocol/json.js";
import type { CallContext, Handler } from "../protocol/types.js";
import { type Table, tableStatus } from "./model.js";
import { validation } from "./tables.js";

type DynamoHandler = Handler<JsonInput>;

const TABLE_ARN = /^arn:aws:dynamodb:([a-z0-9-]+):(\d{12}):table\/([A-Za-z0-9_.-]{3,255})$/;
const MAX_TAGS = 50;

function tableOf(ctx: CallContext, input: JsonInput, action: string): Outcome<Table> {
  const arn = field.str(input, "ResourceArn");
  if (!arn)
    return validation(
      "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null",
    );
  const m = TABLE_ARN.exec(arn);
  if (!m) return validation(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  if (m[2] !== ctx.account)
    return fail(
      "AccessDeniedException",
      `User: ${ctx.principal.arn} is not authorized to perform: dynamodb:${action} on resource: ${arn} because no resource-based policy allows the dynamodb:${action} action`,
    );
  const table = ctx.world.dynamodb.tables.get(arn);
  if (!table || m[1] !== ctx.region)
    return fail("ResourceNotFoundException", `Requested resource not found: ResourcArn: ${arn} not found`);
  return ok(table);
}

function activeOf(ctx: CallContext, input: JsonInput, action: string): Outcome<Table> {
  const table = tableOf(ctx, input, action);
  if (!table.ok || tableStatus(table.value) === "ACTIVE") return table;
  return fail(
    "ResourceInUseException",
    `Attempt to change a resource which is still in use: Table is not ACTIVE: ${table.value.name}`,
  );
}

const TagResource: DynamoHandler = (ctx, input) => {
  const tags = field.objects(input, "Tags");
  if (tags.length === 0)
    return validation(
      "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
    );
  const table = activeOf(ctx, input, "TagResource");
  if (!table.ok) return table;
  const next = new Map(table.value.tags);
  for (const tag of tags) {
    const key = field.str(tag, "Key");
    const value = field.str(tag, "Value");
    if (!key || key.length > 128 || value === undefined || value.length > 256)
      return validation("One or more parameter values were invalid: a tag needs a Key (1–128) and a Value (0–256)");
    if (key.startsWith("aws:"))
      return validation("One or more parameter values were invalid: aws: is a reserved prefix");
    next.set(key, value);
  }
  if (next.size > MAX_TAGS)
    return validation(`One or more parameter values were invalid: The number of tags exceeds the limit of ${MAX_TAGS}`);
  table.value.tags = next;
  return ok({});
};

const UntagResource: DynamoHandler = (ctx, input) => {
  const keys = Array.isArray(input.TagKeys) ? input.TagKeys.filter((k): k is string => typeof k === "string") : [];
  if (keys.length === 0)
    return validation(
      "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
    );
  const table = activeOf(ctx, input, "UntagResource");
  if (!table.ok) return table;
  for (const key of keys) table.value.tags.delete(key);
  return ok({});
};

/** One page: a table has at most 50 tags. */
const ListTagsOfResource: DynamoHandler = (ctx, input) => {
  const table = tableOf(ctx, input, "ListTagsOfResource");
  if (!table.ok) return table;
  const tags = [...table.value.tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return ok({ Tags: tags.map(([Key, Value]) => ({ Key, Value })) });
};

export const tagActions: Record<string, DynamoHandler> = { TagResource, UntagResource, ListTagsOfResource };
