/**
 * What the runbook commands share: the step registry and reading a runbook with its --param overrides.
 * AWS sessions (`session.ts`), the display (`display.ts`) and the state file (`state-file.ts`) live apart,
 * so that `validate` and `schema` load none of them.
 */
import { resolve } from "node:path";
import { HikkoshiError } from "../core/errors.js";
import { loadRunbook } from "../runbook/index.js";
import type { Runbook } from "../runbook/types.js";
import { builtinRegistry } from "../steps/index.js";
import type { CliIO } from "./io.js";
import { sdkRegions } from "./regions.js";

export type { GlobalOptions } from "./state-file.js";

export const registry = builtinRegistry();

export function parseParams(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0)
      throw new HikkoshiError("USAGE", `--param expects k=v, got "${item}"`, { hint: "e.g. --param instances=[a,b]" });
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export function readRunbook(io: CliIO, file: string, params?: string[]): Runbook {
  return loadRunbook(resolve(io.cwd, file), registry, { paramOverrides: parseParams(params), regions: sdkRegions() });
}
