/**
 * The demo: a realistic two-account world on the built-in simulator, moved by the real engine with the
 * real display. Auto-approves and auto-confirms (on a simulator only) and says so.
 */
import { join } from "node:path";
import { startSimulator, type WorldDump } from "../../sim/index.js";
import { readRunbook } from "../app.js";
import type { CliIO } from "../io.js";
import { autoOperator } from "../operator.js";
import { packageRoot } from "../package-root.js";
import { renderPlanReview } from "../render/plan-review.js";
import { sessionFor } from "../session.js";
import { operatorName } from "../state-file.js";
import { planCommand } from "./plan.js";
import { planFor, runCommand } from "./run.js";

export interface DemoOptions {
  /** The whole night: RDS plus 29 buckets (runbooks/demo-split.yaml). */
  full?: boolean;
  state?: string;
  json?: boolean;
  speed?: string;
  parallel?: string;
}

export async function demoCommand(io: CliIO, opts: DemoOptions): Promise<number> {
  const seed = join(packageRoot(), "runbooks/sim", `${opts.full ? "demo-split-world" : "demo-world"}.yaml`);
  const runbookPath = join(packageRoot(), "runbooks", `${opts.full ? "demo-split" : "demo-rds"}.yaml`);
  const sim = await startSimulator({ seed, port: 0, speed: Number(opts.speed ?? 7200) });
  // The simulator maps access keys "AKSIM<account>" to accounts; the target is reached by AssumeRole,
  // exactly as an operator would with a real role.
  const saved = { ...process.env };
  process.env.AWS_ACCESS_KEY_ID = "AKSIM111111111111";
  process.env.AWS_SECRET_ACCESS_KEY = "simulator";
  for (const k of ["AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"]) delete process.env[k];
  try {
    if (!opts.json) {
      io.out(
        `hikkoshi demo: simulator on ${sim.url} (virtual clock ×${opts.speed ?? 7200}), runbook runbooks/${opts.full ? "demo-split" : "demo-rds"}.yaml`,
      );
      io.out("Manual steps are auto-approved and destructive steps auto-confirmed because this is the simulator.\n");
    }
    const simIO = { ...io, env: { ...io.env, HIKKOSHI_POLL_MS: io.env.HIKKOSHI_POLL_MS ?? "100" } };
    if (!opts.json) {
      io.out("Step 1 — the plan (read-only; this is what you review before a real run):\n");
      if (io.isTTY) await planCommand(simIO, runbookPath, { endpoint: sim.url });
      else await planFirstScreen(simIO, runbookPath, sim.url);
      io.out("\nStep 2 — the run:\n");
    }
    const code = await runCommand(
      simIO,
      runbookPath,
      {
        endpoint: sim.url,
        yes: true,
        abandonUnfinished: true,
        parallel: opts.parallel ?? "4",
        ...(opts.state ? { state: opts.state } : {}),
        ...(opts.json ? { json: true } : {}),
      },
      autoOperator(`${operatorName()} (demo)`),
    );
    if (!opts.json) {
      io.out("\nThe simulator's world after the run (what a reviewer would check in the console):");
      io.out(worldSummary(sim.dump()));
      io.out("\nTry next:  hikkoshi status   |   hikkoshi log   |   hikkoshi runs");
      io.out("(no `hikkoshi` on your PATH? `node bin/hikkoshi.js status`, or `npm link --ignore-scripts` once)");
    }
    return code;
  } finally {
    process.env = saved;
    await sim.close();
  }
}

/**
 * Piped (a CI log), the plan's first screen only: the per-resource story is one line per task, 500 of them
 * for the whole night, and the run's own lines say the same again.
 */
async function planFirstScreen(io: CliIO, runbookPath: string, endpoint: string): Promise<void> {
  const runbook = readRunbook(io, runbookPath);
  const session = sessionFor(runbook, { endpoint });
  try {
    const plan = await planFor(session, runbook);
    io.out(renderPlanReview(plan, { color: false, width: 100, cwd: io.cwd }).join("\n"));
    io.out(
      "(Each resource's story and every task's detail: `hikkoshi plan … --detail`; the demo in a terminal shows them.)",
    );
  } finally {
    session.destroy();
  }
}

function worldSummary(dump: WorldDump): string {
  const lines: string[] = [];
  for (const [id, account] of Object.entries(dump.accounts)) {
    for (const [region, r] of Object.entries(account.regions)) {
      const manual = [...r.dbSnapshots, ...r.dbClusterSnapshots].filter((s) => s.type !== "automated");
      const pending = r.kmsKeys.filter((k) => k.keyState === "PendingDeletion");
      const ec2 = r.ec2;
      const ebs = ec2 ? `, ${ec2.snapshots.length} EBS snapshot(s), ${ec2.images.length} AMI(s)` : "";
      const keys = `${r.kmsKeys.length} customer key(s)${pending.length ? ` (${pending.length} pending deletion)` : ""}`;
      lines.push(`  ${id} (${account.name}) ${region}: ${manual.length} manual DB snapshot(s)${ebs}, ${keys}`);
      for (const s of manual) {
        const shared = s.sharedWith.length ? `, shared with ${s.sharedWith.join(",")}` : "";
        lines.push(
          `    ${s.id.padEnd(44)} ${s.status.padEnd(10)} ${s.sizeGb} GB, key ${s.kmsKeyAlias ?? s.kmsKeyArn ?? "none"}${shared}`,
        );
      }
      for (const image of ec2?.images ?? []) {
        lines.push(`    ${`${image.id} ${image.name}`.padEnd(44)} ${image.state.padEnd(10)} AMI`);
      }
      for (const s of ec2?.snapshots ?? []) {
        const shared = s.sharedWith.length ? `, shared with ${s.sharedWith.join(",")}` : "";
        lines.push(
          `    ${s.id.padEnd(44)} ${s.state.padEnd(10)} ${s.sizeGb} GB, key ${s.kmsKeyAlias ?? s.kmsKeyArn ?? "none"}${shared}`,
        );
      }
      for (const k of pending) lines.push(`    key ${k.aliases.join(", ") || k.id} pending deletion (cancellable)`);
      lines.push(...dataSummary(dump, id, region));
    }
  }
  return lines.join("\n");
}

/** DynamoDB tables (and the ones deleted) and ElastiCache snapshots of one account and region. */
function dataSummary(dump: WorldDump, account: string, region: string): string[] {
  const lines: string[] = [];
  const mine = (arn: string) => arn.split(":")[4] === account && arn.split(":")[3] === region;
  const name = (arn: string) => arn.slice(arn.indexOf(":table/") + 7);
  for (const t of dump.dynamodb?.tables.filter((x) => mine(x.arn)) ?? []) {
    lines.push(
      `    table ${name(t.arn).padEnd(38)} ${t.status.toLowerCase().padEnd(10)} ${t.itemCount} items, ${t.billingMode}${t.pitr ? ", PITR on" : ""}`,
    );
  }
  for (const t of dump.dynamodb?.deletedTables.filter((x) => mine(x.arn)) ?? []) {
    lines.push(`    table ${name(t.arn).padEnd(38)} deleted    (${t.itemCount} items, verified in the target first)`);
  }
  const cache = dump.elasticache?.regions[`${account}:${region}`];
  for (const s of cache?.snapshots ?? []) {
    if (s.source !== "manual") continue;
    lines.push(`    cache snapshot ${s.name.padEnd(29)} ${s.status.padEnd(10)} of ${s.of}`);
  }
  return lines;
}
