import { z } from "zod";
import { HikkoshiError } from "../../core/errors.js";
import type { AccountRef } from "../define.js";

const ACCOUNT_ID = /^\d{12}$/;

/** An account alias from the runbook or a 12-digit id; "all" (public) is refused outright. */
/**
 * An account alias from the runbook or a 12-digit id; "all" (public) is refused outright. A pattern
 * rather than a refinement, so the JSON Schema (editor help) refuses it too.
 */
export const accountAliasOrId = z
  .string()
  .min(1)
  .regex(/^(?!\s*[Aa][Ll][Ll]\s*$)/, '"all" would make it public; hikkoshi never shares publicly')
  .describe("Account alias from `accounts:` or a 12-digit account id. Never `all`.");

export interface ResolvedAccounts {
  ids: string[];
  unknown: string[];
}

/** Aliases → ids (12-digit ids pass through), de-duplicated, order kept. */
export function resolveAccountIds(accounts: Record<string, AccountRef>, values: readonly string[]): ResolvedAccounts {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const value of values) {
    const id = ACCOUNT_ID.test(value) ? value : accounts[value]?.id;
    if (id === undefined) unknown.push(value);
    else if (!ids.includes(id)) ids.push(id);
  }
  return { ids, unknown };
}

export function requireAccountIds(accounts: Record<string, AccountRef>, values: readonly string[]): string[] {
  const { ids, unknown } = resolveAccountIds(accounts, values);
  if (unknown.length > 0) {
    throw new HikkoshiError("UNKNOWN_ACCOUNT", `not an account alias or a 12-digit id: ${unknown.join(", ")}`, {
      hint: `use an alias from accounts: (${Object.keys(accounts).join(", ")}) or a 12-digit account id`,
    });
  }
  return ids;
}

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}
