/** The report as markdown, for a ticket or a pull request: the same sections as the HTML, without the chart. */

import { formatBytes } from "../../core/bytes.js";
import { formatDuration, formatGb, formatTime } from "../format.js";
import { fmtInt, type Report, type ReportTier } from "./model.js";

export const TIER_LABEL: Record<ReportTier, string> = {
  source: "loses source data or a name",
  intermediate: "removes this run's own intermediates",
  reversible: "reversible for a while",
  unknown: "destructive (tier not recorded)",
};

const cell = (v: string | number | undefined): string =>
  String(v ?? "-")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, " ");

function mdTable(head: string[], rows: Array<Array<string | number | undefined>>): string[] {
  if (rows.length === 0) return ["(none)"];
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}

export function renderMarkdown(report: Report): string {
  const { run } = report;
  const c = run.counts;
  const out: string[] = [
    `# hikkoshi run ${run.id} — ${run.runbook}: ${run.state}`,
    "",
    `- Runbook: \`${run.runbookPath}\``,
    `- Started ${formatTime(run.startedAt)} by ${run.operator}; ${run.finishedAt ? `finished ${formatTime(run.finishedAt)}` : "not finished"}, ${formatDuration(run.durationMs)}`,
    ...run.accounts.map((a) => `- Account \`${a.alias}\`: ${a.accountId} as \`${a.arn}\``),
    `- Tasks: ${c.succeeded} succeeded, ${c.skipped} skipped, ${c.failed} failed, ${c.pending + c.running + c.waiting + c.awaiting_approval} open, of ${c.total}`,
    `- AWS calls that changed something: ${fmtInt(report.awsCalls.total)} (${fmtInt(report.awsCalls.errors)} answered with an error)`,
    "",
    "## Deletions",
    "",
    ...mdTable(
      ["Tier", "Task", "What", "Status", "When"],
      report.deletions.map((d) => [TIER_LABEL[d.tier], d.task, d.what, d.status, formatTime(d.at)]),
    ),
    "",
    "## Keys scheduled for deletion",
    "",
    ...mdTable(
      ["Task", "Key", "Deleted on (cancellable until then)"],
      report.keysScheduled.map((k) => [k.task, k.keyArn, k.deletionDate]),
    ),
    "",
    "## Buckets",
    "",
    ...mdTable(
      ["Bucket", "Versions", "Bytes", "Delete markers", "Copies (engine)", "Verify", "Status"],
      report.buckets.map((b) => [
        b.bucket,
        fmtInt(b.versions),
        b.bytes === undefined ? "-" : formatBytes(b.bytes),
        fmtInt(b.deleteMarkers),
        b.copies.map((x) => `${x.engine} → ${x.destination}`).join("; ") || "-",
        b.verifies.map((v) => `${v.result}${v.depth ? ` (${v.depth})` : ""}`).join(", ") || "-",
        b.status,
      ]),
    ),
    "",
    "## Databases, volumes, images, tables and caches",
    "",
    ...mdTable(
      ["Resource", "Family", "Source snapshot", "Result in target", "Size", "Tasks", "Took", "Status"],
      report.resources.map((r) => [
        r.resource,
        r.family,
        r.sourceSnapshot,
        r.result,
        r.sizeGb === undefined ? "-" : formatGb(r.sizeGb),
        `${r.succeeded}/${r.tasks}${r.failed ? ` (${r.failed} failed)` : ""}`,
        r.startedAt !== undefined && r.finishedAt !== undefined ? formatDuration(r.finishedAt - r.startedAt) : "-",
        r.status,
      ]),
    ),
    "",
    "## Approvals and confirmations",
    "",
    ...peopleLines(report),
    "",
    "## Failures and retries",
    "",
    ...mdTable(
      ["When", "Task", "Attempt", "Outcome", "Error"],
      report.failures.map((f) => [
        formatTime(f.at),
        f.task,
        f.attempt,
        f.outcome,
        `${f.code}: ${f.message}${f.hint ? ` (hint: ${f.hint})` : ""}`,
      ]),
    ),
    "",
    "## AWS calls by action",
    "",
    ...mdTable(
      ["Action", "Calls", "Errors"],
      report.awsCalls.byAction.map((a) => [a.action, fmtInt(a.n), fmtInt(a.errors)]),
    ),
    "",
    `_Generated ${formatTime(report.generatedAt)} by \`hikkoshi report\` from the run store; every AWS call is in \`hikkoshi log ${run.id}\`._`,
    "",
  ];
  return out.join("\n");
}

/** Approvals and declined confirmations one row each; confirmations given by one person one way, one line. */
function peopleLines(report: Report): string[] {
  const groups = new Map<string, Report["people"]>();
  const single = report.people.filter((p) => {
    if (p.kind !== "confirmation" || p.action !== "confirmed") return true;
    const key = `${p.who}\u0000${p.detail}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
    return false;
  });
  const lines = single.length
    ? mdTable(
        ["When", "Kind", "Task", "Who", "Detail"],
        single.map((p) => [formatTime(p.at), `${p.kind} (${p.action})`, p.task, p.who, p.detail]),
      )
    : groups.size
      ? []
      : ["(none)"];
  for (const list of groups.values()) {
    const first = list[0]!;
    lines.push(
      "",
      `- ${list.length} destructive task(s) confirmed by ${first.who} (${first.detail || "confirmed"}), ${formatTime(first.at)} – ${formatTime(list[list.length - 1]!.at)}: ${list.map((p) => `\`${p.task}\``).join(", ")}`,
    );
  }
  return lines;
}
