import { planJsonSchema } from "../../engine/plan-schema.js";
import { runbookJsonSchema } from "../../runbook/index.js";
import { registry } from "../app.js";
import { EXIT } from "../exit-codes.js";
import type { CliIO } from "../io.js";

export function schemaCommand(io: CliIO, opts: { plan?: boolean } = {}): number {
  io.out(JSON.stringify(opts.plan ? planJsonSchema() : runbookJsonSchema(registry), null, 2));
  return EXIT.OK;
}
