import { fail, type Outcome, ok } from "../outcome.js";
import type { QueryInput } from "../protocol/query.js";
import type { CallContext } from "../protocol/types.js";
import type { Tags } from "../world.js";
import { NOT_FOUND_STATUS, parseRdsArn } from "./flavours.js";
import { tagXml } from "./render.js";

const NOT_FOUND: Record<string, string> = {
  db: "DBInstanceNotFound",
  cluster: "DBClusterNotFoundFault",
  snapshot: "DBSnapshotNotFound",
  "cluster-snapshot": "DBClusterSnapshotNotFoundFault",
};

/** The tags of a resource named by ARN; only the caller's own resources can be tagged or listed. */
function tagsOf(ctx: CallContext, resourceName: string | undefined): Outcome<Tags> {
  const arn = parseRdsArn(resourceName ?? "");
  if (!arn || !(arn.type in NOT_FOUND)) {
    return fail("InvalidParameterValue", `The specified resource name ${resourceName ?? ""} is not a valid ARN.`);
  }
  const region = arn.account === ctx.account ? ctx.world.accounts.get(arn.account)?.regions.get(arn.region) : undefined;
  const id = arn.id.toLowerCase();
  const resource =
    arn.type === "db"
      ? region?.instances.get(id)
      : arn.type === "cluster"
        ? region?.clusters.get(id)
        : arn.type === "snapshot"
          ? region?.snapshots.get(id)
          : region?.clusterSnapshots.get(id);
  if (!resource) return fail(NOT_FOUND[arn.type]!, `${resourceName} not found.`, NOT_FOUND_STATUS);
  return ok(resource.tags);
}

export function readTags(input: QueryInput, name = "Tags"): Map<string, string> {
  const tags = new Map<string, string>();
  for (const t of input.structs(name)) {
    const key = t.str("Key");
    if (key !== undefined) tags.set(key, t.str("Value") ?? "");
  }
  return tags;
}

export function listTags(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const tags = tagsOf(ctx, input.str("ResourceName"));
  if (!tags.ok) return tags;
  return ok({ TagList: tagXml(tags.value) });
}

export function addTags(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const tags = tagsOf(ctx, input.str("ResourceName"));
  if (!tags.ok) return tags;
  for (const [k, v] of readTags(input)) tags.value.set(k, v);
  return ok({});
}

export function removeTags(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const tags = tagsOf(ctx, input.str("ResourceName"));
  if (!tags.ok) return tags;
  for (const k of input.list("TagKeys")) tags.value.delete(k);
  return ok({});
}
