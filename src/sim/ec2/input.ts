/**
 * Reading ec2Query inputs shared by several actions: tags and tag specifications, filters (with EC2's
 * `*` / `?` wildcards) and permission changes (createVolumePermission / launchPermission).
 */
import { fail, type Outcome, ok } from "../outcome.js";
import { pageOf } from "../paging.js";
import { subInput } from "../protocol/ec2query.js";
import type { QueryInput } from "../protocol/query.js";
import type { Tags } from "../world.js";
import { invalidValue } from "./errors.js";

/** `Tag.N.Key` / `Tag.N.Value` (CreateTags, DeleteTags, TagSpecification.N). */
export function readTags(input: QueryInput, name = "Tag"): Tags {
  const tags: Tags = new Map();
  for (const t of input.structs(name)) {
    const key = t.str("Key");
    if (key !== undefined) tags.set(key, t.str("Value") ?? "");
  }
  return tags;
}

/** `TagSpecification.N.ResourceType` + tags, for the resource types the action creates. */
export function readTagSpecs(input: QueryInput, allowed: readonly string[]): Outcome<Map<string, Tags>> {
  const specs = new Map<string, Tags>();
  for (const spec of input.structs("TagSpecification")) {
    const type = spec.str("ResourceType") ?? "";
    if (!allowed.includes(type)) {
      return invalidValue(`'${type}' is not a valid taggable resource type for this operation.`);
    }
    const tags = specs.get(type) ?? new Map();
    for (const [k, v] of readTags(spec)) tags.set(k, v);
    specs.set(type, tags);
  }
  return ok(specs);
}

/** EC2 filter values: `*` any run of characters, `?` one character, case-sensitive. */
export function globMatches(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "s").test(value);
}

export interface Filter {
  name: string;
  values: string[];
}

/** `Filter.N.Name` / `Filter.N.Value.M`; `tag:<key>` is always known. */
export function readFilters(input: QueryInput, known: readonly string[]): Outcome<Filter[]> {
  const filters: Filter[] = [];
  for (const f of input.structs("Filter")) {
    const name = f.str("Name") ?? "";
    if (!known.includes(name) && !name.startsWith("tag:")) return invalidValue(`The filter '${name}' is invalid`);
    filters.push({ name, values: f.list("Value") });
  }
  return ok(filters);
}

/** Does a resource pass every filter? `fields` answers the resource's values for a filter name. */
export function passes(filters: Filter[], fields: (name: string) => string[], tags: Tags | undefined): boolean {
  return filters.every(({ name, values }) => {
    let have: string[];
    if (name.startsWith("tag:")) {
      const v = tags?.get(name.slice(4));
      have = v === undefined ? [] : [v];
    } else if (name === "tag-key") have = [...(tags?.keys() ?? [])];
    else have = fields(name);
    return values.some((pattern) => have.some((h) => globMatches(pattern, h)));
  });
}

export interface PermissionChanges {
  add: string[];
  remove: string[];
}

/**
 * `<Struct>.Add.N.UserId|Group` and `<Struct>.Remove.N…`, or the older form `OperationType=add|remove` with
 * `UserId.N` / `UserGroup.N`. Groups are kept as `all`; every user id must be 12 digits.
 */
export function readPermissionChanges(input: QueryInput, struct: string): Outcome<PermissionChanges> {
  const holder = subInput(input, struct);
  const side = (name: "Add" | "Remove") =>
    (holder?.structs(name) ?? []).flatMap((p) => [p.str("UserId"), p.str("Group")]).filter((v) => v !== undefined);
  const changes: PermissionChanges = { add: side("Add"), remove: side("Remove") };
  const plain = [...input.list("UserId"), ...input.list("UserGroup")];
  if (plain.length > 0) {
    const op = input.str("OperationType");
    if (op !== "add" && op !== "remove") return invalidValue("OperationType must be add or remove");
    changes[op].push(...plain);
  }
  for (const v of [...changes.add, ...changes.remove]) {
    if (v !== "all" && !/^\d{12}$/.test(v)) return invalidValue(`Invalid user id: '${v}'`);
  }
  return ok(changes);
}

/**
 * MaxResults and NextToken over a sorted list. Below `min` is refused; above `pageMax` is accepted and
 * answers `pageMax` items (with a NextToken), as EC2 documents for its describes ("if you specify a value
 * larger than the maximum, only the maximum is returned"). Without MaxResults: everything.
 */
export function paginate<T>(
  input: QueryInput,
  items: T[],
  bounds: { min: number; pageMax: number },
): Outcome<{ items: T[]; next?: string }> {
  const max = input.num("MaxResults");
  if (max !== undefined && (!Number.isInteger(max) || max < bounds.min)) {
    return invalidValue(
      `Value (${max}) for parameter maxResults is invalid. Expecting a value greater than or equal to ${bounds.min}.`,
    );
  }
  const limit = max === undefined ? Number.MAX_SAFE_INTEGER : Math.min(max, bounds.pageMax);
  const page = pageOf(items, input.str("NextToken"), limit);
  if (!page) return fail("InvalidPaginationToken", "The specified pagination token is not valid or is expired.");
  return ok(page);
}
