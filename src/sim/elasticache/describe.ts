/**
 * DescribeReplicationGroups, DescribeCacheClusters (standalone clusters and the member clusters of
 * replication groups, ShowCacheNodeInfo, ShowCacheClustersNotInReplicationGroups) and
 * DescribeServerlessCaches; Marker / MaxRecords (20–100, default 100) or NextToken / MaxResults.
 */
import { fail, type Outcome, ok } from "../outcome.js";
import { pageOf } from "../paging.js";
import { type QueryInput, xmlList } from "../protocol/query.js";
import type { CallContext } from "../protocol/types.js";
import { type CacheCluster, peekRegion, type ReplicationGroup } from "./model.js";
import { cacheClusterXml, memberClusters, replicationGroupXml, serverlessCacheXml } from "./render.js";

export const NOT_FOUND = 404;

/** MaxRecords (or MaxResults) 20–100, default 100, and the opaque marker. */
export function paginate<T>(
  input: QueryInput,
  items: T[],
  names: { max: string; marker: string } = { max: "MaxRecords", marker: "Marker" },
): Outcome<{ items: T[]; marker?: string }> {
  const max = input.num(names.max) ?? 100;
  if (!Number.isInteger(max) || max < 20 || max > 100) {
    return fail("InvalidParameterValue", `Invalid value ${max} for ${names.max}. Must be between 20 and 100.`);
  }
  const page = pageOf(items, input.str(names.marker), max);
  if (!page) return fail("InvalidParameterValue", `Invalid ${names.marker}.`);
  return ok({ items: page.items, marker: page.next });
}

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export function replicationGroupNotFound(id: string) {
  return fail("ReplicationGroupNotFoundFault", `Replication group ${id} not found.`, NOT_FOUND);
}

export function cacheClusterNotFound(id: string) {
  return fail("CacheClusterNotFound", `CacheCluster not found: ${id}`, NOT_FOUND);
}

export function describeReplicationGroups(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const state = peekRegion(ctx.world, ctx.account, ctx.region);
  let groups = state ? [...state.replicationGroups.values()] : [];
  const id = input.str("ReplicationGroupId");
  if (id) {
    groups = groups.filter((g) => g.id === id.toLowerCase());
    if (groups.length === 0) return replicationGroupNotFound(id);
  }
  const page = paginate(input, groups.sort(byKey((g) => g.id)));
  if (!page.ok) return page;
  return ok({
    Marker: page.value.marker,
    ReplicationGroups: xmlList("ReplicationGroup", page.value.items.map(replicationGroupXml)),
  });
}

type ClusterEntry = CacheCluster | { member: string; group: ReplicationGroup };
const entryId = (e: ClusterEntry) => ("member" in e ? e.member : e.id);

export function describeCacheClusters(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const state = peekRegion(ctx.world, ctx.account, ctx.region);
  let entries: ClusterEntry[] = state ? [...state.cacheClusters.values()] : [];
  if (state && !input.bool("ShowCacheClustersNotInReplicationGroups")) {
    for (const group of state.replicationGroups.values()) {
      for (const member of memberClusters(group)) entries.push({ member, group });
    }
  }
  const id = input.str("CacheClusterId");
  if (id) {
    entries = entries.filter((e) => entryId(e) === id.toLowerCase());
    if (entries.length === 0) return cacheClusterNotFound(id);
  }
  const page = paginate(input, entries.sort(byKey(entryId)));
  if (!page.ok) return page;
  const show = input.bool("ShowCacheNodeInfo") ?? false;
  return ok({
    Marker: page.value.marker,
    CacheClusters: xmlList(
      "CacheCluster",
      page.value.items.map((e) => cacheClusterXml(e, show)),
    ),
  });
}

export function describeServerlessCaches(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const state = peekRegion(ctx.world, ctx.account, ctx.region);
  let caches = state ? [...state.serverlessCaches.values()] : [];
  const name = input.str("ServerlessCacheName");
  if (name) {
    caches = caches.filter((c) => c.name === name);
    if (caches.length === 0) {
      return fail("ServerlessCacheNotFoundFault", `Serverless cache ${name} not found.`, NOT_FOUND);
    }
  }
  const page = paginate(input, caches.sort(byKey((c) => c.name)), { max: "MaxResults", marker: "NextToken" });
  if (!page.ok) return page;
  return ok({
    NextToken: page.value.marker,
    ServerlessCaches: xmlList("member", page.value.items.map(serverlessCacheXml)),
  });
}
