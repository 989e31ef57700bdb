/**
 * Fake step types for runbook-layer tests: only their params, outputs and recipe expansion matter here
 * (the runbook layer never plans or runs a step).
 */
import { z } from "zod";
import { defineRecipe, defineStep, type PlanResult } from "../../src/steps/define.js";
import { createRegistry } from "../../src/steps/registry.js";

const never = async (): Promise<never> => {
  throw new Error("not used in runbook tests");
};
const plan = async (): Promise<PlanResult> => ({ action: "noop", summary: "test", resources: [], preconditions: [] });

export const kmsCreateKey = defineStep({
  type: "kms.create-key",
  description: "Create a customer managed key (test double).",
  params: z.strictObject({
    alias: z.string().regex(/^[A-Za-z0-9/_-]+$/),
    allowAccounts: z.array(z.string()).default([]),
    rotation: z.boolean().optional(),
  }),
  outputs: { keyArn: "ARN of the key", keyId: "id of the key" },
  accountParams: { list: ["allowAccounts"] },
  plan,
  run: never,
});

export const rdsCreateSnapshot = defineStep({
  type: "rds.create-snapshot",
  description: "Snapshot a DB instance (test double).",
  params: z.object({ instance: z.string().min(1) }),
  outputs: { snapshotArn: "ARN of the snapshot", snapshotId: "id of the snapshot" },
  plan,
  run: never,
});

export const rdsCopySnapshot = defineStep({
  type: "rds.copy-snapshot",
  description: "Copy a snapshot, re-encrypting it (test double).",
  params: z.strictObject({ source: z.string(), kmsKeyId: z.string(), shareWith: z.array(z.string()).optional() }),
  outputs: { snapshotArn: "ARN of the copy" },
  accountParams: { list: ["shareWith"] },
  plan,
  run: never,
});

export const noop = defineStep({
  type: "noop",
  description: "Does nothing (test double).",
  params: z.strictObject({
    message: z.string().optional(),
    count: z.number().int().optional(),
    flag: z.boolean().optional(),
  }),
  outputs: { value: "whatever it was given" },
  plan,
  run: never,
});

export const moveSnapshot = defineRecipe({
  type: "rds.move-snapshot",
  description: "Snapshot an instance, re-encrypt under a shareable key, copy it into the target account.",
  params: z.strictObject({
    from: z.string(),
    to: z.string(),
    instance: z.string(),
    shareKey: z.string(),
    targetKey: z.string(),
    copyTags: z.boolean().default(true),
  }),
  outputs: { snapshotArn: "copy.snapshotArn", sourceSnapshotArn: "snapshot.snapshotArn" },
  accountParams: { single: ["from", "to"] },
  expand: (w, { selfRef }) => [
    { localId: "snapshot", type: "rds.create-snapshot", account: String(w.from), with: { instance: w.instance } },
    {
      localId: "reencrypt",
      type: "rds.copy-snapshot",
      account: String(w.from),
      with: { source: selfRef("snapshot", "snapshotArn"), kmsKeyId: w.shareKey, shareWith: [w.to] },
    },
    {
      localId: "copy",
      type: "rds.copy-snapshot",
      account: String(w.to),
      with: { source: selfRef("reencrypt", "snapshotArn"), kmsKeyId: w.targetKey },
      needs: w.copyTags === true ? ["snapshot"] : [],
    },
  ],
});

export const testRegistry = createRegistry([kmsCreateKey, rdsCreateSnapshot, rdsCopySnapshot, noop, moveSnapshot]);
