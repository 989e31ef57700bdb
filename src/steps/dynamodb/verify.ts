/**
 * dynamodb.verify: the target table holds exactly the source table's items. Both tables are scanned in
 * parallel segments into an order-independent digest (digest.ts: flat memory whatever the size); when the
 * digests differ, a second pass over both keeps only the keys of the buckets that differ and names the
 * items missing, extra or changed. Fails on any difference; its outputs (passed, source) are the gate
 * dynamodb.delete-table asks for.
 */
import type { TableDescription } from "@aws-sdk/client-dynamodb";
import { z } from "zod";
import { HikkoshiError } from "../../core/errors.js";
import type { AwsReader, PlanResult } from "../define.js";
import { defineStep } from "../define.js";
import { describeValue, failed, known, planParams } from "../shared/plan.js";
import { bucketOf, canonicalKey, displayKey, itemHash, TableDigest } from "./digest.js";
import { type Item, scanTable } from "./scan.js";
import { describeTable, TABLE_NAME, tableArn } from "./tables.js";

export const dynamodbVerifyParams = z.strictObject({
  sourceAccount: z.string().min(1).describe("Account alias that owns the source table."),
  sourceTable: z.string().regex(TABLE_NAME).describe("The source table."),
  table: z.string().regex(TABLE_NAME).describe("The copy in the step's account."),
  segments: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(8)
    .describe("Parallel Scan segments per table (each reads its share of the key space)."),
  maxDifferences: z.number().int().min(1).max(1000).default(20).describe("How many differing items the failure names."),
});
export type DynamodbVerifyParams = z.infer<typeof dynamodbVerifyParams>;

/** Beyond this many keys in differing buckets the second pass names none (counts only). */
const MAX_NARROW_KEYS = 200_000;
/** Scan reads 4 KB per read unit, strongly consistent reads cost 1 unit per 4 KB (on-demand $0.25 per million read units at list price; half-price eventually consistent). */
const READ_UNIT_BYTES = 4096;

function keyNames(t: TableDescription): string[] {
  const schema = t.KeySchema ?? [];
  const hash = schema.find((k) => k.KeyType === "HASH")?.AttributeName;
  const range = schema.find((k) => k.KeyType === "RANGE")?.AttributeName;
  return [hash, range].filter((n): n is string => n !== undefined);
}

async function digestOf(
  aws: AwsReader,
  alias: string,
  table: string,
  keys: string[],
  p: DynamodbVerifyParams,
  signal?: AbortSignal,
) {
  const digest = new TableDigest(keys);
  await scanTable(aws, alias, table, p.segments, (item) => digest.add(item), signal);
  return digest;
}

/** Key → item hash for the items whose key falls in `buckets`, or undefined past MAX_NARROW_KEYS. */
async function narrow(
  aws: AwsReader,
  alias: string,
  table: string,
  keys: string[],
  buckets: Set<number>,
  p: DynamodbVerifyParams,
): Promise<Map<string, { hash: string; shown: string }> | undefined> {
  const out = new Map<string, { hash: string; shown: string }>();
  let overflow = false;
  await scanTable(aws, alias, table, p.segments, (item: Item) => {
    if (overflow) return;
    const key = canonicalKey(item, keys);
    if (!buckets.has(bucketOf(key))) return;
    if (out.size >= MAX_NARROW_KEYS) {
      overflow = true;
      return;
    }
    out.set(key, { hash: itemHash(item).toString("hex"), shown: displayKey(item, keys) });
  });
  return overflow ? undefined : out;
}

export const dynamodbVerify = defineStep<DynamodbVerifyParams>({
  type: "dynamodb.verify",
  description:
    "Compare a DynamoDB table with its copy: item count and every item's key and content (parallel Scan, flat memory); fails on any difference.",
  params: dynamodbVerifyParams,
  outputs: {
    passed: "true (the step fails otherwise)",
    source: "ARN of the source table (the gate of dynamodb.delete-table)",
    target: "ARN of the compared copy",
    itemCount: "items in each table",
    digest: "content digest both tables share",
  },
  accountParams: { single: ["sourceAccount"] },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<DynamodbVerifyParams>(dynamodbVerifyParams, raw);
    // Reads both tables, changes nothing.
    const base = { action: "noop" as const, preconditions: problems, resources: [] as string[] };
    const summary = `compare ${describeValue(params.sourceTable)} with ${describeValue(params.table)} (every item)`;
    if (!known(params.sourceTable) || !known(params.sourceAccount)) return { ...base, summary };
    const source = await describeTable(ctx.aws, params.sourceAccount, params.sourceTable);
    if (!source) {
      problems.push(failed("TABLE_NOT_FOUND", `table ${params.sourceTable} not found in ${params.sourceAccount}`));
      return { ...base, summary };
    }
    const bytes = source.TableSizeBytes ?? 0;
    const segments = known(params.segments) ? params.segments : 8;
    const readUnits = 2 * Math.ceil(bytes / READ_UNIT_BYTES);
    return {
      ...base,
      resources: [source.TableArn ?? params.sourceTable],
      summary: `compare ${params.sourceTable} (${source.ItemCount ?? 0} items) with ${describeValue(params.table)}: every key and content`,
      estimate: {
        sizeGb: bytes / 1e9,
        durationSeconds: Math.max(5, Math.round(bytes / segments / 5e6)),
        costUsd: (readUnits / 1e6) * 0.25,
        note: "two full strongly consistent scans (on-demand read units at list price)",
      },
    };
  },

  async run(ctx, params) {
    const sourceAccount = ctx.accounts[params.sourceAccount];
    if (!sourceAccount) throw new HikkoshiError("UNKNOWN_ACCOUNT", `no account ${params.sourceAccount}`);
    const source = await describeTable(ctx.aws, params.sourceAccount, params.sourceTable);
    const target = await describeTable(ctx.aws, ctx.account.alias, params.table);
    if (!source || !target) {
      const which = source
        ? `${params.table} in ${ctx.account.alias}`
        : `${params.sourceTable} in ${params.sourceAccount}`;
      throw new HikkoshiError("TABLE_NOT_FOUND", `cannot verify: table ${which} not found`, { resource: which });
    }
    const keys = keyNames(source);
    const targetKeys = keyNames(target);
    if (keys.join("|") !== targetKeys.join("|")) {
      throw new HikkoshiError(
        "DYNAMODB_VERIFY_FAILED",
        `key schemas differ: ${params.sourceTable} is keyed by ${keys.join(", ")}, ${params.table} by ${targetKeys.join(", ")}`,
        { resource: params.table },
      );
    }
    const [a, b] = await Promise.all([
      digestOf(ctx.aws, params.sourceAccount, params.sourceTable, keys, params, ctx.signal),
      digestOf(ctx.aws, ctx.account.alias, params.table, keys, params, ctx.signal),
    ]);
    const differing = a.differingBuckets(b);
    if (differing.length > 0) {
      const buckets = new Set(differing);
      const [sa, sb] = await Promise.all([
        narrow(ctx.aws, params.sourceAccount, params.sourceTable, keys, buckets, params),
        narrow(ctx.aws, ctx.account.alias, params.table, keys, buckets, params),
      ]);
      throw new HikkoshiError("DYNAMODB_VERIFY_FAILED", failure(params, a.items, b.items, sa, sb), {
        hint: "the copy is not the source: find why (writes to the source after the export? import errors in CloudWatch?), then re-run the move into a new table; nothing was deleted",
        resource: params.table,
      });
    }
    ctx.log.info(`${params.table}: ${b.items} items, identical to ${params.sourceTable}`);
    return {
      passed: true,
      source: source.TableArn ?? tableArn(sourceAccount, params.sourceTable),
      target: target.TableArn ?? tableArn(ctx.account, params.table),
      itemCount: a.items,
      digest: a.hex(),
    };
  },
});

function failure(
  p: DynamodbVerifyParams,
  sourceItems: number,
  targetItems: number,
  sa: Map<string, { hash: string; shown: string }> | undefined,
  sb: Map<string, { hash: string; shown: string }> | undefined,
): string {
  const head = `${p.table} differs from ${p.sourceTable}: ${targetItems} items against ${sourceItems}`;
  if (!sa || !sb) return `${head} (too many differences to name them)`;
  const missing: string[] = [];
  const changed: string[] = [];
  const extra: string[] = [];
  for (const [key, s] of sa) {
    const t = sb.get(key);
    if (!t) missing.push(s.shown);
    else if (t.hash !== s.hash) changed.push(s.shown);
  }
  for (const [key, t] of sb) if (!sa.has(key)) extra.push(t.shown);
  const list = (what: string, keys: string[]) => {
    if (keys.length === 0) return [];
    const shown = keys.sort().slice(0, p.maxDifferences);
    const more = keys.length > shown.length ? ` and ${keys.length - shown.length} more` : "";
    return [`${keys.length} ${what}: ${shown.join("; ")}${more}`];
  };
  const parts = [
    ...list("missing from the copy", missing),
    ...list("changed", changed),
    ...list("only in the copy", extra),
  ];
  return `${head}; ${parts.join("; ")}`;
}
