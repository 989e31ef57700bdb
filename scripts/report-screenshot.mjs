#!/usr/bin/env node
// A screenshot of a report in Debian's Chromium (puppeteer-core; no browser download), for the README and
// for looking at what the browser test asserts on.
//   node scripts/report-screenshot.mjs night.html docs/report.png [--width 1400] [--full | --element '#timeline']
// Without options, the first screen (1400×1000); --full, the whole page; --element, one section.
import { resolve } from "node:path";
import { launchChromium } from "./lib/chromium.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const [input, output] = args.filter((a, i) => !a.startsWith("--") && !["--width", "--element"].includes(args[i - 1]));
if (!input || !output) {
  console.error("usage: node scripts/report-screenshot.mjs REPORT.html OUT.png [--width N] [--full]");
  process.exit(2);
}
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.setViewport({ width: Number(value("--width", "1400")), height: 1000, deviceScaleFactor: 1 });
  await page.goto(`file://${resolve(input)}`, { waitUntil: "load" });
  const element = value("--element", undefined);
  if (element) {
    const handle = await page.$(element);
    if (!handle) throw new Error(`no element ${element} in ${input}`);
    await handle.screenshot({ path: resolve(output) });
  } else {
    await page.screenshot({ path: resolve(output), fullPage: flag("--full") });
  }
  console.log(`screenshot: ${resolve(output)}`);
} finally {
  await browser.close();
}
