/**
 * kms.create-key: a customer managed key found by its alias (created when missing), whose key policy
 * admits the accounts that must use it (extended when an adopted key does not yet).
 */
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { z } from "zod";
import { awsCategory } from "../../aws/errors.js";
import { kms } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import type { Json } from "../../core/json.js";
import { defineStep, type PlanResult, type Precondition, type RunContext } from "../define.js";
import { accountAliasOrId, requireAccountIds, resolveAccountIds } from "../shared/accounts.js";
import { failed, known, laterOutput, planParams, warning } from "../shared/plan.js";
import { savedString } from "../shared/progress.js";
import {
  describeKey,
  getKeyPolicy,
  initialPolicy,
  missingAccounts,
  normalizeAlias,
  withAllowedAccounts,
} from "./keys.js";
import { ALIAS_TAG, findOrphanKey, liveKey } from "./orphans.js";

export const kmsCreateKeyParams = z.strictObject({
  alias: z
    .string()
    .regex(/^(alias\/)?[A-Za-z0-9/_-]{1,250}$/, "letters, digits, '/', '_' and '-'")
    .refine((a) => !/^(alias\/)?aws\//.test(a), { message: "alias/aws/ is reserved for AWS managed keys" })
    .describe('Key alias, with or without the "alias/" prefix, e.g. hikkoshi/split-staging. The key is found by it.'),
  description: z.string().max(8192).optional().describe("Key description (only used when the key is created)."),
  allowAccounts: z
    .array(accountAliasOrId)
    .default([])
    .describe(
      "Accounts (aliases or 12-digit ids) the key policy admits with kms:Decrypt, kms:DescribeKey, kms:CreateGrant, kms:ReEncrypt*, kms:GenerateDataKey*.",
    ),
});
export type KmsCreateKeyParams = z.infer<typeof kmsCreateKeyParams>;

const UNUSABLE_STATES = new Set(["PendingDeletion", "PendingReplicaDeletion", "Disabled", "Unavailable"]);

function keyProblems(aliasName: string, meta: KeyMetadata): Precondition[] {
  const problems: Precondition[] = [];
  if (meta.KeyManager === "AWS") {
    problems.push(
      failed("KEY_IS_AWS_MANAGED", `${aliasName} is an AWS managed key`, "use a customer managed key alias"),
    );
  }
  if (UNUSABLE_STATES.has(meta.KeyState ?? "")) {
    problems.push(
      failed(
        "KMS_KEY_NOT_USABLE",
        `${aliasName} (${meta.KeyId}) is ${meta.KeyState}`,
        "enable the key (or cancel its deletion) or use another alias",
      ),
    );
  }
  return problems;
}

function outputs(aliasName: string, meta: KeyMetadata): Record<string, Json> {
  return { keyId: meta.KeyId ?? "", keyArn: meta.Arn ?? "", alias: aliasName };
}

async function createKey(ctx: RunContext, aliasName: string, params: KmsCreateKeyParams, allowIds: string[]) {
  const alias = ctx.account.alias;
  const saved = savedString(ctx, "keyId");
  let keyId =
    saved && (await liveKey(ctx.aws, ctx.account, saved))
      ? saved
      : await findOrphanKey(ctx.aws, ctx.account, aliasName, ctx.tags());
  if (keyId) {
    ctx.log.info(`adopting key ${keyId}, created by an earlier attempt before its alias`);
  } else {
    ctx.saveProgress({ alias: aliasName, phase: "create-key" });
    const tags = { ...ctx.tags(), [ALIAS_TAG]: aliasName };
    const created = await ctx.aws.mutate(
      alias,
      "kms",
      new kms.CreateKeyCommand({
        Description: params.description ?? `hikkoshi ${ctx.runbookName}: ${aliasName}`,
        KeyUsage: "ENCRYPT_DECRYPT",
        KeySpec: "SYMMETRIC_DEFAULT",
        Policy: JSON.stringify(initialPolicy(ctx.account, allowIds)),
        Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      }),
      aliasName,
    );
    keyId = created.KeyMetadata?.KeyId;
    if (!keyId) throw new HikkoshiError("KMS_CREATE_KEY_NO_ID", "CreateKey answered without a KeyId");
    ctx.saveProgress({ alias: aliasName, phase: "create-alias", keyId });
  }
  try {
    await ctx.aws.mutate(
      alias,
      "kms",
      new kms.CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }),
      aliasName,
    );
  } catch (err) {
    if (awsCategory(err) !== "already-exists") throw err;
  }
  const meta = await describeKey(ctx.aws, ctx.account, aliasName);
  if (!meta || meta.KeyId !== keyId) {
    throw new HikkoshiError(
      "KMS_ALIAS_TAKEN",
      `${aliasName} points to ${meta?.KeyId ?? "nothing"}, not to key ${keyId}`,
      {
        hint: `someone created ${aliasName} meanwhile; key ${keyId} is unused (schedule its deletion) or pick another alias`,
        resource: aliasName,
      },
    );
  }
  return meta;
}

export const kmsCreateKey = defineStep<KmsCreateKeyParams>({
  type: "kms.create-key",
  description:
    "Customer managed KMS key found by alias (created if missing) whose key policy admits the given accounts.",
  params: kmsCreateKeyParams,
  outputs: { keyId: "Key id", keyArn: "Key ARN", alias: 'The alias, with the "alias/" prefix' },
  accountParams: { list: ["allowAccounts"] },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<KmsCreateKeyParams>(kmsCreateKeyParams, raw);
    if (!known(params.alias)) {
      return {
        action: "create",
        summary: "create KMS key (alias from another step)",
        resources: [],
        preconditions: problems,
      };
    }
    const aliasName = normalizeAlias(params.alias);
    const listed = known(params.allowAccounts) ? params.allowAccounts.filter((v): v is string => known(v)) : [];
    const { ids, unknown } = resolveAccountIds(ctx.accounts, listed);
    const allowIds = ids.filter((id) => id !== ctx.account.id);
    if (unknown.length > 0) problems.push(failed("UNKNOWN_ACCOUNT", `allowAccounts: unknown ${unknown.join(", ")}`));
    const admits = allowIds.length > 0 ? ` admitting ${allowIds.join(", ")}` : "";

    const meta = await describeKey(ctx.aws, ctx.account, aliasName);
    if (!meta) {
      return {
        action: "create",
        summary: `create KMS key ${aliasName}${admits}`,
        resources: [aliasName],
        irreversible: false,
        preconditions: problems,
        predictedOutputs: { alias: aliasName, keyId: laterOutput(ctx, "keyId"), keyArn: laterOutput(ctx, "keyArn") },
        observations: { key: null },
      };
    }
    problems.push(...keyProblems(aliasName, meta));
    let missing: string[] = [];
    if (allowIds.length > 0 && meta.KeyManager !== "AWS") {
      try {
        missing = missingAccounts(await getKeyPolicy(ctx.aws, ctx.account, meta.KeyId ?? aliasName), allowIds);
      } catch (err) {
        if (awsCategory(err) !== "access-denied") throw err;
        problems.push(
          warning("KEY_POLICY_UNREADABLE", `cannot read the key policy of ${aliasName} (kms:GetKeyPolicy)`),
        );
      }
    }
    if (missing.length > 0) {
      problems.push(
        warning(
          "KEY_POLICY_MISSING_ACCOUNTS",
          `the key policy of ${aliasName} does not admit ${missing.join(", ")}: run will add them to statement "HikkoshiAllowAccounts" (kms:Decrypt, kms:DescribeKey, kms:CreateGrant, kms:ReEncrypt*, kms:GenerateDataKey*)`,
          "the other statements, including the administrators', are kept",
        ),
      );
    }
    return {
      action: missing.length > 0 ? "modify" : "already-done",
      summary:
        missing.length > 0
          ? `extend the key policy of ${aliasName} to admit ${missing.join(", ")}`
          : `KMS key ${aliasName} exists (${meta.KeyId})${admits}`,
      resources: [meta.Arn ?? aliasName],
      preconditions: problems,
      // A key whose policy run will extend is not usable as it is now: downstream plans treat it like a key
      // this run creates (its policy is this step's business), instead of blocking on today's policy.
      predictedOutputs:
        missing.length > 0
          ? { alias: aliasName, keyId: meta.KeyId ?? laterOutput(ctx, "keyId"), keyArn: laterOutput(ctx, "keyArn") }
          : outputs(aliasName, meta),
      observations: { key: { keyId: meta.KeyId ?? null, state: meta.KeyState ?? null, missingAccounts: missing } },
    };
  },

  async run(ctx, params) {
    const aliasName = normalizeAlias(params.alias);
    const allowIds = requireAccountIds(ctx.accounts, params.allowAccounts).filter((id) => id !== ctx.account.id);
    const existing = await describeKey(ctx.aws, ctx.account, aliasName);
    const meta = existing ?? (await createKey(ctx, aliasName, params, allowIds));
    const problems = keyProblems(aliasName, meta);
    if (problems[0])
      throw new HikkoshiError(problems[0].code, problems[0].message, { hint: problems[0].hint, resource: aliasName });

    if (existing && allowIds.length > 0) {
      const policy = await getKeyPolicy(ctx.aws, ctx.account, meta.KeyId ?? aliasName);
      const missing = missingAccounts(policy, allowIds);
      if (missing.length > 0) {
        ctx.log.info(`extending the key policy of ${aliasName} to admit ${missing.join(", ")}`);
        await ctx.aws.mutate(
          ctx.account.alias,
          "kms",
          new kms.PutKeyPolicyCommand({
            KeyId: meta.KeyId,
            PolicyName: "default",
            Policy: JSON.stringify(withAllowedAccounts(policy, missing, ctx.account.region)),
          }),
          meta.Arn ?? aliasName,
        );
      }
    }
    return outputs(aliasName, meta);
  },
});
