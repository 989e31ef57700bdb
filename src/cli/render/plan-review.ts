/**
 * The plan, for review. First screen: what decides go / no go — accounts, what moves per family, the
 * critical path and the cost, every blocking problem, each distinct warning once with what it applies
 * to, and by name every action that loses source data. Then one section per resource (a bucket's or a
 * database's whole story, its tasks indented, one line each). The per-task detail comes with --detail.
 * Tiers come from the step types (TaskPlan.danger); this file only shows them.
 */
import { isAbsolute, relative } from "node:path";
import { styleText } from "node:util";
import type { Plan, TaskPlan } from "../../engine/index.js";
import { estimatedEnds } from "../../engine/planner.js";
import type { DangerTier } from "../../steps/define.js";
import { FAMILIES, type Family } from "../../steps/families.js";
import { formatDuration, formatGb, table } from "../format.js";

export interface ReviewOptions {
  color: boolean;
  /** Columns a line may take. */
  width: number;
  /** The runbook's path is shown relative to this directory when it lies under it. */
  cwd?: string;
}

function shownPath(path: string, cwd: string | undefined): string {
  if (!cwd) return path;
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

type Paint = (style: Style, text: string) => string;

export const TIER_LABEL: Record<DangerTier, string> = {
  source: "LOSES SOURCE DATA OR A NAME",
  intermediate: "removes this run's own intermediates",
  reversible: "reversible for a while",
};

const NOUNS: Record<Family, [string, string]> = {
  RDS: ["database", "databases"],
  Aurora: ["cluster", "clusters"],
  EBS: ["volume", "volumes"],
  AMI: ["image", "images"],
  S3: ["bucket", "buckets"],
  DynamoDB: ["table", "tables"],
  ElastiCache: ["cache", "caches"],
  KMS: ["key", "keys"],
  cleanup: ["cleanup step", "cleanup steps"],
  other: ["other step", "other steps"],
};

function clip(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

type Style = "red" | "yellow" | "green" | "bold" | "dim";
type Segment = string | [Style, string];

/** Segments clipped to `width` columns as plain text, then painted (escape codes take no columns). */
function fit(segments: Segment[], width: number, paint: Paint): string {
  let left = width;
  let out = "";
  for (const seg of segments) {
    const [style, text] = typeof seg === "string" ? [undefined, seg] : seg;
    if (left <= 0) break;
    const shown = text.length <= left ? text : `${text.slice(0, Math.max(0, left - 1))}…`;
    left -= shown.length;
    out += style ? paint(style, shown) : shown;
  }
  return out;
}

/** Prose over as many lines as needed (at spaces), each starting with `indent`: nothing cut. */
function wrapText(text: string, indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(" ")) {
    if (line.length + word.length + 1 > width && line.trim() !== "") {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${word} `;
  }
  if (line.trim() !== "") lines.push(line.trimEnd());
  return lines;
}

/** `items` joined with ", " over as many lines as needed, each starting with `indent`. */
function wrapList(items: string[], indent: string, width: number, maxLines = 4): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const [i, item] of items.entries()) {
    const piece = `${item}${i < items.length - 1 ? ", " : ""}`;
    if (line.length + piece.length > width && line.trim() !== "") {
      if (lines.length === maxLines - 1) {
        lines.push(`${line}… and ${items.length - i} more`);
        return lines;
      }
      lines.push(line.trimEnd());
      line = indent;
    }
    line += piece;
  }
  if (line.trim() !== "") lines.push(line.trimEnd());
  return lines;
}

/** Longest chain of estimated durations through `needs` (seconds). */
export function criticalPathSeconds(tasks: TaskPlan[]): number {
  let longest = 0;
  for (const end of estimatedEnds(tasks).values()) longest = Math.max(longest, end);
  return longest;
}

/** What a family's line counts besides its size, read from its tasks' observations. */
const COUNTED: Partial<Record<Family, [(o: Record<string, unknown>) => number, string]>> = {
  S3: [(o) => Number((o.counts as { versions?: number } | undefined)?.versions ?? 0), "versions"],
  DynamoDB: [(o) => Number(o.itemCount ?? 0), "items"],
  ElastiCache: [(o) => Number(o.shards ?? 0), "shards"],
};

function whatMoves(plan: Plan, byId: Map<string, TaskPlan>): string[][] {
  const rows: string[][] = [];
  for (const family of FAMILIES) {
    const groups = plan.resources.filter((r) => r.family === family);
    if (groups.length === 0 || family === "other") continue;
    const counted = COUNTED[family];
    let gb = 0;
    let count = 0;
    for (const g of groups) {
      const tasks = g.tasks.map((id) => byId.get(id)!);
      gb += Math.max(0, ...tasks.map((t) => t.estimate?.sizeGb ?? 0));
      if (counted) count += Math.max(0, ...tasks.map((t) => counted[0](t.observations) || 0));
    }
    const [one, many] = NOUNS[family];
    rows.push([
      `  ${family}`,
      `${groups.length} ${groups.length === 1 ? one : many}`,
      gb > 0 ? formatGb(gb) : "",
      counted && count > 0 ? `${count.toLocaleString("en-US")} ${counted[1]}` : "",
    ]);
  }
  return rows;
}

export function renderPlanReview(plan: Plan, o: ReviewOptions): string[] {
  const paint: Paint = (style, text) => (o.color ? styleText(style, text) : text);
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const s = plan.summary;
  const lines: string[] = [];
  lines.push(
    fit(
      [
        ["bold", `Plan: ${plan.runbook.name}`],
        ` · ${s.tasks} tasks, ${s.changes} change something · nothing changed yet · ${shownPath(plan.runbook.path, o.cwd)} (sha256 ${plan.runbook.hash.slice(0, 8)})`,
      ],
      o.width,
      paint,
    ),
  );
  lines.push("Accounts (verified with sts:GetCallerIdentity):");
  const accounts = table(
    Object.entries(plan.accounts).map(([alias, a]) => [`  ${alias}`, a.id, a.region, a.callerArn]),
  );
  lines.push(...accounts.split("\n").map((l) => clip(l, o.width)));

  const moves = whatMoves(plan, byId);
  if (moves.length > 0)
    lines.push(
      "What moves:",
      ...table(moves)
        .split("\n")
        .map((l) => l.trimEnd()),
    );
  const cost = plan.tasks.reduce((sum, t) => sum + (t.estimate?.costUsd ?? 0), 0);
  const path = criticalPathSeconds(plan.tasks);
  lines.push(
    `Time: ~${formatDuration(path * 1000)} on the critical path · cost ~$${cost.toFixed(2)} (S3 and DynamoDB at list prices, which are parameters)`,
  );

  const blocking = plan.tasks.flatMap((t) =>
    t.preconditions.filter((p) => p.severity === "error").map((p) => ({ t, p })),
  );
  lines.push(
    blocking.length === 0
      ? paint("green", "Blocking problems: none")
      : paint("red", `Blocking problems (${blocking.length}) — the run is refused until each is fixed:`),
  );
  // Spelled out in full: these decide the night.
  for (const { t, p } of blocking) {
    lines.push(fit([["red", `  ✗ ${p.code}`], ` ${t.id}:`], o.width, paint));
    lines.push(...wrapText(p.message, "      ", o.width));
    if (p.hint) lines.push(...wrapText(`hint: ${p.hint}`, "      ", o.width));
  }

  const warnings = new Map<string, { message: string; tasks: string[]; same: boolean }>();
  for (const t of plan.tasks) {
    for (const p of t.preconditions.filter((x) => x.severity === "warning")) {
      const w = warnings.get(p.code);
      if (!w) warnings.set(p.code, { message: p.message, tasks: [t.resource], same: true });
      else {
        if (!w.tasks.includes(t.resource)) w.tasks.push(t.resource);
        w.same &&= w.message === p.message;
      }
    }
  }
  if (warnings.size > 0) lines.push(`Warnings (${warnings.size} distinct):`);
  for (const [code, w] of warnings) {
    const count = w.tasks.length > 1 ? ` ×${w.tasks.length}${w.same ? "" : ", e.g."}` : "";
    lines.push(fit([["yellow", `  ! ${code}`], `${count}: ${w.message}`], o.width, paint));
    if (w.tasks.length > 1) lines.push(...wrapList(w.tasks, "      ", o.width, 2));
  }

  const tier = (d: DangerTier) => plan.tasks.filter((t) => t.danger === d);
  const source = tier("source");
  lines.push(
    source.length === 0
      ? "Nothing that loses source data or a name."
      : paint("red", `${TIER_LABEL.source} (${source.length} actions):`),
  );
  // One line per kind of story ("empty-source + delete-source"), then every resource it applies to, by name.
  const perResource = new Map<string, { top: string; item: string; locals: string[] }>();
  for (const t of source) {
    const entry = perResource.get(t.resource) ?? { top: t.topStep, item: t.item ?? t.resource, locals: [] };
    entry.locals.push(t.step.slice(t.topStep.length + 1) || t.step);
    perResource.set(t.resource, entry);
  }
  const stories = new Map<string, string[]>();
  for (const e of perResource.values()) {
    const label = `${e.top}: ${e.locals.join(" + ")}`;
    stories.set(label, [...(stories.get(label) ?? []), e.item]);
  }
  for (const [label, items] of stories) {
    lines.push(`  ${label} (${items.length}):`);
    lines.push(...wrapList(items, "      ", o.width, Number.POSITIVE_INFINITY));
  }
  const intermediate = tier("intermediate");
  const reversible = tier("reversible");
  lines.push(
    fit(
      [
        ["yellow", `${intermediate.length} action(s) remove this run's own intermediates`],
        " (copies, shares, temporary buckets; listed under Resources)",
      ],
      o.width,
      paint,
    ),
  );
  for (const t of reversible) lines.push(clip(`  ${TIER_LABEL.reversible}: ${t.id}: ${t.summary}`, o.width));
  lines.push(
    blocking.length > 0
      ? paint("red", "No go: fix the blocking problems, then plan again.")
      : "Go: `hikkoshi run <runbook> --plan <this plan, saved with --out>` applies exactly what is shown.",
  );
  return lines;
}

/** One section per resource: the tasks of its story, one line each. */
export function renderResources(plan: Plan, o: ReviewOptions): string[] {
  const paint: Paint = (style, text) => (o.color ? styleText(style, text) : text);
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const lines: string[] = ["", "Resources (each one's story in order):"];
  for (const r of plan.resources) {
    const tasks = r.tasks.map((id) => byId.get(id)!);
    const gb = Math.max(0, ...tasks.map((t) => t.estimate?.sizeGb ?? 0));
    lines.push(
      paint("bold", `${r.id}`) + ` (${r.family}, ${tasks.length} task(s)${gb > 0 ? `, ${formatGb(gb)}` : ""})`,
    );
    for (const t of tasks) {
      const local = t.step.slice(t.topStep.length + 1) || t.step;
      const action = t.action.toUpperCase();
      const style: Style | undefined =
        t.danger === "source"
          ? "red"
          : t.danger === "intermediate"
            ? "yellow"
            : t.action === "create" || t.action === "copy"
              ? "green"
              : undefined;
      const label = t.danger === "source" ? `${action} ${TIER_LABEL.source}` : action;
      const blocked = t.preconditions.some((p) => p.severity === "error");
      lines.push(
        fit(
          [
            `    ${local.padEnd(20)} `,
            style ? [style, label] : label,
            ...(blocked ? [["red", " ✗"] as Segment] : []),
            ` ${t.summary}`,
          ],
          o.width,
          paint,
        ),
      );
    }
  }
  return lines;
}
