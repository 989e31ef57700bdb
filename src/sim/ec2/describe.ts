/**
 * DescribeSnapshots, DescribeVolumes, DescribeImages: what the caller may see in its region (own resources
 * and those shared with it), narrowed by ids, owners, restorable-by / executable-by and filters, paged.
 */

import { itemList } from "../protocol/ec2query.js";
import type { QueryInput } from "../protocol/query.js";
import type { CallContext } from "../protocol/types.js";
import { answer, type Prepare } from "./action.js";
import { malformed, notFound } from "./errors.js";
import { paginate, passes, readFilters } from "./input.js";
import {
  type Ec2Kind,
  ID_PATTERN,
  imageState,
  imageVisibleTo,
  isSharedWith,
  peekEc2,
  regionStates,
  snapshotState,
  snapshotVisibleTo,
} from "./model.js";
import { imageXml, snapshotXml, volumeXml } from "./render.js";

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** `self` is the caller's account. */
const accounts = (ctx: CallContext, values: string[]) => values.map((v) => (v === "self" ? ctx.account : v));

/** Every id must be well formed and among the visible resources; unknown ones are reported together. */
function checkIds<T extends { id: string }>(kind: Ec2Kind, ids: string[], visible: T[]) {
  for (const id of ids) if (!ID_PATTERN[kind].test(id)) return malformed(kind, id);
  const known = new Set(visible.map((r) => r.id));
  const unknown = ids.filter((id) => !known.has(id));
  return unknown.length > 0 ? notFound(kind, unknown) : undefined;
}

export const describeSnapshots: Prepare = (ctx, input) => {
  const filters = readFilters(input, [
    "owner-id",
    "status",
    "volume-id",
    "snapshot-id",
    "encrypted",
    "description",
    "volume-size",
    "progress",
  ]);
  if (!filters.ok) return filters;
  let items = regionStates(ctx.world, ctx.region)
    .flatMap((s) => [...s.snapshots.values()])
    .filter((s) => snapshotVisibleTo(s, ctx.account));
  const ids = input.list("SnapshotId");
  if (ids.length > 0) {
    const problem = checkIds("snap", ids, items);
    if (problem) return problem;
    items = items.filter((s) => ids.includes(s.id));
  }
  const owners = accounts(ctx, input.list("Owner"));
  if (owners.length > 0) items = items.filter((s) => owners.includes(s.account));
  const restorableBy = accounts(ctx, input.list("RestorableBy"));
  if (restorableBy.length > 0) {
    items = items.filter((s) =>
      restorableBy.some((a) => (a === "all" ? s.sharedWith.has("all") : isSharedWith(s.sharedWith, a))),
    );
  }
  const fields = (s: (typeof items)[number]) => (name: string) => {
    const st = snapshotState(s, ctx.now);
    const values: Record<string, string> = {
      "owner-id": s.account,
      status: st.state,
      "volume-id": s.volumeId,
      "snapshot-id": s.id,
      encrypted: String(s.kmsKeyArn !== undefined),
      description: s.description,
      "volume-size": String(s.sizeGb),
      progress: `${st.percent}%`,
    };
    return values[name] === undefined ? [] : [values[name]];
  };
  items = items
    .filter((s) => passes(filters.value, fields(s), s.account === ctx.account ? s.tags : undefined))
    .sort(byId);
  const page = paginate(input, items, { min: 5, pageMax: 1000 });
  if (!page.ok) return page;
  return answer({
    snapshotSet: itemList(page.value.items.map((s) => snapshotXml(s, ctx.account, ctx.now))),
    nextToken: page.value.next,
  });
};

export const describeVolumes: Prepare = (ctx, input) => {
  const filters = readFilters(input, ["volume-id", "status", "encrypted", "size", "volume-type", "availability-zone"]);
  if (!filters.ok) return filters;
  let items = [...(peekEc2(ctx.world, ctx.account, ctx.region)?.volumes.values() ?? [])];
  const ids = input.list("VolumeId");
  if (ids.length > 0) {
    const problem = checkIds("vol", ids, items);
    if (problem) return problem;
    items = items.filter((v) => ids.includes(v.id));
  }
  const fields = (v: (typeof items)[number]) => (name: string) => {
    const values: Record<string, string> = {
      "volume-id": v.id,
      status: "available",
      encrypted: String(v.kmsKeyArn !== undefined),
      size: String(v.sizeGb),
      "volume-type": "gp3",
      "availability-zone": `${v.region}a`,
    };
    return values[name] === undefined ? [] : [values[name]];
  };
  items = items.filter((v) => passes(filters.value, fields(v), v.tags)).sort(byId);
  const page = paginate(input, items, { min: 5, pageMax: 500 });
  if (!page.ok) return page;
  return answer({ volumeSet: itemList(page.value.items.map(volumeXml)), nextToken: page.value.next });
};

/** ExecutableBy: images with an explicit launch permission for the account (`all` = public ones). */
function executableBy(ctx: CallContext, input: QueryInput) {
  const users = accounts(ctx, input.list("ExecutableBy"));
  return (shares: Set<string>) =>
    users.length === 0 || users.some((u) => (u === "all" ? shares.has("all") : isSharedWith(shares, u)));
}

export const describeImages: Prepare = (ctx, input) => {
  const filters = readFilters(input, [
    "name",
    "state",
    "image-id",
    "owner-id",
    "is-public",
    "description",
    "block-device-mapping.snapshot-id",
  ]);
  if (!filters.ok) return filters;
  let items = regionStates(ctx.world, ctx.region)
    .flatMap((s) => [...s.images.values()])
    .filter((i) => imageVisibleTo(i, ctx.account));
  const ids = input.list("ImageId");
  if (ids.length > 0) {
    const problem = checkIds("ami", ids, items);
    if (problem) return problem;
    items = items.filter((i) => ids.includes(i.id));
  }
  const owners = accounts(ctx, input.list("Owner"));
  if (owners.length > 0) items = items.filter((i) => owners.includes(i.account));
  const executable = executableBy(ctx, input);
  const fields = (i: (typeof items)[number]) => (name: string) => {
    const values: Record<string, string[]> = {
      name: [i.name],
      state: [imageState(ctx.world, i, ctx.now).state],
      "image-id": [i.id],
      "owner-id": [i.account],
      "is-public": [String(i.launchPermissions.has("all"))],
      description: [i.description],
      "block-device-mapping.snapshot-id": i.devices.map((d) => d.snapshotId),
    };
    return values[name] ?? [];
  };
  items = items
    .filter((i) => executable(i.launchPermissions))
    .filter((i) => passes(filters.value, fields(i), i.account === ctx.account ? i.tags : undefined))
    .sort(byId);
  const page = paginate(input, items, { min: 1, pageMax: 1000 });
  if (!page.ok) return page;
  return answer({
    imagesSet: itemList(page.value.items.map((i) => imageXml(ctx.world, i, ctx.account, ctx.now))),
    nextToken: page.value.next,
  });
};
