/**
 * The report as one self-contained HTML file: inline CSS, no script, no font, image or request to any
 * host, so it opens from a laptop, a ticket attachment or an air-gapped share. Elements carry `data-*`
 * attributes (resource, task, tier, result) for the browser test and for anyone scripting over it.
 */

import { formatBytes } from "../../core/bytes.js";
import { formatDuration, formatGb, formatTime } from "../format.js";
import { TIER_LABEL } from "./markdown.js";
import { fmtInt, type Report, type Segment, type TimelineRow } from "./model.js";

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (v: unknown): string => String(v ?? "").replace(/[&<>"']/g, (c) => ESC[c]!);

const CSS = `
:root { --fg:#1d2330; --muted:#5c6577; --line:#dde1e8; --bg:#fff; --soft:#f5f6f8;
  --red:#c62828; --red-bg:#fdecea; --amber:#a86400; --amber-bg:#fff4e0; --green:#2e7d32; --green-bg:#e8f5e9;
  --blue:#1f5fbf; --wait:#9aa7bd; --person:#e0a100; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  margin: 0 auto; padding: 24px 32px 48px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; } code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; }
.muted { color: var(--muted); } .state { display: inline-block; padding: 1px 10px; border-radius: 10px; font-weight: 600;
  font-size: 13px; vertical-align: middle; margin-left: 8px; }
.state.succeeded { background: var(--green-bg); color: var(--green); } .state.failed { background: var(--red-bg); color: var(--red); }
.state.other { background: var(--amber-bg); color: var(--amber); }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0; }
.tile { background: var(--soft); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.tile b { display: block; font-size: 20px; } .tile span { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; } td.when { white-space: nowrap; }
.tier { font-weight: 600; white-space: nowrap; } .tier.source { color: var(--red); } .tier.unknown { color: var(--red); }
.tier.intermediate { color: var(--amber); } .tier.reversible { color: var(--green); }
tr.source td { background: var(--red-bg); }
.ok { color: var(--green); font-weight: 600; } .bad { color: var(--red); font-weight: 600; } .none { color: var(--muted); }
.meter { position: relative; height: 10px; background: var(--soft); border-radius: 3px; min-width: 120px; }
.meter i { position: absolute; left: 0; top: 0; bottom: 0; background: var(--blue); border-radius: 3px; }
.gantt { border: 1px solid var(--line); border-radius: 6px; padding: 8px 0; }
.axis, .grow { display: grid; grid-template-columns: 330px 1fr; align-items: center; }
.axis .ticks { position: relative; height: 18px; font-size: 11px; color: var(--muted); }
.axis .ticks span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
.axis .ticks span:first-child { transform: none; } .axis .ticks span:last-child { transform: translateX(-100%); }
.grow { min-height: 20px; } .grow:nth-child(even) { background: var(--soft); }
.grow .label { padding: 0 8px; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.grow .track { position: relative; height: 14px; margin-right: 12px; }
.seg { position: absolute; top: 2px; bottom: 2px; min-width: 2px; border-radius: 2px; opacity: .85; }
.seg.work { background: var(--blue); }
.seg.wait { background: repeating-linear-gradient(45deg, var(--wait), var(--wait) 3px, #c9d1de 3px, #c9d1de 6px); }
.seg.person { background: var(--person); } .seg.failed { background: var(--red); }
.legend { font-size: 12px; color: var(--muted); margin: 6px 0 0; } .legend i { display: inline-block; width: 14px; height: 10px;
  margin: 0 4px 0 12px; vertical-align: middle; border-radius: 2px; }
footer { margin-top: 40px; font-size: 12px; color: var(--muted); }
@media print { body { padding: 0; } .grow:nth-child(even) { background: none; } }
`;

export function renderHtml(report: Report): string {
  const { run } = report;
  const c = run.counts;
  const stateClass = run.state === "succeeded" ? "succeeded" : run.state === "failed" ? "failed" : "other";
  const tiers = (t: string) => report.deletions.filter((d) => d.tier === t).length;
  const body = [
    `<header><h1>${esc(run.runbook)} <span class="muted">run ${esc(run.id)}</span><span class="state ${stateClass}" data-state="${esc(run.state)}">${esc(run.state)}</span></h1>`,
    `<div class="muted">Runbook <code>${esc(run.runbookPath)}</code> · started ${esc(formatTime(run.startedAt))} by ${esc(run.operator)} · ${run.finishedAt ? `finished ${esc(formatTime(run.finishedAt))}` : "not finished"}</div>`,
    `<div class="muted">${run.accounts.map((a) => `${esc(a.alias)} <b>${esc(a.accountId)}</b> as <code>${esc(a.arn)}</code>`).join(" · ")}</div></header>`,
    `<div class="tiles">`,
    tile(formatDuration(run.durationMs), "wall time"),
    tile(`${c.succeeded + c.skipped}/${c.total}`, "tasks done"),
    tile(String(c.failed), "tasks failed now"),
    tile(String(report.failures.length), "failed or interrupted attempts"),
    tile(String(report.buckets.length), "buckets"),
    tile(String(report.resources.length), "databases, volumes, images"),
    tile(
      `${tiers("source") + tiers("unknown")} / ${tiers("intermediate")} / ${tiers("reversible")}`,
      "deletions: source / own / reversible",
    ),
    tile(fmtInt(report.awsCalls.total), "changing AWS calls"),
    `</div>`,
    section("Failures and retries", "failures", failuresTable(report)),
    section("Timeline", "timeline", gantt(report)),
    section("Deletions", "deletions", deletionsTable(report)),
    section("Keys scheduled for deletion", "keys", keysTable(report)),
    section("Buckets", "buckets", bucketsTable(report)),
    section("Databases, volumes, images, tables and caches", "resources", resourcesTable(report)),
    section("Approvals and confirmations", "people", peopleTable(report)),
    section("AWS calls that changed something, by action", "aws-calls", callsTable(report)),
    `<footer>Generated ${esc(formatTime(report.generatedAt))} by <code>hikkoshi report</code> from the run store. Every AWS call, approval and confirmation: <code>hikkoshi log ${esc(run.id)}</code>.</footer>`,
  ];
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    // No request leaves the page: not even a favicon.
    `<link rel="icon" href="data:,"><title>hikkoshi ${esc(run.runbook)} ${esc(run.id)} — ${esc(run.state)}</title>`,
    `<style>${CSS}</style></head><body>`,
    ...body,
    "</body></html>",
    "",
  ].join("\n");
}

function tile(value: string, label: string): string {
  return `<div class="tile"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
}

function section(title: string, id: string, content: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${content}</section>`;
}

function table(head: string[], rows: string[], attrs = ""): string {
  if (rows.length === 0) return `<p class="none">None.</p>`;
  return `<table${attrs}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function deletionsTable(report: Report): string {
  const row = (d: Report["deletions"][number]) =>
    `<tr class="${d.tier}" data-task="${esc(d.task)}" data-tier="${d.tier}"><td class="tier ${d.tier}">${esc(TIER_LABEL[d.tier])}</td><td><code>${esc(d.task)}</code></td><td>${esc(d.what)}</td><td>${esc(d.status)}</td><td class="when">${esc(formatTime(d.at))}</td></tr>`;
  const head = ["Tier", "Task", "What", "Status", "When"];
  const top = report.deletions.filter((d) => d.tier === "source" || d.tier === "unknown");
  const own = report.deletions.filter((d) => d.tier === "intermediate");
  const reversible = report.deletions.filter((d) => d.tier === "reversible");
  // What lost source data is always open; the run's own intermediates (often a hundred) fold away.
  return [
    top.length ? table(head, top.map(row)) : `<p class="none">Nothing that held source data or a name was deleted.</p>`,
    own.length
      ? `<details><summary>${own.length} of this run's own intermediates removed (copies, shares, temporary buckets)</summary>${table(head, own.map(row))}</details>`
      : "",
    reversible.length ? table(head, reversible.map(row)) : "",
  ].join("");
}

function keysTable(report: Report): string {
  return table(
    ["Task", "Key", "Deleted on (cancellable until then)"],
    report.keysScheduled.map(
      (k) =>
        `<tr data-key="${esc(k.keyArn)}"><td><code>${esc(k.task)}</code></td><td><code>${esc(k.keyArn)}</code></td><td class="tier reversible">${esc(k.deletionDate)}</td></tr>`,
    ),
  );
}

const pct = (v: number, start: number, span: number): string => `${(((v - start) / span) * 100).toFixed(3)}%`;

function gantt(report: Report): string {
  const { start, end, rows } = report.timeline;
  const span = end - start;
  const ticks: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const at = start + (span * i) / 5;
    ticks.push(
      `<span style="left:${pct(at, start, span)}">${esc(i === 0 ? formatTime(at) : `+${formatDuration(at - start)}`)}</span>`,
    );
  }
  const rowHtml = (row: TimelineRow): string => {
    const bars = row.tasks.flatMap((t) =>
      t.segments.map((s: Segment, i) => {
        const last = i === t.segments.length - 1;
        const cls = `seg ${s.kind}${last && t.status === "failed" ? " failed" : ""}`;
        const title = `${t.id} (${t.type}) ${s.kind === "wait" ? `waiting for ${s.what ?? ""}` : s.kind === "person" ? "waiting for a person" : "working"}: ${formatDuration(s.to - s.from)}`;
        const width = `${Math.max(0, ((s.to - s.from) / span) * 100).toFixed(3)}%`;
        return `<i class="${cls}" data-task="${esc(t.id)}" data-kind="${s.kind}" style="left:min(${pct(s.from, start, span)}, calc(100% - 2px));width:${width}" title="${esc(title)}"></i>`;
      }),
    );
    return `<div class="grow" data-resource="${esc(row.resource)}" data-family="${esc(row.family)}"><div class="label" title="${esc(row.resource)}">${esc(row.resource)} <span class="muted">${esc(row.family)}</span></div><div class="track">${bars.join("")}</div></div>`;
  };
  return [
    `<div class="gantt">`,
    `<div class="axis"><div></div><div class="ticks">${ticks.join("")}</div></div>`,
    ...rows.map(rowHtml),
    `</div>`,
    `<div class="legend">one row per resource, its tasks' intervals on it:<i class="seg work" style="position:static;display:inline-block"></i>working<i class="seg wait" style="position:static;display:inline-block"></i>waiting on AWS<i class="seg person" style="position:static;display:inline-block"></i>waiting for a person<i class="seg failed" style="position:static;display:inline-block"></i>ended in failure</div>`,
  ].join("");
}

function bucketsTable(report: Report): string {
  const maxVersions = Math.max(1, ...report.buckets.map((b) => b.versions ?? 0));
  const maxBytes = Math.max(1, ...report.buckets.map((b) => b.bytes ?? 0));
  const meter = (v: number | undefined, max: number) =>
    `<div class="meter"><i style="width:${(((v ?? 0) / max) * 100).toFixed(2)}%"></i></div>`;
  return table(
    ["Bucket", "Versions", "", "Bytes", "", "Delete markers", "Copies (engine → destination)", "Verify", "Status"],
    report.buckets.map((b) => {
      const verified = b.verifies.length > 0 && b.verifies.every((v) => v.result === "passed");
      const verify = b.verifies
        .map(
          (v) =>
            `<div class="${v.result === "passed" ? "ok" : v.result === "failed" ? "bad" : "none"}" title="${esc(v.detail ?? "")}">${esc(v.result)}${v.depth ? ` <span class="muted">(${esc(v.depth)})</span>` : ""}</div>`,
        )
        .join("");
      return `<tr data-bucket="${esc(b.bucket)}" data-resource="${esc(b.resource)}" data-verify="${verified ? "passed" : b.verifies.some((v) => v.result === "failed") ? "failed" : "not run"}"><td><code>${esc(b.bucket)}</code></td><td class="num">${esc(fmtInt(b.versions))}</td><td>${meter(b.versions, maxVersions)}</td><td class="num">${b.bytes === undefined ? "-" : esc(formatBytes(b.bytes))}</td><td>${meter(b.bytes, maxBytes)}</td><td class="num">${esc(fmtInt(b.deleteMarkers))}</td><td>${b.copies.map((x) => `<div data-engine="${esc(x.engine)}">${esc(x.engine)} → <code>${esc(x.destination)}</code></div>`).join("") || "-"}</td><td>${verify || "-"}</td><td>${esc(b.status)}</td></tr>`;
    }),
  );
}

function resourcesTable(report: Report): string {
  return table(
    ["Resource", "Family", "Source snapshot", "Result in target", "Size", "Tasks", "Took", "Status"],
    report.resources.map(
      (r) =>
        `<tr data-resource="${esc(r.resource)}"><td><code>${esc(r.resource)}</code></td><td>${esc(r.family)}</td><td><code>${esc(r.sourceSnapshot ?? "-")}</code></td><td><code>${esc(r.result ?? "-")}</code></td><td class="num">${r.sizeGb === undefined ? "-" : esc(formatGb(r.sizeGb))}</td><td class="num">${r.succeeded}/${r.tasks}${r.failed ? ` <span class="bad">${r.failed} failed</span>` : ""}</td><td class="num">${r.startedAt !== undefined && r.finishedAt !== undefined ? esc(formatDuration(r.finishedAt - r.startedAt)) : "-"}</td><td>${esc(r.status)}</td></tr>`,
    ),
  );
}

function peopleTable(report: Report): string {
  const row = (p: Report["people"][number]) =>
    `<tr data-kind="${p.kind}"><td class="when">${esc(formatTime(p.at))}</td><td>${esc(p.kind)} (${esc(p.action)})</td><td><code>${esc(p.task ?? "-")}</code></td><td>${esc(p.who)}</td><td>${esc(p.detail)}</td></tr>`;
  const head = ["When", "Kind", "Task", "Who", "Detail"];
  // Approvals and declined confirmations are few and each matters; confirmations given by one person the
  // same way (`--yes` for a whole run) are one line, their rows folded.
  const groups = new Map<string, Report["people"]>();
  const single: Report["people"] = [];
  for (const p of report.people) {
    if (p.kind === "confirmation" && p.action === "confirmed") {
      const key = `${p.who}\u0000${p.detail}`;
      groups.set(key, [...(groups.get(key) ?? []), p]);
    } else single.push(p);
  }
  const folded = [...groups.values()].map((list) => {
    const first = list[0]!;
    const span = `${formatTime(first.at)} – ${formatTime(list[list.length - 1]!.at)}`;
    return `<details data-group="confirmations"><summary>${list.length} destructive task(s) confirmed by ${esc(first.who)} (${esc(first.detail || "confirmed")}), ${esc(span)}</summary>${table(head, list.map(row))}</details>`;
  });
  if (single.length === 0 && folded.length === 0) return `<p class="none">None.</p>`;
  return [single.length ? table(head, single.map(row)) : "", ...folded].join("");
}

function failuresTable(report: Report): string {
  return table(
    ["When", "Task", "Attempt", "Outcome", "Error"],
    report.failures.map(
      (f) =>
        `<tr data-task="${esc(f.task)}"><td class="when">${esc(formatTime(f.at))}</td><td><code>${esc(f.task)}</code></td><td class="num">${f.attempt}</td><td class="${f.outcome === "failed" ? "bad" : "none"}">${esc(f.outcome)}</td><td><b>${esc(f.code)}</b>: ${esc(f.message)}${f.hint ? `<div class="muted">hint: ${esc(f.hint)}</div>` : ""}</td></tr>`,
    ),
  );
}

function callsTable(report: Report): string {
  return table(
    ["Action", "Calls", "Errors"],
    report.awsCalls.byAction.map(
      (a) =>
        `<tr><td><code>${esc(a.action)}</code></td><td class="num">${esc(fmtInt(a.n))}</td><td class="num${a.errors ? " bad" : ""}">${esc(fmtInt(a.errors))}</td></tr>`,
    ),
  );
}
