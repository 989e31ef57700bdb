/**
 * The verify report: every mismatch as a CSV row (spilled to a temp file, so a bucket full of mismatches
 * costs no memory) plus a JSON summary, uploaded to the manifest bucket; the first few mismatches are
 * kept for the error message.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunContext } from "../../define.js";
import { csvField } from "../manifest/csv.js";
import { uploadFile } from "../manifest/io.js";
import { Spill } from "../manifest/spill.js";
import type { CompareTotals, Mismatch } from "./compare.js";

const KEEP = 10;
const CSV = "mismatches.csv";

export class MismatchReport {
  readonly first: Mismatch[] = [];
  count = 0;
  private readonly spill: Spill;

  constructor(token: string) {
    this.spill = Spill.fresh(join(tmpdir(), "hikkoshi-verify", token));
    this.spill.write(CSV, "key,kind,version,field,source,destination\n");
  }

  add(m: Mismatch): void {
    this.count++;
    if (this.first.length < KEEP) this.first.push(m);
    const row = [m.key, m.kind, m.version ?? "", m.field ?? "", m.source, m.destination].map(csvField).join(",");
    this.spill.write(CSV, `${row}\n`);
  }

  /** Uploads the CSV and the summary under `prefix`; returns the CSV's key. */
  async upload(
    ctx: RunContext,
    bucket: string,
    prefix: string,
    summary: { source: string; destination: string; totals: CompareTotals },
  ): Promise<{ csv: string; summary: string }> {
    this.spill.flush();
    const summaryPath = this.spill.path("summary.json");
    writeFileSync(summaryPath, `${JSON.stringify({ ...summary, mismatches: this.count }, null, 2)}\n`);
    const keys = { csv: `${prefix}verify/${CSV}`, summary: `${prefix}verify/summary.json` };
    await uploadFile(ctx.aws, ctx.account.alias, bucket, keys.csv, this.spill.path(CSV));
    await uploadFile(ctx.aws, ctx.account.alias, bucket, keys.summary, summaryPath);
    return keys;
  }

  remove(): void {
    this.spill.remove();
  }
}

export function describeMismatches(first: Mismatch[]): string {
  return first
    .map((m) => {
      const what = m.kind === "field" ? `${m.field} of version ${m.version}` : m.kind;
      return `${JSON.stringify(m.key)} ${what} (source: ${m.source}; destination: ${m.destination})`;
    })
    .join("; ");
}
