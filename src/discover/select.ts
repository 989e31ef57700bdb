/**
 * Which resources a discovery keeps: every `--filter tag:Key=Value` must match the resource's tags (a
 * Value of `*` only asks for the key), and at least one `--name-like` glob (`*` any run, `?` one
 * character) its id or name, when any is given.
 */
import { HikkoshiError } from "../core/errors.js";

export interface Selection {
  tags: Array<{ key: string; value: string }>;
  names: string[];
  keeps(resource: { id: string; name: string; tags: Record<string, string> }): boolean;
  /** As typed, for the draft's header comment. */
  describe(): string;
}

function globRegex(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

export function parseSelection(filters: readonly string[] = [], names: readonly string[] = []): Selection {
  const tags = filters.map((f) => {
    const m = /^tag:([^=]+)=(.*)$/.exec(f);
    if (!m) {
      throw new HikkoshiError("USAGE", `--filter ${f}: expected tag:Key=Value`, {
        hint: "e.g. --filter tag:Environment=staging (repeat it: every filter must match; Value * asks only for the key)",
      });
    }
    return { key: m[1]!, value: m[2]! };
  });
  const patterns = names.map(globRegex);
  return {
    tags,
    names: [...names],
    keeps: (r) =>
      tags.every((t) => r.tags[t.key] !== undefined && (t.value === "*" || r.tags[t.key] === t.value)) &&
      (patterns.length === 0 || patterns.some((p) => p.test(r.id) || p.test(r.name))),
    describe: () =>
      [...tags.map((t) => `--filter tag:${t.key}=${t.value}`), ...names.map((n) => `--name-like '${n}'`)].join(" ") ||
      "everything (no --filter, no --name-like)",
  };
}
