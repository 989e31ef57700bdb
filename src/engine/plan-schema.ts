/**
 * The JSON Schema (draft 2020-12) of the plan format `hikkoshi-plan/1` (`plan --json`, `plan --out`, the
 * `plan` event): what a reviewer's tooling or a CI gate may rely on. `hikkoshi schema --plan` prints it;
 * the tests validate every plan they make against it.
 */
import { DANGER_TIERS } from "../steps/define.js";
import { FAMILIES } from "../steps/families.js";
import { PLAN_FORMAT } from "./planner.js";

const ACTIONS = ["create", "copy", "share", "wait", "manual", "delete", "modify", "noop", "already-done"];

const count = { type: "integer", minimum: 0 };
const text = { type: "string" };

export function planJsonSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://hikkoshi.dev/schema/plan-v1.json",
    title: "hikkoshi plan",
    description: `A plan as \`hikkoshi plan --json\` prints it (format ${PLAN_FORMAT}).`,
    type: "object",
    additionalProperties: false,
    required: ["format", "createdAt", "runbook", "params", "accounts", "tasks", "resources", "summary"],
    properties: {
      format: { const: PLAN_FORMAT },
      createdAt: { type: "string", format: "date-time", description: "When the plan was made (ISO 8601)." },
      runbook: {
        type: "object",
        additionalProperties: false,
        required: ["name", "path", "hash"],
        properties: {
          name: text,
          path: text,
          hash: { type: "string", pattern: "^[0-9a-f]{64}$", description: "sha256 of the runbook's text." },
        },
      },
      params: { type: "object", description: "The effective params (defaults and --param overrides)." },
      accounts: {
        type: "object",
        description: "Alias → the account verified with sts:GetCallerIdentity.",
        additionalProperties: {
          type: "object",
          additionalProperties: false,
          required: ["id", "region", "callerArn"],
          properties: { id: { type: "string", pattern: "^\\d{12}$" }, region: text, callerArn: text },
        },
      },
      tasks: { type: "array", items: { $ref: "#/$defs/task" } },
      resources: {
        type: "array",
        description: "Tasks grouped by the resource they move (a bucket's or a database's whole story), in plan order.",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["id", "family", "tasks"],
          properties: {
            id: { type: "string", description: '"<top step>" or "<top step>[<item>]".' },
            family: { enum: [...FAMILIES] },
            tasks: { type: "array", items: text },
          },
        },
      },
      summary: {
        type: "object",
        additionalProperties: false,
        required: ["tasks", "destructive", "irreversible", "blocking", "warnings", "danger", "changes"],
        properties: {
          tasks: count,
          destructive: count,
          irreversible: count,
          blocking: { ...count, description: "Failing preconditions of severity error: the run is refused." },
          warnings: count,
          danger: {
            type: "object",
            additionalProperties: false,
            required: [...DANGER_TIERS],
            properties: Object.fromEntries(DANGER_TIERS.map((t) => [t, count])),
          },
          changes: { ...count, description: "Tasks whose action changes something (not noop / already-done)." },
        },
      },
    },
    $defs: {
      task: {
        type: "object",
        additionalProperties: false,
        required: [
          "id",
          "step",
          "topStep",
          "type",
          "account",
          "accountId",
          "region",
          "action",
          "summary",
          "resources",
          "destructive",
          "irreversible",
          "needs",
          "resource",
          "family",
          "preconditions",
          "observations",
        ],
        properties: {
          id: { type: "string", description: 'Task address, e.g. "db.copy[staging-api-db]".' },
          step: text,
          topStep: text,
          item: text,
          type: { type: "string", description: "Primitive step type." },
          account: { type: "string", description: "Account alias the task acts in." },
          accountId: { type: "string", pattern: "^\\d{12}$" },
          region: text,
          action: { enum: ACTIONS },
          summary: text,
          resources: { type: "array", items: text },
          destructive: { type: "boolean" },
          irreversible: { type: "boolean" },
          danger: {
            enum: [...DANGER_TIERS],
            description:
              "Destructive tasks only: source = loses source data or a name; intermediate = removes this run's own intermediates; reversible = can be undone for a while.",
          },
          needs: { type: "array", items: text },
          resource: text,
          family: { enum: [...FAMILIES] },
          estimate: {
            type: "object",
            additionalProperties: false,
            properties: {
              sizeGb: { type: "number", minimum: 0 },
              durationSeconds: { type: "number", minimum: 0 },
              costUsd: { type: "number", minimum: 0 },
              note: text,
            },
          },
          preconditions: {
            type: "array",
            description: "Failing checks only.",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["ok", "code", "message", "severity"],
              properties: {
                ok: { const: false },
                code: { type: "string", pattern: "^[A-Z0-9_]+$" },
                message: text,
                hint: text,
                severity: { enum: ["error", "warning"] },
              },
            },
          },
          observations: { type: "object", description: "What the plan observed; `run --plan` re-observes." },
        },
      },
    },
  };
}
