import { CreateKeyCommand, GetKeyPolicyCommand, ListAliasesCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { kmsCreateKey } from "../../../src/steps/kms/create-key.js";
import { parsePolicy, policyAdmits } from "../../../src/steps/kms/keys.js";
import { mutations, PROD, STAGING, startWorld, type World } from "../setup.js";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.close());

const kms = () => world.h.session.client("source", "kms");
const keyCount = async () => (await kms().send(new ListKeysCommand({}))).Keys?.length ?? 0;
const policyOf = async (keyId: string) =>
  parsePolicy((await kms().send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy);

describe("kms.create-key", () => {
  it("creates the key with its alias and a policy admitting the allowed accounts, once", async () => {
    const before = await keyCount();
    const params = { alias: "hikkoshi/split", allowAccounts: ["target"] };
    const first = await world.h.run(kmsCreateKey, "source", params, "share-key");
    expect(first.alias).toBe("alias/hikkoshi/split");
    expect(first.keyArn).toMatch(new RegExp(`^arn:aws:kms:ap-northeast-1:${PROD}:key/`));
    const policy = await policyOf(String(first.keyId));
    expect(policyAdmits(policy, STAGING)).toBe(true);
    expect(policy.Statement.some((s) => s.Action === "kms:*")).toBe(true);

    const second = await world.h.run(kmsCreateKey, "source", params, "share-key");
    expect(second).toEqual(first);
    expect(await keyCount()).toBe(before + 1);
    expect(mutations(world.h)).toEqual(["kms:CreateKey", "kms:CreateAlias"]);
  });

  it("adopts the key a crash left between CreateKey and CreateAlias instead of creating a second", async () => {
    const before = await keyCount();
    const ctx = world.h.runContext("source", "share-key");
    // What the step would have done before crashing: CreateKey with its tags, no alias yet.
    const orphan = await kms().send(
      new CreateKeyCommand({
        Description: "orphan",
        Tags: Object.entries({ ...ctx.tags(), "hikkoshi:alias": "alias/hikkoshi/split" }).map(([TagKey, TagValue]) => ({
          TagKey,
          TagValue,
        })),
      }),
    );
    const out = await world.h.run(kmsCreateKey, "source", { alias: "hikkoshi/split" }, "share-key");
    expect(out.keyId).toBe(orphan.KeyMetadata?.KeyId);
    expect(await keyCount()).toBe(before + 1);
    expect(mutations(world.h)).toEqual(["kms:CreateAlias"]);
    const aliases = await kms().send(new ListAliasesCommand({}));
    expect(aliases.Aliases?.find((a) => a.AliasName === "alias/hikkoshi/split")?.TargetKeyId).toBe(
      orphan.KeyMetadata?.KeyId,
    );
  });

  it("does not adopt a key tagged for the same alias by another task", async () => {
    const before = await keyCount();
    const other = world.h.runContext("source", "other-task");
    await kms().send(
      new CreateKeyCommand({
        Tags: Object.entries({ ...other.tags(), "hikkoshi:alias": "alias/hikkoshi/split" }).map(
          ([TagKey, TagValue]) => ({
            TagKey,
            TagValue,
          }),
        ),
      }),
    );
    await world.h.run(kmsCreateKey, "source", { alias: "hikkoshi/split" }, "share-key");
    expect(await keyCount()).toBe(before + 2);
  });

  it("plans a modify when an existing key's policy omits an allowed account, and run extends it", async () => {
    const plan = await world.h.plan(kmsCreateKey, "source", { alias: "app-data", allowAccounts: ["target"] });
    expect(plan.action).toBe("modify");
    const missing = plan.preconditions.find((p) => p.code === "KEY_POLICY_MISSING_ACCOUNTS");
    expect(missing?.ok).toBe(false);
    expect(missing?.message).toContain(STAGING);

    const out = await world.h.run(kmsCreateKey, "source", { alias: "app-data", allowAccounts: ["target"] });
    expect(mutations(world.h)).toEqual(["kms:PutKeyPolicy"]);
    const policy = await policyOf(String(out.keyId));
    expect(policyAdmits(policy, STAGING)).toBe(true);
    expect(policy.Statement.find((s) => s.Sid === "Enable IAM User Permissions")).toBeDefined();

    const again = await world.h.plan(kmsCreateKey, "source", { alias: "app-data", allowAccounts: ["target"] });
    expect(again.action).toBe("already-done");
    expect(again.preconditions.filter((p) => !p.ok)).toEqual([]);
  });

  it("plans a create for a missing alias with the key id left to the run", async () => {
    const plan = await world.h.plan(kmsCreateKey, "source", { alias: "alias/hikkoshi/new" }, "share-key");
    expect(plan.action).toBe("create");
    expect(plan.predictedOutputs?.alias).toBe("alias/hikkoshi/new");
    expect(plan.predictedOutputs?.keyArn).toEqual({ $unresolved: "steps.share-key.outputs.keyArn" });
  });

  it("refuses AWS managed aliases in the schema", () => {
    expect(kmsCreateKey.params.safeParse({ alias: "alias/aws/rds" }).success).toBe(false);
    expect(kmsCreateKey.params.safeParse({ alias: "x", allowAccounts: ["all"] }).success).toBe(false);
  });
});
