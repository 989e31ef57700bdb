/**
 * Serverless cache snapshots: CreateServerlessCacheSnapshot, DescribeServerlessCacheSnapshots,
 * ExportServerlessCacheSnapshot (the same bucket checks as CopySnapshot's export, one
 * `<snapshot name>-0001.rdb` object) and DeleteServerlessCacheSnapshot.
 */
import { fail, type Outcome, ok } from "../outcome.js";
import { type QueryInput, xmlList } from "../protocol/query.js";
import type { CallContext } from "../protocol/types.js";
import { snapshotOfServerless } from "./build.js";
import { NOT_FOUND, paginate } from "./describe.js";
import { checkExportBucket, exportKeys, newExport } from "./exports.js";
import { cacheRegion, peekRegion, type ServerlessSnapshot } from "./model.js";
import { serverlessSnapshotXml } from "./render.js";
import { keyArnOf } from "./snapshots.js";
import { snapshotStatus } from "./status.js";
import { readTags } from "./tags.js";

type Result = Outcome<Record<string, unknown>>;

const cacheNotFound = (name: string) =>
  fail("ServerlessCacheNotFoundFault", `Serverless cache ${name} not found.`, NOT_FOUND);
const snapshotNotFound = (name: string) =>
  fail("ServerlessCacheSnapshotNotFoundFault", `Serverless cache snapshot ${name} not found.`, NOT_FOUND);

function find(ctx: CallContext, name: string | undefined): Outcome<ServerlessSnapshot> {
  if (!name) return fail("InvalidParameterValue", "The parameter ServerlessCacheSnapshotName must be provided.");
  const s = peekRegion(ctx.world, ctx.account, ctx.region)?.serverlessSnapshots.get(name);
  return s ? ok(s) : snapshotNotFound(name);
}

function requireAvailable(s: ServerlessSnapshot, now: number): Outcome<ServerlessSnapshot> {
  const status = snapshotStatus(s, now);
  if (status === "available") return ok(s);
  return fail(
    "InvalidServerlessCacheSnapshotStateFault",
    `Serverless cache snapshot ${s.name} is not in the available state (${status}).`,
  );
}

export function createServerlessSnapshot(ctx: CallContext, input: QueryInput): Result {
  const state = cacheRegion(ctx.world, ctx.account, ctx.region);
  const cacheName = input.str("ServerlessCacheName");
  if (!cacheName) return fail("InvalidParameterValue", "The parameter ServerlessCacheName must be provided.");
  const cache = state.serverlessCaches.get(cacheName);
  if (!cache) return cacheNotFound(cacheName);
  const name = input.str("ServerlessCacheSnapshotName");
  if (!name) return fail("InvalidParameterValue", "The parameter ServerlessCacheSnapshotName must be provided.");
  if (state.serverlessSnapshots.has(name)) {
    return fail("ServerlessCacheSnapshotAlreadyExistsFault", `Serverless cache snapshot ${name} already exists.`);
  }
  const key = keyArnOf(ctx, input.str("KmsKeyId"));
  if (!key.ok) return key;
  const s = snapshotOfServerless({ world: ctx.world, account: ctx.account, region: ctx.region }, cache, {
    name,
    type: "manual",
    createdAt: ctx.now,
    tags: readTags(input),
    ...(key.value ? { kmsKeyArn: key.value } : {}),
  });
  return ok({ ServerlessCacheSnapshot: serverlessSnapshotXml(s, ctx.now) });
}

export function describeServerlessSnapshots(ctx: CallContext, input: QueryInput): Result {
  const state = peekRegion(ctx.world, ctx.account, ctx.region);
  const cacheName = input.str("ServerlessCacheName");
  const name = input.str("ServerlessCacheSnapshotName");
  const type = input.str("SnapshotType");
  if (type !== undefined && type !== "automated" && type !== "manual") {
    return fail("InvalidParameterValue", `Invalid SnapshotType ${type}: must be automated or manual.`);
  }
  if (cacheName && !state?.serverlessCaches.has(cacheName)) return cacheNotFound(cacheName);
  if (name && !state?.serverlessSnapshots.has(name)) return snapshotNotFound(name);
  const selected = [...(state?.serverlessSnapshots.values() ?? [])]
    .filter((s) => !cacheName || s.cacheName === cacheName)
    .filter((s) => !name || s.name === name)
    .filter((s) => !type || s.type === type)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = paginate(input, selected, { max: "MaxResults", marker: "NextToken" });
  if (!page.ok) return page;
  return ok({
    NextToken: page.value.marker,
    ServerlessCacheSnapshots: xmlList(
      "ServerlessCacheSnapshot",
      page.value.items.map((s) => serverlessSnapshotXml(s, ctx.now)),
    ),
  });
}

export function exportServerlessSnapshot(ctx: CallContext, input: QueryInput): Result {
  const found = find(ctx, input.str("ServerlessCacheSnapshotName"));
  if (!found.ok) return found;
  const available = requireAvailable(found.value, ctx.now);
  if (!available.ok) return available;
  const s = available.value;
  const keys = exportKeys(s.name, 1);
  const bucket = checkExportBucket(ctx, input.str("S3BucketName"), keys);
  if (!bucket.ok) return bucket;
  s.exports.push(newExport(ctx, bucket.value, keys, [s.bytes], s.arn));
  return ok({ ServerlessCacheSnapshot: serverlessSnapshotXml(s, ctx.now) });
}

export function deleteServerlessSnapshot(ctx: CallContext, input: QueryInput): Result {
  const found = find(ctx, input.str("ServerlessCacheSnapshotName"));
  if (!found.ok) return found;
  const available = requireAvailable(found.value, ctx.now);
  if (!available.ok) return available;
  available.value.deletingAt = ctx.now;
  return ok({ ServerlessCacheSnapshot: serverlessSnapshotXml(available.value, ctx.now) });
}
