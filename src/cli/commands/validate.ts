import { type GlobalOptions, readRunbook } from "../app.js";
import { EXIT } from "../exit-codes.js";
import type { CliIO } from "../io.js";

export function validateCommand(io: CliIO, file: string, opts: GlobalOptions & { param?: string[] }): number {
  const runbook = readRunbook(io, file, opts.param);
  const recipes = runbook.steps.filter((s) => s.children.length > 1 || s.children[0] !== s.id).length;
  io.out(
    `${file}: valid — runbook "${runbook.name}", ${Object.keys(runbook.accounts).length} account(s), ${runbook.steps.length} step(s) (${recipes} recipe(s)) expanding to ${runbook.tasks.length} task(s).`,
  );
  return EXIT.OK;
}
