import { HikkoshiError } from "./errors.js";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** "90m" → 5400000; also "30s", "72h", "2d", "1h30m", "500ms". Undefined when the text is not a duration. */
export function tryParseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!WHOLE.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(PART)) ms += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return ms > 0 ? Math.round(ms) : undefined;
}

/** Like tryParseDuration, but throws RB_BAD_DURATION. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined)
    throw new HikkoshiError("RB_BAD_DURATION", `not a duration: '${text}'`, {
      hint: "write a number with a unit: 30s, 90m, 72h, 2d or 1h30m",
    });
  return ms;
}
