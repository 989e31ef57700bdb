/** Numbers from environment variables (timeouts, retries, lock timing): one parse, one message shape. */
import { HikkoshiError } from "./errors.js";

/**
 * The number in `env[name]`, undefined when unset or empty. A value `valid` refuses is a USAGE error
 * "`<name>` must be `<what>`, got "<raw>"".
 */
export function envNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  valid: (n: number) => boolean,
  what: string,
): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!valid(n)) throw new HikkoshiError("USAGE", `${name} must be ${what}, got "${raw}"`);
  return n;
}
