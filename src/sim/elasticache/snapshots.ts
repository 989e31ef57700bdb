/**
 * Node-based snapshots: CreateSnapshot (of a replication group, or of a cluster: a standalone Valkey /
 * Redis OSS one, or a member of a replication group without cluster mode), CopySnapshot (a copy in
 * ElastiCache, or with TargetBucket an export to S3: exports.ts), DeleteSnapshot and DescribeSnapshots.
 * Memcached has no snapshots (SnapshotFeatureNotSupportedFault).
 */
import { resolveKey } from "../kms/keys.js";
import { fail, type Outcome, ok } from "../outcome.js";
import { type QueryInput, xmlList } from "../protocol/query.js";
import type { CallContext } from "../protocol/types.js";
import { snapshotOfCluster, snapshotOfGroup } from "./build.js";
import { cacheClusterNotFound, NOT_FOUND, paginate, replicationGroupNotFound } from "./describe.js";
import { checkExportBucket, exportKeys, newExport } from "./exports.js";
import { type CacheSnapshot, cacheArn, cacheRegion, peekRegion } from "./model.js";
import { memberClusters, snapshotXml } from "./render.js";
import { snapshotDuration, snapshotStatus, sum } from "./status.js";
import { readTags } from "./tags.js";

type Result = Outcome<Record<string, unknown>>;

export const snapshotNotFound = (name: string) =>
  fail("SnapshotNotFoundFault", `Snapshot ${name} not found.`, NOT_FOUND);

/** A KmsKeyId in any form KMS accepts, resolved in the caller's account and region. */
export function keyArnOf(ctx: CallContext, ref: string | undefined): Outcome<string | undefined> {
  if (!ref) return ok(undefined);
  const key = resolveKey(ctx.world, ctx.account, ctx.region, ref);
  if (!key.ok) return fail("InvalidKMSKeyFault", `The KMS key ${ref} is not valid: ${key.error.message}`);
  return ok(key.value.arn);
}

function newName(ctx: CallContext, name: string | undefined, param: string): Outcome<string> {
  if (!name) return fail("InvalidParameterValue", `The parameter ${param} must be provided.`);
  if (cacheRegion(ctx.world, ctx.account, ctx.region).snapshots.has(name)) {
    return fail("SnapshotAlreadyExistsFault", `Snapshot ${name} already exists.`);
  }
  return ok(name);
}

export function findSnapshot(ctx: CallContext, name: string | undefined): Outcome<CacheSnapshot> {
  if (!name) return fail("InvalidParameterValue", "The parameter SnapshotName must be provided.");
  const s = peekRegion(ctx.world, ctx.account, ctx.region)?.snapshots.get(name);
  return s ? ok(s) : snapshotNotFound(name);
}

export function createSnapshot(ctx: CallContext, input: QueryInput): Result {
  const groupId = input.str("ReplicationGroupId")?.toLowerCase();
  const clusterId = input.str("CacheClusterId")?.toLowerCase();
  if (!groupId && !clusterId) {
    return fail("InvalidParameterCombination", "Either ReplicationGroupId or CacheClusterId must be provided.");
  }
  if (groupId && clusterId) {
    return fail("InvalidParameterCombination", "Cannot specify both ReplicationGroupId and CacheClusterId.");
  }
  const state = cacheRegion(ctx.world, ctx.account, ctx.region);
  const at = { world: ctx.world, account: ctx.account, region: ctx.region };
  let make: ((spec: Parameters<typeof snapshotOfGroup>[2]) => CacheSnapshot) | undefined;
  if (groupId) {
    const group = state.replicationGroups.get(groupId);
    if (!group) return replicationGroupNotFound(groupId);
    make = (spec) => snapshotOfGroup(at, group, spec);
  } else {
    const cluster = state.cacheClusters.get(clusterId!);
    const group = [...state.replicationGroups.values()].find((g) => memberClusters(g).includes(clusterId!));
    if (cluster?.engine === "memcached") {
      return fail(
        "SnapshotFeatureNotSupportedFault",
        `Cache cluster ${cluster.id} runs Memcached: snapshots are supported for Valkey and Redis OSS only.`,
      );
    }
    if (cluster) make = (spec) => snapshotOfCluster(at, cluster, spec);
    else if (group?.clusterMode) {
      return fail(
        "InvalidParameterCombination",
        `Cache cluster ${clusterId} belongs to replication group ${group.id}, which has cluster mode enabled: snapshot the replication group.`,
      );
    } else if (group) make = (spec) => ({ ...snapshotOfGroup(at, group, spec), cacheClusterId: clusterId });
    else return cacheClusterNotFound(clusterId!);
  }
  const name = newName(ctx, input.str("SnapshotName"), "SnapshotName");
  if (!name.ok) return name;
  const key = keyArnOf(ctx, input.str("KmsKeyId"));
  if (!key.ok) return key;
  const snapshot = make({
    name: name.value,
    source: "manual",
    createdAt: ctx.now,
    tags: readTags(input),
    ...(key.value ? { kmsKeyArn: key.value } : {}),
  });
  state.snapshots.set(snapshot.name, snapshot);
  return ok({ Snapshot: snapshotXml(snapshot, ctx.now) });
}

/** CopySnapshot: without TargetBucket a new snapshot (creating, then available); with it an export to S3. */
export function copySnapshot(ctx: CallContext, input: QueryInput): Result {
  const found = findSnapshot(ctx, input.str("SourceSnapshotName"));
  if (!found.ok) return found;
  const source = found.value;
  const status = snapshotStatus(source, ctx.now);
  if (status !== "available") {
    return fail("InvalidSnapshotState", `Snapshot ${source.name} is not in the available state (${status}).`);
  }
  const target = input.str("TargetSnapshotName");
  const bucketName = input.str("TargetBucket");
  if (bucketName !== undefined && bucketName !== "") {
    if (!target) return fail("InvalidParameterValue", "The parameter TargetSnapshotName must be provided.");
    const keys = exportKeys(target, source.shardBytes.length);
    const bucket = checkExportBucket(ctx, bucketName, keys);
    if (!bucket.ok) return bucket;
    source.exports.push(newExport(ctx, bucket.value, keys, source.shardBytes, source.arn));
    return ok({ Snapshot: snapshotXml(source, ctx.now) });
  }
  const name = newName(ctx, target, "TargetSnapshotName");
  if (!name.ok) return name;
  const key = keyArnOf(ctx, input.str("KmsKeyId"));
  if (!key.ok) return key;
  const copy: CacheSnapshot = {
    ...source,
    name: name.value,
    arn: cacheArn(ctx.region, ctx.account, "snapshot", name.value),
    source: "manual",
    shardBytes: [...source.shardBytes],
    ...(key.value ? { kmsKeyArn: key.value } : {}),
    createdAt: ctx.now,
    durationMs: snapshotDuration(ctx.world, sum(source.shardBytes)),
    exports: [],
    tags: readTags(input),
  };
  delete copy.deletingAt;
  cacheRegion(ctx.world, ctx.account, ctx.region).snapshots.set(copy.name, copy);
  return ok({ Snapshot: snapshotXml(copy, ctx.now) });
}

/** DeleteSnapshot: `deleting`, gone DELETE_MS later; refused while creating, exporting or deleting. */
export function deleteSnapshot(ctx: CallContext, input: QueryInput): Result {
  const found = findSnapshot(ctx, input.str("SnapshotName"));
  if (!found.ok) return found;
  const s = found.value;
  const status = snapshotStatus(s, ctx.now);
  if (status !== "available") {
    return fail("InvalidSnapshotState", `Snapshot ${s.name} is not in the available state (${status}).`);
  }
  s.deletingAt = ctx.now;
  return ok({ Snapshot: snapshotXml(s, ctx.now) });
}

const SOURCES: Record<string, CacheSnapshot["source"]> = { user: "manual", system: "automated" };

export function describeSnapshots(ctx: CallContext, input: QueryInput): Result {
  const sourceFilter = input.str("SnapshotSource");
  if (sourceFilter !== undefined && !(sourceFilter in SOURCES)) {
    return fail("InvalidParameterValue", `Invalid SnapshotSource ${sourceFilter}: must be user or system.`);
  }
  const state = peekRegion(ctx.world, ctx.account, ctx.region);
  const name = input.str("SnapshotName");
  const group = input.str("ReplicationGroupId")?.toLowerCase();
  const cluster = input.str("CacheClusterId")?.toLowerCase();
  if (name && !state?.snapshots.has(name)) return snapshotNotFound(name);
  if (group && !state?.replicationGroups.has(group)) return replicationGroupNotFound(group);
  const selected = [...(state?.snapshots.values() ?? [])]
    .filter((s) => !name || s.name === name)
    .filter((s) => !group || s.replicationGroupId === group)
    .filter((s) => !cluster || s.cacheClusterId === cluster)
    .filter((s) => !sourceFilter || s.source === SOURCES[sourceFilter])
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = paginate(input, selected);
  if (!page.ok) return page;
  return ok({
    Marker: page.value.marker,
    Snapshots: xmlList(
      "Snapshot",
      page.value.items.map((s) => snapshotXml(s, ctx.now)),
    ),
  });
}
