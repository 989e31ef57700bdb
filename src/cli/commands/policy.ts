/**
 * `hikkoshi policy <runbook>`: the IAM policies the runbook needs, per account, from the runbook alone
 * (no AWS call): JSON on stdout, or with --out-dir one JSON file per document plus a Terraform file.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { HikkoshiError } from "../../core/errors.js";
import { generatePolicies, policyFiles, terraform } from "../../policy/generate.js";
import { readRunbook } from "../app.js";
import { EXIT } from "../exit-codes.js";
import type { CliIO } from "../io.js";
import { parseNotifyTargets } from "../notify/receivers.js";
import type { GlobalOptions } from "../state-file.js";

export interface PolicyOptions extends GlobalOptions {
  outDir?: string;
  format?: string;
  param?: string[];
  notify?: string[];
}

export function policyCommand(io: CliIO, file: string, opts: PolicyOptions): number {
  const format = opts.format ?? "json";
  if (format !== "json" && format !== "terraform") {
    throw new HikkoshiError("USAGE", `--format ${format}: expected json or terraform`, {
      hint: "json prints the documents; terraform prints aws_iam_policy_document data sources",
    });
  }
  const runbook = readRunbook(io, file, opts.param);
  // `run --notify sns:<topic>` publishes as the topic's account: the same values add that permission.
  const publish = parseNotifyTargets(opts.notify ?? [], runbook).flatMap((r) =>
    r.kind === "sns" ? [{ account: r.alias, actions: ["sns:Publish"], resources: [r.topicArn] }] : [],
  );
  const g = generatePolicies(runbook, publish);
  if (!opts.outDir) {
    io.out(format === "terraform" ? terraform(g).trimEnd() : JSON.stringify(g, null, 2));
    return EXIT.OK;
  }
  const dir = resolve(io.cwd, opts.outDir);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    const shown = relative(io.cwd, join(dir, name));
    written.push(shown.startsWith("..") ? join(dir, name) : shown);
  };
  for (const [name, text] of Object.entries(policyFiles(g))) write(name, text);
  for (const [alias, a] of Object.entries(g.accounts)) {
    const actions = new Set(a.policy.Statement.flatMap((s) => s.Action)).size;
    io.out(`${alias} (${a.accountId}): ${a.policy.Statement.length} statement(s), ${actions} action(s)`);
  }
  io.out(`Wrote ${written.length} file(s): ${written.join(", ")}`);
  return EXIT.OK;
}
