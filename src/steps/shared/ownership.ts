/**
 * "Is this ours?": resources a task creates carry `ctx.tags()`; a resumed task adopts what exists only
 * when every one of its tags matches.
 */
import { HikkoshiError } from "../../core/errors.js";

/** The tags every created resource carries (engine/names.ts `taskTags`): the run, the task, the runbook. */
export const RUN_TAG = "hikkoshi:run";
export const TASK_TAG = "hikkoshi:task";
export const RUNBOOK_TAG = "hikkoshi:runbook";

export interface AwsTag {
  Key?: string | undefined;
  Value?: string | undefined;
}

export function tagMap(list: readonly AwsTag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of list ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? "";
  return out;
}

export function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function isOurs(actual: Record<string, string>, ours: Record<string, string>): boolean {
  return Object.entries(ours).every(([key, value]) => actual[key] === value);
}

/**
 * At plan time the run id is not known yet, so only the tags that do not name the run are compared:
 * a resource created by the same runbook task (in this or an earlier run) counts as ours.
 */
export function looksOurs(actual: Record<string, string>, ours: Record<string, string>): boolean {
  return Object.entries(ours).every(([key, value]) => key === "hikkoshi:run" || actual[key] === value);
}

export function notOurs(kind: string, id: string, alias: string, tags: Record<string, string>): HikkoshiError {
  const seen = Object.keys(tags).length > 0 ? ` (its tags: ${JSON.stringify(tags)})` : " (it has no hikkoshi tags)";
  return new HikkoshiError(
    "RESOURCE_NOT_OURS",
    `${kind} ${id} already exists in ${alias} and was not created by this task${seen}`,
    {
      hint: `hikkoshi only adopts what it created; give the step another identifier or remove ${id} if it is garbage`,
      resource: id,
    },
  );
}
