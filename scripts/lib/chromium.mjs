// Debian's Chromium, headless, through puppeteer-core (no browser download): shared by the report's browser
// test (test/helpers/browser.ts) and scripts/report-screenshot.mjs.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

export const CHROMIUM = process.env.HIKKOSHI_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a closed network: without the background-networking ones Chromium dials Google at start. */
export function launchChromium() {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
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
