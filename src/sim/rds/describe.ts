import { fail, type Outcome, ok } from "../outcome.js";
import { pageOf } from "../paging.js";
import { type QueryInput, xmlList } from "../protocol/query.js";
import type { CallContext } from "../protocol/types.js";
import type { Snapshot } from "../world.js";
import { type Flavour, NOT_FOUND_STATUS, parseRdsArn } from "./flavours.js";
import { findReadable, isSharedWith } from "./model.js";
import { dbClusterXml, dbInstanceXml, snapshotXml } from "./render.js";

type Filters = Map<string, string[]>;

function readFilters(input: QueryInput, known: readonly string[]): Outcome<Filters> {
  const filters: Filters = new Map();
  for (const f of input.structs("Filters")) {
    const name = f.str("Name") ?? "";
    if (!known.includes(name)) return fail("InvalidParameterValue", `Unrecognized filter name: ${name}.`);
    filters.set(name, f.list("Values"));
  }
  return ok(filters);
}

/** An identifier or ARN compared with a resource's id (filters accept both). */
function matchesId(values: string[] | undefined, id: string, arn?: string): boolean {
  if (!values) return true;
  return values.some((v) => v.toLowerCase() === id || v === arn || parseRdsArn(v)?.id.toLowerCase() === id);
}

/** MaxRecords (20–100, default 100) and Marker: one page of an already sorted list. */
export function paginate<T>(input: QueryInput, items: T[]): Outcome<{ items: T[]; marker?: string }> {
  const max = input.num("MaxRecords") ?? 100;
  if (!Number.isInteger(max) || max < 20 || max > 100) {
    return fail("InvalidParameterValue", `Invalid value ${max} for MaxRecords. Must be between 20 and 100`);
  }
  const page = pageOf(items, input.str("Marker"), max);
  if (!page) return fail("InvalidParameterValue", "The marker is not valid.");
  return ok({ items: page.items, marker: page.next });
}

const SNAPSHOT_TYPES = ["automated", "manual", "shared", "public", "awsbackup"];

/** Snapshots of other accounts in this region that the caller can see. */
function sharedWithCaller(ctx: CallContext, f: Flavour, publicOnly: boolean): Snapshot[] {
  const out: Snapshot[] = [];
  for (const account of ctx.world.accounts.values()) {
    if (account.id === ctx.account) continue;
    const region = account.regions.get(ctx.region);
    if (!region) continue;
    for (const s of f.store(region).values()) {
      if (publicOnly ? s.sharedWith.has("all") : isSharedWith(s, ctx.account)) out.push(s);
    }
  }
  return out;
}

/** DescribeDBSnapshots / DescribeDBClusterSnapshots. */
export function describeSnapshots(ctx: CallContext, f: Flavour, input: QueryInput): Outcome<Record<string, unknown>> {
  const idKey = f.kind === "instance" ? "db-snapshot-id" : "db-cluster-snapshot-id";
  const parentKey = f.kind === "instance" ? "db-instance-id" : "db-cluster-id";
  const resourceKey = f.kind === "instance" ? "dbi-resource-id" : "db-cluster-resource-id";
  const filters = readFilters(input, [idKey, parentKey, resourceKey, "snapshot-type", "engine"]);
  if (!filters.ok) return filters;
  const type = input.str("SnapshotType") ?? filters.value.get("snapshot-type")?.[0];
  if (type !== undefined && !SNAPSHOT_TYPES.includes(type)) {
    return fail("InvalidParameterValue", `Invalid snapshot type: ${type}.`);
  }
  const ref = input.str(f.idParam);
  let candidates: Snapshot[];
  if (ref) {
    const one = findReadable(ctx, f, ref);
    if (!one.ok) return one;
    candidates = [one.value];
  } else {
    const region = ctx.world.accounts.get(ctx.account)?.regions.get(ctx.region);
    const own = region ? [...f.store(region).values()] : [];
    if (type === "shared") candidates = sharedWithCaller(ctx, f, false);
    else if (type === "public") candidates = sharedWithCaller(ctx, f, true);
    else if (type === "automated" || type === "manual") candidates = own.filter((s) => s.type === type);
    else if (type === "awsbackup") candidates = [];
    else {
      candidates = [...own];
      if (input.bool("IncludeShared")) candidates.push(...sharedWithCaller(ctx, f, false));
      if (input.bool("IncludePublic")) candidates.push(...sharedWithCaller(ctx, f, true));
    }
  }
  const parent = input.str(f.parentParam);
  const fv = filters.value;
  const selected = [...new Set(candidates)]
    .filter((s) => (parent ? matchesId([parent], s.sourceId) : true))
    .filter((s) => matchesId(fv.get(idKey), s.id, s.arn) && matchesId(fv.get(parentKey), s.sourceId))
    .filter((s) => !fv.has(resourceKey) || fv.get(resourceKey)!.includes(s.sourceResourceId))
    .filter((s) => !fv.has("engine") || fv.get("engine")!.includes(s.engine))
    .sort((a, b) => (a.arn < b.arn ? -1 : 1));
  const page = paginate(input, selected);
  if (!page.ok) return page;
  const member = f.kind === "instance" ? "DBSnapshot" : "DBClusterSnapshot";
  return ok({
    Marker: page.value.marker,
    [`${member}s`]: xmlList(
      member,
      page.value.items.map((s) => snapshotXml(s, ctx.account, ctx.now)),
    ),
  });
}

export function describeInstances(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const filters = readFilters(input, ["db-instance-id", "engine", "dbi-resource-id"]);
  if (!filters.ok) return filters;
  const region = ctx.world.accounts.get(ctx.account)?.regions.get(ctx.region);
  let items = region ? [...region.instances.values()] : [];
  const ref = input.str("DBInstanceIdentifier");
  if (ref) {
    items = items.filter((i) => matchesId([ref], i.id, i.arn));
    if (items.length === 0) return fail("DBInstanceNotFound", `DBInstance ${ref} not found.`, NOT_FOUND_STATUS);
  }
  const fv = filters.value;
  items = items
    .filter((i) => matchesId(fv.get("db-instance-id"), i.id, i.arn))
    .filter((i) => !fv.has("engine") || fv.get("engine")!.includes(i.engine))
    .filter((i) => !fv.has("dbi-resource-id") || fv.get("dbi-resource-id")!.includes(i.resourceId))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const page = paginate(input, items);
  if (!page.ok) return page;
  return ok({ Marker: page.value.marker, DBInstances: xmlList("DBInstance", page.value.items.map(dbInstanceXml)) });
}

export function describeClusters(ctx: CallContext, input: QueryInput): Outcome<Record<string, unknown>> {
  const filters = readFilters(input, ["db-cluster-id", "engine", "db-cluster-resource-id"]);
  if (!filters.ok) return filters;
  const region = ctx.world.accounts.get(ctx.account)?.regions.get(ctx.region);
  let items = region ? [...region.clusters.values()] : [];
  const ref = input.str("DBClusterIdentifier");
  if (ref) {
    items = items.filter((c) => matchesId([ref], c.id, c.arn));
    if (items.length === 0) return fail("DBClusterNotFoundFault", `DBCluster ${ref} not found.`, NOT_FOUND_STATUS);
  }
  const fv = filters.value;
  items = items
    .filter((c) => matchesId(fv.get("db-cluster-id"), c.id, c.arn))
    .filter((c) => !fv.has("engine") || fv.get("engine")!.includes(c.engine))
    .filter((c) => !fv.has("db-cluster-resource-id") || fv.get("db-cluster-resource-id")!.includes(c.resourceId))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const page = paginate(input, items);
  if (!page.ok) return page;
  return ok({ Marker: page.value.marker, DBClusters: xmlList("DBCluster", page.value.items.map(dbClusterXml)) });
}
