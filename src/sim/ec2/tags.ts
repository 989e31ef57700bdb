/**
 * CreateTags / DeleteTags on the caller's volumes, snapshots and images (`ResourceId.N`, `Tag.N.Key/Value`).
 * Every resource is checked before any is changed.
 */
import { fail, type Outcome, ok } from "../outcome.js";
import type { QueryInput } from "../protocol/query.js";
import type { CallContext } from "../protocol/types.js";
import type { Tags } from "../world.js";
import type { Prepare } from "./action.js";
import { missing } from "./errors.js";
import { findTaggable } from "./find.js";
import { readTags } from "./input.js";

function resources(ctx: CallContext, input: QueryInput): Outcome<Tags[]> {
  const ids = input.list("ResourceId");
  if (ids.length === 0) return missing("ResourceId");
  const out: Tags[] = [];
  for (const id of ids) {
    const found = findTaggable(ctx, id);
    if (!found.ok) return found;
    out.push(found.value.tags);
  }
  return ok(out);
}

export const createTags: Prepare = (ctx, input) => {
  const targets = resources(ctx, input);
  if (!targets.ok) return targets;
  const tags = readTags(input);
  if (tags.size === 0) return missing("Tag");
  if ([...tags.keys()].some((k) => k.startsWith("aws:"))) {
    return fail("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
  }
  return ok(() => {
    for (const target of targets.value) for (const [k, v] of tags) target.set(k, v);
    return { return: true };
  });
};

/** A tag given with a value is deleted only when the value matches; without tags, every tag goes. */
export const deleteTags: Prepare = (ctx, input) => {
  const targets = resources(ctx, input);
  if (!targets.ok) return targets;
  const wanted = input.structs("Tag").map((t) => ({ key: t.str("Key") ?? "", value: t.str("Value") }));
  return ok(() => {
    for (const target of targets.value) {
      if (wanted.length === 0) target.clear();
      for (const { key, value } of wanted) if (value === undefined || target.get(key) === value) target.delete(key);
    }
    return { return: true };
  });
};
