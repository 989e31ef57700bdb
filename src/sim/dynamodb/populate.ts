import { uuidFrom } from "../ids.js";
import type { World } from "../world.js";
import { GeneratedSource } from "./generated.js";
import { type Item, itemFromPlain, keyId, keyTypeOf, ListSource } from "./items.js";
import { tableArn } from "./model.js";
import { TableItems } from "./overlay.js";
import type { KeySchemaSeedData, TableSeedData } from "./seed.js";

const DAY = 86_400_000;

/** Seeded tables of one account and region; `kmsKeyArn` resolves `alias/x` (or the managed aws/dynamodb). */
export function populateTables(
  world: World,
  at: { account: string; region: string; now: number },
  seeds: TableSeedData[],
  kmsKeyArn: (ref: string | undefined, where: string) => string | undefined,
  problem: (p: string) => void,
): void {
  for (const [i, t] of seeds.entries()) {
    const where = `dynamoTables.${i}`;
    const arn = tableArn(at.region, at.account, t.name);
    if (world.dynamodb.tables.has(arn)) {
      problem(`${where}: table ${t.name} is declared twice`);
      continue;
    }
    for (const [j, lsi] of t.lsis.entries()) {
      if (lsi.keySchema.hash.name !== t.keySchema.hash.name || !lsi.keySchema.range)
        problem(`${where}.lsis.${j}: a local index has the table's hash key and a range key`);
    }
    const items = (t.items ?? []).map((plain) => itemFromPlain(plain, t.keySchema));
    checkItems(items, t.keySchema, (p) => problem(`${where}.items.${p}`));
    world.dynamodb.tables.set(arn, {
      arn,
      id: uuidFrom("dynamodb-table", at.account, at.region, t.name),
      name: t.name,
      account: at.account,
      region: at.region,
      keySchema: t.keySchema,
      billingMode: t.billingMode,
      readCapacity: t.readCapacity,
      writeCapacity: t.writeCapacity,
      pitr: t.pitr,
      pitrSince: at.now - 35 * DAY,
      ...(t.ttlAttribute !== undefined ? { ttlAttribute: t.ttlAttribute } : {}),
      ...(t.streamViewType !== undefined ? { streamViewType: t.streamViewType } : {}),
      streamSince: at.now - 90 * DAY,
      gsis: t.gsis,
      lsis: t.lsis,
      sseType: t.sseType,
      ...(t.sseType === "KMS" ? { kmsKeyArn: kmsKeyArn(t.kmsKey, where) } : {}),
      replicas: t.replicas.filter((r) => r !== at.region),
      items: t.generated
        ? new TableItems(
            new GeneratedSource(t.generated, t.keySchema),
            t.keySchema,
            `generated:${JSON.stringify([t.generated, t.keySchema])}`,
          )
        : new TableItems(new ListSource(items, t.keySchema), t.keySchema),
      createdAt: at.now - 90 * DAY,
      deletionProtection: t.deletionProtection,
      tags: new Map(Object.entries(t.tags)),
    });
  }
}

function checkItems(items: Item[], keys: KeySchemaSeedData, problem: (p: string) => void): void {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    for (const k of [keys.hash, keys.range]) {
      if (k && keyTypeOf(item[k.name]) !== k.type) problem(`${i}: key attribute ${k.name} must be of type ${k.type}`);
    }
    const id = keyId(item, keys);
    if (seen.has(id)) problem(`${i}: another item has the same primary key`);
    seen.add(id);
  }
}
