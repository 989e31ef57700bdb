import type { StepRegistry } from "../steps/registry.js";
import { defRef, paramsDefs, type Schema, TEMPLATE, withRef } from "./schema-params.js";

/**
 * JSON Schema (draft 2020-12) of the runbook format, with each step type's `with` derived from its zod
 * params. Editors use it through `# yaml-language-server: $schema=…`; every `$ref` in it points into it.
 */
export function runbookJsonSchema(registry: StepRegistry): Schema {
  const types = registry.types();
  const branches = types.map((type) => ({
    if: { properties: { type: { const: type } }, required: ["type"] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema if/then, not a thenable
    then: { properties: { with: { $ref: defRef(withRef(type)) } } },
  }));
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://hikkoshi.dev/schema/runbook-v1.json",
    title: "hikkoshi runbook (version 1)",
    type: "object",
    additionalProperties: false,
    required: ["version", "name", "accounts", "steps"],
    properties: {
      version: { const: 1, description: "Runbook format version: 1." },
      name: {
        type: "string",
        pattern: "^[a-z][a-z0-9-]{0,62}$",
        description: "Runbook name, [a-z][a-z0-9-]*, at most 63 characters; part of every name hikkoshi derives.",
      },
      description: { type: "string", description: "What the runbook does, for people." },
      endpoint: {
        type: "string",
        format: "uri",
        description:
          "Endpoint URL for every account's AWS calls (LocalStack, the simulator), e.g. http://127.0.0.1:4566.",
      },
      lock: {
        type: "object",
        additionalProperties: false,
        required: ["account", "bucket"],
        description:
          "Shared migration lock: an S3 object (conditional write) naming the live run of this migration, seen by every state file.",
        properties: {
          account: { type: "string", description: "Alias of the account that owns the bucket." },
          bucket: { type: "string", description: "Bucket for the lock objects (versioning recommended)." },
          prefix: { type: "string", description: "Key prefix (default hikkoshi/locks)." },
        },
      },
      accounts: {
        type: "object",
        description: "Alias → account; every alias is verified with sts:GetCallerIdentity.",
        additionalProperties: { $ref: "#/$defs/account" },
      },
      params: {
        type: "object",
        description: "Name → default value, referenced as ${{ params.name }}; override with --param name=value.",
      },
      steps: {
        type: "array",
        minItems: 1,
        description: "The steps; a step runs after those it needs or references.",
        items: { $ref: "#/$defs/step" },
      },
    },
    $defs: {
      ...paramsDefs(registry),
      account: {
        type: "object",
        additionalProperties: false,
        required: ["id", "region"],
        properties: {
          id: { type: "string", pattern: "^\\d{12}$", description: "Quoted 12-digit account id." },
          region: { type: "string", description: "AWS region of this account's calls, e.g. ap-northeast-1." },
          profile: {
            type: "string",
            description: "Profile in ~/.aws/config (not with roleArn); neither = the default credential chain.",
          },
          roleArn: {
            type: "string",
            pattern: "^arn:aws[a-z-]*:iam::\\d{12}:role/.+$",
            description: "Role to assume from the default credential chain (not with profile).",
          },
          externalId: { type: "string", description: "External id for assuming roleArn." },
          sessionName: { type: "string", description: "Session name for assuming roleArn." },
          endpoint: { type: "string", format: "uri", description: "Endpoint URL for this account's AWS calls only." },
        },
        not: { required: ["profile", "roleArn"] },
      },
      step: {
        type: "object",
        additionalProperties: false,
        required: ["id", "type"],
        properties: {
          id: {
            type: "string",
            pattern: "^[a-z][a-z0-9-]*$",
            description: "Step id, [a-z][a-z0-9-]*, unique in the runbook.",
          },
          type: { enum: types, description: "Step type; `with` takes its parameters." },
          account: {
            type: "string",
            description: "Alias of the account the step acts in (recipes take from/to instead).",
          },
          description: { type: "string", description: "What the step is for, for people." },
          with: { type: "object", description: "The step type's parameters." },
          needs: {
            anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
            description: "Explicit dependencies: step ids (references to outputs add implicit ones).",
          },
          forEach: {
            anyOf: [{ type: "array" }, TEMPLATE],
            description: "One task per item (a list or a reference to one); `${{ item }}` is the item.",
          },
          if: {
            anyOf: [{ type: "string" }, { type: "boolean" }],
            description: "Expression (==, !=, !, &&, ||, parentheses, literals); the step runs only when it holds.",
          },
          timeout: {
            type: "string",
            pattern: "^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$",
            description: "Upper bound for the step's waits, e.g. 30s, 90m, 72h, 1h30m.",
          },
        },
        allOf: branches,
      },
    },
  };
}
