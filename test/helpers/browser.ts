/**
 * Debian's Chromium, headless, driven by puppeteer-core (no browser download). `.ci/run` installs the
 * `chromium` package and sets HIKKOSHI_BROWSER_TESTS=required, so in CI a missing browser fails the suite;
 * on a laptop without it the browser tests are skipped and say why.
 */
import { existsSync } from "node:fs";
import { CHROMIUM } from "../../scripts/lib/chromium.mjs";

export { CHROMIUM, launchChromium } from "../../scripts/lib/chromium.mjs";

export const browserRequired = process.env.HIKKOSHI_BROWSER_TESTS === "required";

/** Undefined when the browser tests can run; otherwise why they are skipped. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM) || browserRequired) return undefined;
  return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set HIKKOSHI_CHROMIUM)`;
}
