/**
 * AddTagsToResource, RemoveTagsFromResource, ListTagsForResource on ElastiCache ARNs:
 * `arn:aws:elasticache:<region>:<account>:{replicationgroup,cluster,snapshot,serverlesscache,serverlesscachesnapshot}:<name>`.
 * Only the caller's own resources; the three answer the resource's tags (TagListMessage).
 */
import { fail, type Outcome, ok } from "../outcome.js";
import type { QueryInput } from "../protocol/query.js";
import type { CallContext } from "../protocol/types.js";
import type { Tags } from "../world.js";
import { type ArnType, parseCacheArn, peekRegion } from "./model.js";
import { memberClusters, tagXml } from "./render.js";

const NOT_FOUND: Record<ArnType, [string, number, string]> = {
  replicationgroup: ["ReplicationGroupNotFoundFault", 404, "Replication group"],
  cluster: ["CacheClusterNotFound", 404, "CacheCluster"],
  snapshot: ["SnapshotNotFoundFault", 404, "Snapshot"],
  serverlesscache: ["ServerlessCacheNotFoundFault", 404, "Serverless cache"],
  serverlesscachesnapshot: ["ServerlessCacheSnapshotNotFoundFault", 404, "Serverless cache snapshot"],
};

export function readTags(input: QueryInput, name = "Tags"): Map<string, string> {
  const tags = new Map<string, string>();
  for (const t of input.structs(name)) {
    const key = t.str("Key");
    if (key !== undefined) tags.set(key, t.str("Value") ?? "");
  }
  return tags;
}

function tagsOf(ctx: CallContext, resourceName: string | undefined): Outcome<Tags> {
  const arn = parseCacheArn(resourceName ?? "");
  if (!arn) return fail("InvalidARN", `The ARN ${resourceName ?? ""} is not valid.`);
  const state =
    arn.account === ctx.account && arn.region === ctx.region
      ? peekRegion(ctx.world, arn.account, arn.region)
      : undefined;
  const id = arn.name;
  let tags: Tags | undefined;
  if (arn.type === "replicationgroup") tags = state?.replicationGroups.get(id)?.tags;
  else if (arn.type === "snapshot") tags = state?.snapshots.get(id)?.tags;
  else if (arn.type === "serverlesscache") tags = state?.serverlessCaches.get(id)?.tags;
  else if (arn.type === "serverlesscachesnapshot") tags = state?.serverlessSnapshots.get(id)?.tags;
  else {
    tags = state?.cacheClusters.get(id)?.tags;
    // A member cluster of a replication group shares the group's tags.
    for (const g of state?.replicationGroups.values() ?? []) if (!tags && memberClusters(g).includes(id)) tags = g.tags;
  }
  if (!tags) {
    const [code, status, label] = NOT_FOUND[arn.type];
    return fail(code, `${label} ${id} not found.`, status);
  }
  return ok(tags);
}

export function listTags(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const tags = tagsOf(ctx, input.str("ResourceName"));
  if (!tags.ok) return tags;
  return ok({ TagList: tagXml(tags.value) });
}

export function addTags(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const tags = tagsOf(ctx, input.str("ResourceName"));
  if (!tags.ok) return tags;
  const added = readTags(input);
  if (tags.value.size + [...added.keys()].filter((k) => !tags.value.has(k)).length > 50) {
    return fail(
      "TagQuotaPerResourceExceeded",
      "The request cannot be processed because it would cause the resource to have more than the allowed number of tags. The maximum number of tags permitted on a resource is 50.",
    );
  }
  for (const [k, v] of added) tags.value.set(k, v);
  return ok({ TagList: tagXml(tags.value) });
}

export function removeTags(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const tags = tagsOf(ctx, input.str("ResourceName"));
  if (!tags.ok) return tags;
  const keys = input.list("TagKeys");
  const missing = keys.find((k) => !tags.value.has(k));
  if (missing !== undefined) return fail("TagNotFound", `The tag ${missing} was not found on the resource.`, 404);
  for (const k of keys) tags.value.delete(k);
  return ok({ TagList: tagXml(tags.value) });
}
