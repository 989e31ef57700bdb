/**
 * Every plan the tests make is checked against the published plan schema (`hikkoshi schema --plan`):
 * `assertPlanValid` throws with ajv's errors, so the test that produced a non-conforming plan fails.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { planJsonSchema } from "../../src/engine/index.js";

const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
const validate = ajv.compile(planJsonSchema());

export function assertPlanValid(plan: unknown, where: string): void {
  if (validate(plan)) return;
  const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || "/"} ${e.message}`);
  throw new Error(`the plan from ${where} does not match hikkoshi schema --plan:\n  ${errors.join("\n  ")}`);
}
