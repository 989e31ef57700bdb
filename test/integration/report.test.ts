/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The morning report of the whole night (`demo --full`: 534 tasks, 29 buckets, databases, volumes, an AMI, two tables, a cache),
 * loaded in a real browser — Debian's Chromium through puppeteer-core — with every request that would leave
 * the page refused and counted. The rendered DOM must show what the run store says: a row per bucket with
 * both verifies passed, every deletion under its tier, the key scheduled with its date, the approvals, and
 * a timeline whose bars lie inside their tracks. The markdown and JSON forms say the same.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { Report } from "../../src/cli/report/model.js";
import { browserSkipReason, launchChromium } from "../helpers/browser.js";

const dir = mkdtempSync(join(tmpdir(), "hikkoshi-report-"));
const state = join(dir, "state.db");

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["node", "hikkoshi", ...args, "--state", state], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    isTTY: false,
    canPrompt: false,
    cwd: dir,
    env: { ...process.env },
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

let report: Report;

beforeAll(async () => {
  const demo = await cli("demo", "--full");
  expect(demo.code, demo.err).toBe(0);
  const json = await cli("report", "--format", "json");
  expect(json.code, json.err).toBe(0);
  report = JSON.parse(json.out) as Report;
}, 900_000);

describe("hikkoshi report of demo --full", () => {
  it("the report's data says what the night did", () => {
    expect(report.run.state).toBe("succeeded");
    expect(report.run.counts.total).toBe(534);
    expect(report.buckets).toHaveLength(29);
    for (const b of report.buckets) {
      expect(
        b.verifies.map((v) => v.result),
        b.bucket,
      ).toEqual(["passed", "passed"]);
      expect(b.copies, b.bucket).toHaveLength(2);
      expect(b.versions, b.bucket).toBeGreaterThan(0);
    }
    // Tiers come from the plan the run started from: each source bucket is emptied and deleted (2 × 29), each
    // source table deleted once verified (2);
    // the cleanup schedules the share key's deletion (reversible); the rest are this run's intermediates.
    const tiers = (t: string) => report.deletions.filter((d) => d.tier === t).map((d) => d.task);
    expect(tiers("source")).toHaveLength(60);
    expect(tiers("source").every((t) => /^(bucket\.(empty|delete)|table\.delete)-source\[/.test(t))).toBe(true);
    expect(tiers("unknown")).toEqual([]);
    expect(tiers("intermediate").length).toBeGreaterThan(0);
    expect(report.keysScheduled).toHaveLength(1);
    expect(report.keysScheduled[0]!.deletionDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(report.people.some((p) => p.kind === "approval")).toBe(true);
    expect(report.people.some((p) => p.kind === "confirmation")).toBe(true);
    expect(report.resources.map((r) => r.family).sort()).toEqual(
      expect.arrayContaining(["AMI", "Aurora", "EBS", "RDS", "DynamoDB", "ElastiCache"]),
    );
    // Waits are on the timeline: snapshots and copies becoming available, the bucket names.
    const waits = report.timeline.rows
      .flatMap((r) => r.tasks.flatMap((t) => t.segments))
      .filter((s) => s.kind === "wait");
    expect(waits.length).toBeGreaterThan(0);
  });

  it("the markdown says the same, a row per bucket and per deletion", async () => {
    const md = await cli("report", "--format", "md");
    expect(md.code, md.err).toBe(0);
    for (const b of report.buckets) expect(md.out).toContain(`| ${b.bucket} |`);
    expect(md.out.match(/^\| loses source data or a name \|/gm)).toHaveLength(60);
    expect(md.out).toContain("## Keys scheduled for deletion");
  });

  const skip = browserSkipReason();
  describe.skipIf(skip !== undefined)(`in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
    let browser: Browser;
    let html: string;
    const path = join(dir, "night.html");
    beforeAll(async () => {
      const written = await cli("report", "--out", "night.html");
      expect(written.code, written.err).toBe(0);
      expect(written.err).toContain("report written");
      html = readFileSync(path, "utf8");
      browser = await launchChromium();
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
    });

    it("is one self-contained file: nothing is fetched from anywhere", async () => {
      expect(existsSync(path)).toBe(true);
      expect(html).not.toMatch(/<script|(?:src|href)=["']?(?:https?:)?\/\/|url\(\s*["']?(?:https?:)?\/\//i);
      const page = await browser.newPage();
      const requests: string[] = [];
      await page.setRequestInterception(true);
      page.on("request", (req) => {
        const url = req.url();
        if (url.startsWith("file:") || url.startsWith("data:")) return void req.continue();
        requests.push(url);
        void req.abort();
      });
      await page.goto(`file://${path}`, { waitUntil: "load" });
      expect(requests).toEqual([]);
      await page.close();
    }, 120_000);

    it("renders a row per bucket, every deletion under its tier, the key, the approvals and the timeline", async () => {
      const page = await browser.newPage();
      await page.setViewport({ width: 1400, height: 900 });
      await page.goto(`file://${path}`, { waitUntil: "load" });
      const dom = await page.evaluate(() => {
        const rows = (sel: string) => [...document.querySelectorAll<HTMLElement>(sel)];
        const tracks = rows("#timeline .grow").map((row) => {
          const track = row.querySelector(".track")!.getBoundingClientRect();
          const bars = [...row.querySelectorAll<HTMLElement>(".seg")].map((b) => b.getBoundingClientRect());
          return {
            resource: row.dataset.resource,
            bars: bars.length,
            inside: bars.every((b) => b.left >= track.left - 1 && b.right <= track.right + 1 && b.width >= 1),
          };
        });
        return {
          title: document.title,
          state: document.querySelector<HTMLElement>("[data-state]")?.dataset.state,
          buckets: rows("#buckets tr[data-bucket]").map((r) => ({
            bucket: r.dataset.bucket,
            verify: r.dataset.verify,
          })),
          engines: rows("#buckets [data-engine]").length,
          deletions: rows("#deletions tr[data-tier]").map((r) => ({ task: r.dataset.task, tier: r.dataset.tier })),
          sourceRowsVisible: rows("#deletions tr[data-tier=source]").every((r) => r.getBoundingClientRect().height > 0),
          keys: rows("#keys tr[data-key]").map((r) => r.textContent),
          approvals: rows("#people tr[data-kind=approval]").length,
          confirmations: rows("#people tr[data-kind=confirmation]").length,
          tracks,
          waitBars: rows("#timeline .seg.wait").length,
        };
      });
      expect(dom.title).toContain(report.run.id);
      expect(dom.state).toBe("succeeded");
      expect(dom.buckets).toHaveLength(29);
      expect(dom.buckets.map((b) => b.bucket).sort()).toEqual(report.buckets.map((b) => b.bucket).sort());
      expect(dom.buckets.every((b) => b.verify === "passed")).toBe(true);
      expect(dom.engines).toBe(58);
      expect(dom.deletions).toEqual(report.deletions.map((d) => ({ task: d.task, tier: d.tier })));
      expect(dom.deletions.filter((d) => d.tier === "source")).toHaveLength(60);
      expect(dom.sourceRowsVisible).toBe(true);
      expect(dom.keys).toHaveLength(1);
      expect(dom.keys[0]).toContain(report.keysScheduled[0]!.deletionDate);
      expect(dom.approvals).toBeGreaterThan(0);
      expect(dom.confirmations).toBeGreaterThan(0);
      expect(dom.tracks.map((t) => t.resource)).toEqual(report.timeline.rows.map((r) => r.resource));
      expect(dom.tracks.filter((t) => t.bars === 0 || !t.inside)).toEqual([]);
      expect(dom.waitBars).toBeGreaterThan(0);
      await page.close();
    }, 120_000);
  });
});
