/**
 * `hikkoshi report [run]`: the night on one page for the morning — a self-contained HTML file (or markdown
 * for a ticket, or the report's data as JSON), read from the run store only: no AWS call, no network.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { errorMessage, HikkoshiError } from "../../core/errors.js";
import { EXIT } from "../exit-codes.js";
import type { CliIO } from "../io.js";
import { renderHtml } from "../report/html.js";
import { renderMarkdown } from "../report/markdown.js";
import { buildReport, type ReportInput } from "../report/model.js";
import { findRun, type GlobalOptions, openStateStore } from "../state-file.js";

export interface ReportOptions extends GlobalOptions {
  out?: string;
  format?: string;
}

const FORMATS = ["html", "md", "json"] as const;
type Format = (typeof FORMATS)[number];

function formatOf(opts: ReportOptions): Format {
  const f = opts.format ?? (opts.out?.endsWith(".md") ? "md" : opts.out?.endsWith(".json") ? "json" : "html");
  if (!(FORMATS as readonly string[]).includes(f)) {
    throw new HikkoshiError("USAGE", `--format must be one of ${FORMATS.join(", ")}, got "${f}"`);
  }
  return f as Format;
}

export function reportCommand(io: CliIO, runId: string | undefined, opts: ReportOptions): number {
  const format = formatOf(opts);
  const store = openStateStore(io, opts);
  let text: string;
  let summary: string;
  try {
    const { runbookText: _text, ...run } = findRun(store, runId);
    const input: ReportInput = {
      run,
      counts: store.taskCounts(run.id),
      tasks: store.listTasks(run.id),
      attempts: store.listAttempts(run.id),
      journal: store.listJournal(run.id, { kinds: ["task", "approval", "confirmation", "run", "lock", "note"] }),
      awsCalls: store.awsCallCounts(run.id),
      plan: store.getRunPlan(run.id) as ReportInput["plan"],
      now: Date.now(),
    };
    const report = buildReport(input);
    text =
      format === "html"
        ? renderHtml(report)
        : format === "md"
          ? renderMarkdown(report)
          : JSON.stringify(report, null, 2);
    summary = `run ${run.id} (${run.state}): ${report.buckets.length} bucket(s), ${report.resources.length} database/volume/image/table/cache row(s), ${report.deletions.length} deletion(s), ${report.failures.length} failed or interrupted attempt(s)`;
  } finally {
    store.close();
  }
  if (!opts.out || opts.out === "-") {
    io.out(text);
    return EXIT.OK;
  }
  const path = resolve(io.cwd, opts.out);
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new HikkoshiError("REPORT_NOT_WRITTEN", `cannot write the report to ${path}: ${errorMessage(err)}`, {
      hint: "choose a path in a directory that exists and you may write to, or --out - for stdout",
    });
  }
  io.err(`report written: ${path} (${Math.round(Buffer.byteLength(text) / 1024)} KB, ${format}) — ${summary}`);
  return EXIT.OK;
}
