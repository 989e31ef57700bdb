import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { systemClock } from "../../core/clock.js";
import { EventBus } from "../../engine/events.js";
import { makePlan, type Plan } from "../../engine/index.js";
import { type GlobalOptions, readRunbook, registry, sessionFor } from "../app.js";
import { EXIT } from "../exit-codes.js";
import { formatDuration, formatGb, table } from "../format.js";
import type { CliIO } from "../io.js";

export interface PlanOptions extends GlobalOptions {
  json?: boolean;
  out?: string;
  param?: string[];
}

export async function planCommand(io: CliIO, file: string, opts: PlanOptions): Promise<number> {
  const runbook = readRunbook(io, file, opts.param);
  const session = sessionFor(runbook, opts);
  try {
    const plan = await makePlan({ session, bus: new EventBus(), registry, clock: systemClock }, runbook);
    if (opts.out) writeFileSync(resolve(io.cwd, opts.out), `${JSON.stringify(plan, null, 2)}\n`);
    io.out(opts.json ? JSON.stringify(plan, null, 2) : renderPlan(plan));
    if (opts.out && !opts.json)
      io.out(`\nPlan saved to ${opts.out}. Apply exactly this plan with: hikkoshi run ${file} --plan ${opts.out}`);
    return plan.summary.blocking > 0 ? EXIT.PRECONDITION : EXIT.OK;
  } finally {
    session.destroy();
  }
}

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`Plan for ${plan.runbook.name} (${plan.runbook.path}, sha256 ${plan.runbook.hash.slice(0, 12)})`);
  lines.push("", "Accounts (verified with sts:GetCallerIdentity):");
  lines.push(table(Object.entries(plan.accounts).map(([alias, a]) => [`  ${alias}`, a.id, a.region, a.callerArn])));
  lines.push("", "Tasks (read-only observation; nothing has been changed):");
  // A warning repeated word for word (the same role checked by 30 copies) is spelled out once.
  const shown = new Map<string, string>();
  const repeats = new Map<string, number>();
  for (const t of plan.tasks) {
    const flags = [t.destructive ? "DESTRUCTIVE" : "", t.irreversible ? "IRREVERSIBLE" : ""].filter(Boolean).join(" ");
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
