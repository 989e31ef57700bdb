import { fail, type Outcome, ok } from "../outcome.js";
import type { CallContext } from "../protocol/types.js";
import { regionState, type Snapshot, type World } from "../world.js";
import {
  type Flavour,
  invalidIdentifierMessage,
  NOT_FOUND_STATUS,
  parseRdsArn,
  rdsArn,
  validIdentifier,
} from "./flavours.js";

export type SnapshotStatus = { status: "creating" | "available"; percent: number };

/** Progress is a function of virtual time: nothing ticks, the state is computed when asked. */
export function snapshotStatus(s: Snapshot, now: number): SnapshotStatus {
  const elapsed = now - s.createdAt;
  if (elapsed >= s.durationMs) return { status: "available", percent: 100 };
  return { status: "creating", percent: Math.max(0, Math.floor((100 * elapsed) / s.durationMs)) };
}

export function durationFor(world: World, sizeGb: number): number {
  return Math.round(sizeGb * world.seed.rdsSecondsPerGb * 1000);
}

export function isSharedWith(s: Snapshot, account: string): boolean {
  return s.sharedWith.has(account) || s.sharedWith.has("all");
}

function notFound(f: Flavour, ref: string) {
  return fail(f.codes.notFound, `${f.label} ${ref} not found.`, NOT_FOUND_STATUS);
}

interface Located {
  account: string;
  region: string;
  id: string;
}

/** An identifier or an ARN of the flavour's type; identifiers are the caller's, in the caller's region. */
function locate(ctx: CallContext, f: Flavour, ref: string): Located | undefined {
  if (!ref.startsWith("arn:")) return { account: ctx.account, region: ctx.region, id: ref.toLowerCase() };
  const arn = parseRdsArn(ref);
  if (!arn || arn.type !== f.arnType) return undefined;
  return { account: arn.account, region: arn.region, id: arn.id.toLowerCase() };
}

function lookup(world: World, at: Located, f: Flavour): Snapshot | undefined {
  const region = world.accounts.get(at.account)?.regions.get(at.region);
  return region ? f.store(region).get(at.id) : undefined;
}

/** A snapshot the caller owns (by id, or by an ARN in its own account). */
export function findOwn(ctx: CallContext, f: Flavour, ref: string | undefined): Outcome<Snapshot> {
  if (!ref) return fail("InvalidParameterValue", `${f.idParam} is required.`);
  const at = locate(ctx, f, ref);
  if (!at || at.account !== ctx.account) return notFound(f, ref);
  const s = lookup(ctx.world, at, f);
  return s ? ok(s) : notFound(f, ref);
}

/** A snapshot the caller may read: its own, or another account's (by ARN) shared with it or public. */
export function findReadable(ctx: CallContext, f: Flavour, ref: string | undefined): Outcome<Snapshot> {
  if (!ref) return fail("InvalidParameterValue", `${f.idParam} is required.`);
  const at = locate(ctx, f, ref);
  if (!at) return notFound(f, ref);
  const s = lookup(ctx.world, at, f);
  if (!s || (s.account !== ctx.account && !isSharedWith(s, ctx.account))) return notFound(f, ref);
  return ok(s);
}

/** Check a new manual snapshot identifier: valid, not `rds:`, unused in the caller's account+region. */
export function checkNewIdentifier(ctx: CallContext, f: Flavour, raw: string | undefined): Outcome<string> {
  if (!raw) return fail("InvalidParameterValue", `${f.idParam} is required.`);
  if (!validIdentifier(raw)) return fail("InvalidParameterValue", invalidIdentifierMessage(f.idParam, raw));
  const id = raw.toLowerCase();
  if (f.store(regionState(ctx.world, ctx.account, ctx.region)).has(id)) {
    return fail(
      f.codes.alreadyExists,
      `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
    );
  }
  return ok(id);
}

export interface NewSnapshot {
  id: string;
  account: string;
  region: string;
  sourceId: string;
  sourceResourceId: string;
  engine: string;
  engineVersion: string;
  sizeGb: number;
  type: Snapshot["type"];
  kmsKeyArn?: string;
  createdAt: number;
  /** Default: createdAt. */
  originalCreatedAt?: number;
  durationMs: number;
  copiedFrom?: string;
  sourceRegion?: string;
  tags: Map<string, string>;
}

export function addSnapshot(world: World, f: Flavour, spec: NewSnapshot): Snapshot {
  const snapshot: Snapshot = {
    ...spec,
    originalCreatedAt: spec.originalCreatedAt ?? spec.createdAt,
    kind: f.kind,
    arn: rdsArn(spec.region, spec.account, f.arnType, spec.id),
    sharedWith: new Set(),
  };
  f.store(regionState(world, spec.account, spec.region)).set(spec.id, snapshot);
  return snapshot;
}

/** Copies still in progress in the caller's account and region (both flavours count). */
export function copiesInProgress(ctx: CallContext): number {
  const region = regionState(ctx.world, ctx.account, ctx.region);
  const all = [...region.snapshots.values(), ...region.clusterSnapshots.values()];
  return all.filter((s) => s.copiedFrom !== undefined && snapshotStatus(s, ctx.now).status === "creating").length;
}

/** Manual snapshots can be deleted when available; a copy in progress can be deleted (cancelled). */
export function deleteSnapshot(ctx: CallContext, f: Flavour, ref: string | undefined): Outcome<Snapshot> {
  const found = findOwn(ctx, f, ref);
  if (!found.ok) return found;
  const s = found.value;
  if (s.type === "automated") {
    return fail(
      f.codes.invalidState,
      `Automated snapshots cannot be deleted: ${s.id}. They expire with the retention period.`,
    );
  }
  if (snapshotStatus(s, ctx.now).status !== "available" && s.copiedFrom === undefined) {
    return fail(f.codes.invalidState, `${f.label} ${s.id} is not currently in the available state.`);
  }
  f.store(regionState(ctx.world, s.account, s.region)).delete(s.id);
  return ok(s);
}
