/**
 * Whose is this? The cleanup step removes only what THIS run created. At run time a resource must carry
 * `hikkoshi:run` = this run's id; at plan time (no run yet) it must at least be tagged by hikkoshi for
 * this runbook (the run checks again, strictly). An object prefix must contain the run id as a token.
 */
import { RUN_TAG, RUNBOOK_TAG } from "../shared/ownership.js";
import { NOUNS, type TargetKind } from "./params.js";

/** What the engine puts where the run id goes while planning (src/engine/names.ts): no run exists yet. */
const PLAN_RUN = "run";

export interface Owner {
  runbook: string;
  /** Undefined while planning. */
  run: string | undefined;
}

export function ownerOf(ctx: { tags(): Record<string, string> }): Owner {
  const tags = ctx.tags();
  const run = tags[RUN_TAG] ?? PLAN_RUN;
  return { runbook: tags[RUNBOOK_TAG] ?? "", run: run === PLAN_RUN ? undefined : run };
}

export function ownedBy(tags: Record<string, string>, owner: Owner): boolean {
  if (owner.run !== undefined) return tags[RUN_TAG] === owner.run;
  return tags[RUN_TAG] !== undefined && tags[RUNBOOK_TAG] === owner.runbook;
}

function tokens(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/);
}

/**
 * Whether `prefix` holds the run id as a whole token (`hikkoshi/<runbook>/hk-<run>-<task>/` does). While
 * planning, when the run id is not known, a prefix only has to look like hikkoshi's ("hikkoshi" or "hk").
 */
export function prefixOwnedBy(prefix: string, owner: Owner): boolean {
  const parts = tokens(prefix);
  if (owner.run === undefined) return parts.includes("hikkoshi") || parts.includes("hk");
  const run = tokens(owner.run).join("");
  return run !== "" && parts.includes(run);
}

export function prefixRule(owner: Owner): string {
  return owner.run !== undefined
    ? `does not contain the run id "${owner.run}"`
    : 'does not look like a hikkoshi prefix (no "hikkoshi" or "hk-" part; the run checks it holds its run id)';
}

export function ownerRule(owner: Owner): string {
  return owner.run !== undefined
    ? `tag hikkoshi:run = ${owner.run}`
    : `hikkoshi tags of runbook "${owner.runbook}" (the run checks hikkoshi:run = its own id)`;
}

/** Why a present resource is not ours, for the precondition and the refusal. */
export function notOursReason(kind: TargetKind, id: string, owner: Owner, why: string): string {
  return `${NOUNS[kind]} ${id} was not created by this run (${why}); cleanup removes only resources with ${ownerRule(owner)}`;
}

export function describeTags(tags: Record<string, string>): string {
  return Object.keys(tags).length > 0 ? `its tags: ${JSON.stringify(tags)}` : "it has no tags";
}

export const NOT_OURS_HINT =
  "remove it from the cleanup lists (delete it by hand once you know it is garbage); nothing was deleted";
