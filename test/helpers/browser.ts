/**
 * Debian's Chromium, headless, driven by puppeteer-core (no browser download). `.ci/run` installs the
 * `chromium` package and sets HIKKOSHI_BROWSER_TESTS=required, so in CI a missing browser fails the suite;
 * on a laptop without it the browser tests are skipped and say why.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

export const CHROMIUM = process.env.HIKKOSHI_CHROMIUM ?? "/usr/bin/chromium";

export const browserRequired = process.env.HIKKOSHI_BROWSER_TESTS === "required";

/** Undefined when the browser tests can run; otherwise why they are skipped. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM) || browserRequired) return undefined;
  return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set HIKKOSHI_CHROMIUM)`;
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Flags for a closed network: without the background-networking ones Chromium dials Google at start.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      `--user-data-dir=${mkdtempSync(join(tmpdir(), "hikkoshi-chromium-"))}`,
    ],
  });
}
