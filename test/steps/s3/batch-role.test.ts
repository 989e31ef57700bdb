import { afterEach, describe, expect, it } from "vitest";
import type { SeedObject } from "../../../src/sim/index.js";
import { roleProblems, trustsBatchOperations } from "../../../src/steps/s3/copy/batch-params.js";
import { STAGING } from "../setup.js";
import { type DataWorld, ROLE_ARN, seedWith, startDataWorld } from "./data-world.js";

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The data world, with more roles in staging. */
function withRoles(roles: unknown[]): SeedObject {
  const seed = seedWith() as { accounts: Record<string, { roles?: unknown[] }> };
  seed.accounts[STAGING]!.roles = [...(seed.accounts[STAGING]!.roles ?? []), ...roles];
  return seed as SeedObject;
}

const check = (arn: string) => {
  const ctx = world!.h.planContext("target", "copy");
  return roleProblems(ctx.aws, arn, ctx.account);
};

describe("plan checks the Batch Operations role (iam:GetRole, never changed)", () => {
  it("a role that exists and trusts batchoperations.s3.amazonaws.com passes; the SDK's URL-encoded trust policy is read", async () => {
    world = await startDataWorld(withRoles([{ name: "app-deployer", trust: ["111111111111"] }]));
    expect(await check(ROLE_ARN)).toEqual([]);
    expect(world.sim.stats().mutating).toBe(0);
  });

  it("a missing role, a role that does not trust S3 Batch Operations, and a role of another account block", async () => {
    world = await startDataWorld(withRoles([{ name: "app-deployer", trust: ["111111111111"] }]));
    expect(await check(`arn:aws:iam::${STAGING}:role/not-there`)).toEqual([
      expect.objectContaining({ code: "S3_BATCH_ROLE_NOT_FOUND", severity: "error" }),
    ]);
    const untrusted = await check(`arn:aws:iam::${STAGING}:role/app-deployer`);
    expect(untrusted).toEqual([expect.objectContaining({ code: "S3_BATCH_ROLE_NOT_TRUSTED", severity: "error" })]);
    expect(untrusted[0]?.hint).toContain('"Service": "batchoperations.s3.amazonaws.com"');
    expect(await check("arn:aws:iam::111111111111:role/batch-ops")).toEqual([
      expect.objectContaining({ code: "S3_BATCH_ROLE_OTHER_ACCOUNT" }),
    ]);
  });
});

describe("where IAM may not be read", () => {
  it("plan only warns (S3_BATCH_ROLE_UNCHECKED) and says which permission would let it check", async () => {
    world = await startDataWorld();
    world.sim.addFaults({ service: "iam", action: "GetRole", code: "AccessDenied", status: 403, always: true });
    expect(await check(ROLE_ARN)).toEqual([
      expect.objectContaining({
        code: "S3_BATCH_ROLE_UNCHECKED",
        severity: "warning",
        hint: expect.stringContaining("iam:GetRole"),
      }),
    ]);
  });
});

describe("trustsBatchOperations", () => {
  const allow = {
    Effect: "Allow",
    Principal: { Service: "batchoperations.s3.amazonaws.com" },
    Action: "sts:AssumeRole",
  };
  it("needs an Allow naming the service for sts:AssumeRole and no matching Deny", () => {
    expect(trustsBatchOperations({ Statement: [allow] })).toBe(true);
    expect(trustsBatchOperations({ Statement: allow })).toBe(true);
    expect(trustsBatchOperations({ Statement: [{ ...allow, Principal: { Service: ["ec2.amazonaws.com"] } }] })).toBe(
      false,
    );
    expect(trustsBatchOperations({ Statement: [allow, { ...allow, Effect: "Deny" }] })).toBe(false);
    expect(trustsBatchOperations(undefined)).toBe(false);
  });
});
