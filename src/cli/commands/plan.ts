import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { systemClock } from "../../core/clock.js";
import { EventBus } from "../../engine/events.js";
import { makePlan, type Plan } from "../../engine/index.js";
import { type GlobalOptions, readRunbook, registry } from "../app.js";
import { EXIT } from "../exit-codes.js";
import { formatDuration, formatGb } from "../format.js";
import type { CliIO } from "../io.js";
import { type ReviewOptions, renderPlanReview, renderResources, TIER_LABEL } from "../render/plan-review.js";
import { sessionFor } from "../session.js";

export interface PlanOptions extends GlobalOptions {
  json?: boolean;
  out?: string;
  param?: string[];
  detail?: boolean;
  detailedExitcode?: boolean;
}

export async function planCommand(io: CliIO, file: string, opts: PlanOptions): Promise<number> {
  const runbook = readRunbook(io, file, opts.param);
  const session = sessionFor(runbook, opts);
  try {
    const plan = await makePlan({ session, bus: new EventBus(), registry, clock: systemClock }, runbook);
    if (opts.out) writeFileSync(resolve(io.cwd, opts.out), `${JSON.stringify(plan, null, 2)}\n`);
    const view = { color: io.isTTY && !io.env.NO_COLOR, width: io.isTTY ? (io.columns ?? 100) : 100, cwd: io.cwd };
    io.out(opts.json ? JSON.stringify(plan, null, 2) : renderPlan(plan, { ...view, detail: opts.detail === true }));
    if (opts.out && !opts.json)
      io.out(`\nPlan saved to ${opts.out}. Apply exactly this plan with: hikkoshi run ${file} --plan ${opts.out}`);
    if (plan.summary.blocking > 0) return EXIT.PRECONDITION;
    // As Terraform's: 0 nothing to do, 2 changes (3 blocked, above).
    if (opts.detailedExitcode) return plan.summary.changes > 0 ? EXIT.PLAN_HAS_CHANGES : EXIT.OK;
    return EXIT.OK;
  } finally {
    session.destroy();
  }
}

export function renderPlan(plan: Plan, o: ReviewOptions & { detail: boolean }): string {
  const lines = [...renderPlanReview(plan, o), ...renderResources(plan, o)];
  if (!o.detail) {
    lines.push("", "Every task's detail, warnings and hints: hikkoshi plan … --detail (or --json).");
    return lines.join("\n");
  }
  lines.push("", "Tasks in detail (read-only observation; nothing has been changed):");
  const shown = new Map<string, string>();
  const repeats = new Map<string, number>();
  for (const t of plan.tasks) {
    const flags = t.danger ? `— ${TIER_LABEL[t.danger]}${t.irreversible ? "" : " (cancellable)"}` : "";
    const est = t.estimate
      ? ` [${[t.estimate.sizeGb !== undefined ? formatGb(t.estimate.sizeGb) : "", t.estimate.durationSeconds ? `~${formatDuration(t.estimate.durationSeconds * 1000)}` : "", t.estimate.note ?? ""].filter(Boolean).join(", ")}]`
      : "";
    lines.push(`  ${t.id}  (${t.type} in ${t.account} ${t.accountId})`);
    lines.push(`      ${t.action.toUpperCase()}${flags ? ` ${flags}` : ""}: ${t.summary}${est}`);
    for (const p of t.preconditions) {
      const key = `${p.severity}\n${p.code}\n${p.message}\n${p.hint ?? ""}`;
      const first = shown.get(key);
      if (p.severity === "warning" && first !== undefined) {
        repeats.set(key, (repeats.get(key) ?? 0) + 1);
        lines.push(`      ! warning ${p.code} (as for ${first})`);
        continue;
      }
      shown.set(key, t.id);
      lines.push(`      ${p.severity === "error" ? "✗ BLOCKING" : "! warning"} ${p.code}: ${p.message}`);
      if (p.hint) lines.push(`          hint: ${p.hint}`);
    }
  }
  const s = plan.summary;
  lines.push(
    "",
    `Summary: ${s.tasks} task(s), ${s.destructive} destructive, ${s.irreversible} irreversible; ${s.blocking} blocking problem(s), ${s.warnings} warning(s)${repeats.size > 0 ? ` (${s.warnings - [...repeats.values()].reduce((a, b) => a + b, 0)} distinct)` : ""}.`,
  );
  if (s.blocking > 0) lines.push("The run would be refused until the blocking problems are fixed.");
  return lines.join("\n");
}
