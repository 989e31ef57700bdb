import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { clients, errorOf, PROD, STAGING, startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.close());

const roleArn = `arn:aws:iam::${STAGING}:role/hikkoshi-migrator`;

describe("STS", () => {
  it("tells who the AKSIM key belongs to", async () => {
    const id = await clients(sim).sts.send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe(PROD);
    expect(id.Arn).toBe(`arn:aws:iam::${PROD}:user/sim-user`);
    expect(id.UserId).toMatch(/^AIDA/);
  });

  it("refuses an unknown access key with InvalidClientTokenId (403)", async () => {
    const err = await errorOf(
      clients(sim, { accessKeyId: "AKIAUNKNOWNKEY0000", secretAccessKey: "x" }).sts.send(
        new GetCallerIdentityCommand({}),
      ),
    );
    expect(err.name).toBe("InvalidClientTokenId");
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it("assumes a trusted role with the right external id; the session acts in the role's account", async () => {
    const out = await clients(sim).sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "split", ExternalId: "split-staging" }),
    );
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIASIM/);
    expect(c.Expiration!.getTime()).toBeGreaterThan(Date.now());
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${STAGING}:assumed-role/hikkoshi-migrator/split`);
    const session = clients(sim, {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    const id = await session.sts.send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe(STAGING);
    expect(id.Arn).toBe(`arn:aws:sts::${STAGING}:assumed-role/hikkoshi-migrator/split`);
  });

  it("denies a wrong or missing external id, an untrusted account and an unknown role with AccessDenied (403)", async () => {
    const cases = [
      () =>
        clients(sim).sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "s1", ExternalId: "nope" })),
      () => clients(sim).sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "s1" })),
      () =>
        clients(sim, { accessKeyId: "AKSIM333333333333", secretAccessKey: "x" }).sts.send(
          new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "s1", ExternalId: "split-staging" }),
        ),
      () =>
        clients(sim).sts.send(
          new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${STAGING}:role/missing`, RoleSessionName: "s1" }),
        ),
    ];
    for (const attempt of cases) {
      const err = await errorOf(attempt());
      expect(err.name).toBe("AccessDenied");
      expect(err.$metadata?.httpStatusCode).toBe(403);
    }
  });

  it("assumes a role that requires no external id", async () => {
    const out = await clients(sim).sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${STAGING}:role/open-role`, RoleSessionName: "s1" }),
    );
    expect(out.AssumedRoleUser?.Arn).toContain(":assumed-role/open-role/s1");
  });
});
