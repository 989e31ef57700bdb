/**
 * Table changes: DeleteTable (DELETING for dynamodbDeleteSeconds of virtual time, then gone: settleDeletions),
 * UpdateTimeToLive, and UpdateTable for streams, deletion protection and billing. Changes apply at once (the
 * table does not pass through UPDATING); a table that is not ACTIVE answers ResourceInUseException.
 */

import { ok } from "../outcome.js";
import { field, type JsonInput } from "../protocol/json.js";
import type { Handler } from "../protocol/types.js";
import type { World } from "../world.js";
import type { Table } from "./model.js";
import { tableDescription } from "./render.js";
import { activeTable, validation } from "./tables.js";

type DynamoHandler = Handler<JsonInput>;

const objectOf = (value: unknown): JsonInput | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonInput) : undefined;

const DeleteTable: DynamoHandler = (ctx, input) => {
  const table = activeTable(ctx, field.str(input, "TableName"));
  if (!table.ok) return table;
  if (table.value.deletionProtection)
    return validation(
      "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
    );
  table.value.deletingSince = ctx.now;
  return ok({ TableDescription: tableDescription(table.value) });
};

/** DELETING tables whose time is over are gone (kept in `deleted` for the dump). Run before every call. */
export function settleDeletions(world: World, now: number): void {
  const state = world.dynamodb;
  const after = world.seed.dynamodbDeleteSeconds * 1000;
  for (const t of [...state.tables.values()]) {
    if (t.deletingSince === undefined || now < t.deletingSince + after) continue;
    removeTable(world, t, t.deletingSince + after);
  }
}

/** Takes a table out of the world (deleted, or a failed import's), remembered for the dump. */
export function removeTable(world: World, t: Table, at: number): void {
  world.dynamodb.tables.delete(t.arn);
  world.dynamodb.deleted.push({
    arn: t.arn,
    id: t.id,
    deletedAt: at,
    itemCount: t.items.count,
    digest: t.items.digest(),
  });
}

const UpdateTimeToLive: DynamoHandler = (ctx, input) => {
  const spec = objectOf(input.TimeToLiveSpecification);
  const enabled = spec && field.bool(spec, "Enabled");
  const attribute = spec && field.str(spec, "AttributeName");
  if (enabled === undefined || attribute === undefined || attribute === "")
    return validation(
      "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null",
    );
  const table = activeTable(ctx, field.str(input, "TableName"));
  if (!table.ok) return table;
  const current = table.value.ttlAttribute;
  if (current !== undefined && current !== attribute)
    return validation(`TimeToLive is active on a different AttributeName: current AttributeName is ${current}`);
  if (enabled && current !== undefined) return validation("TimeToLive is already enabled");
  if (!enabled && current === undefined) return validation("TimeToLive is already disabled");
  if (enabled) table.value.ttlAttribute = attribute;
  else delete table.value.ttlAttribute;
  return ok({ TimeToLiveSpecification: { Enabled: enabled, AttributeName: attribute } });
};

/** UpdateTable parameters the simulator does not apply: refused rather than ignored. */
const NOT_SIMULATED = [
  "AttributeDefinitions",
  "GlobalSecondaryIndexUpdates",
  "SSESpecification",
  "ReplicaUpdates",
  "TableClass",
  "OnDemandThroughput",
  "WarmThroughput",
  "MultiRegionConsistency",
  "GlobalTableWitnessUpdates",
];
const VIEW_TYPES = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"];

function streamChange(t: Table, spec: JsonInput, now: number): string | (() => void) {
  const enabled = field.bool(spec, "StreamEnabled");
  const view = field.str(spec, "StreamViewType");
  if (enabled === undefined)
    return "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null";
  if (!enabled) {
    if (t.streamViewType === undefined) return `Table does not have an enabled stream: TableName: ${t.name}`;
    return () => {
      delete t.streamViewType;
    };
  }
  if (t.streamViewType !== undefined) return `Table already has an enabled stream: TableName: ${t.name}`;
  if (view === undefined || !VIEW_TYPES.includes(view))
    return "One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true and must be one of KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES";
  return () => {
    t.streamViewType = view;
    t.streamSince = now;
  };
}

function billingChange(t: Table, input: JsonInput): string | (() => void) {
  const mode = field.str(input, "BillingMode") ?? t.billingMode;
  if (mode !== "PROVISIONED" && mode !== "PAY_PER_REQUEST")
    return `1 validation error detected: Value '${mode}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]`;
  const throughput = objectOf(input.ProvisionedThroughput);
  if (mode === "PAY_PER_REQUEST" && throughput)
    return "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST";
  const read = throughput && field.num(throughput, "ReadCapacityUnits");
  const write = throughput && field.num(throughput, "WriteCapacityUnits");
  if (mode === "PROVISIONED" && t.billingMode !== "PROVISIONED" && !throughput)
    return "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED";
  if (throughput && !(read !== undefined && read >= 1 && write !== undefined && write >= 1))
    return "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified and at least 1";
  return () => {
    t.billingMode = mode;
    if (read !== undefined && write !== undefined) {
      t.readCapacity = read;
      t.writeCapacity = write;
    }
  };
}

const UpdateTable: DynamoHandler = (ctx, input) => {
  const unsupported = NOT_SIMULATED.find((name) => input[name] !== undefined);
  if (unsupported) return validation(`${unsupported} is not simulated by hikkoshi-sim's UpdateTable`);
  const table = activeTable(ctx, field.str(input, "TableName"));
  if (!table.ok) return table;
  const t = table.value;
  const changes: (() => void)[] = [];
  const stream = objectOf(input.StreamSpecification);
  const protection = field.bool(input, "DeletionProtectionEnabled");
  const billing = input.BillingMode !== undefined || input.ProvisionedThroughput !== undefined;
  if (!stream && protection === undefined && !billing)
    return validation(
      "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required",
    );
  for (const change of [
    stream && streamChange(t, stream, ctx.now),
    billing && billingChange(t, input),
    protection !== undefined &&
      (() => {
        t.deletionProtection = protection;
      }),
  ]) {
    if (typeof change === "string") return validation(change);
    if (change) changes.push(change);
  }
  for (const change of changes) change();
  return ok({ TableDescription: tableDescription(t) });
};

export const updateActions: Record<string, DynamoHandler> = { DeleteTable, UpdateTimeToLive, UpdateTable };
