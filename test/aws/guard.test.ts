import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAccounts } from "../../src/aws/guard.js";
import { createAwsSession } from "../../src/aws/session.js";
import type { HikkoshiError } from "../../src/core/errors.js";
import { type SimulatorHandle, startSimulator } from "../../src/sim/index.js";
import { accountSpecs } from "../helpers/step-context.js";
import { PROD, REGION, STAGING, TEST_WORLD } from "../steps/setup.js";

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed: TEST_WORLD });
});
afterAll(() => sim.close());

async function failure(promise: Promise<unknown>): Promise<HikkoshiError> {
  try {
    await promise;
  } catch (err) {
    return err as HikkoshiError;
  }
  throw new Error("expected a failure");
}

describe("account guard", () => {
  it("returns every alias's identity when the credentials match", async () => {
    const specs = accountSpecs({ source: { id: PROD, region: REGION }, target: { id: STAGING, region: REGION } });
    const session = createAwsSession(specs, { endpoint: sim.url });
    const ids = await verifyAccounts(session, specs);
    expect(ids.source?.accountId).toBe(PROD);
    expect(ids.target?.arn).toBe(`arn:aws:iam::${STAGING}:user/sim-user`);
    session.destroy();
  });

  it("refuses a mismatch, naming alias, declared id, actual id and ARN — for every alias at once", async () => {
    const specs = accountSpecs({
      source: { id: PROD, region: REGION },
      // Declared as staging and 333…, but both use production's credentials.
      target: { id: STAGING, region: REGION, accessKeyId: `AKSIM${PROD}` },
      other: { id: "333333333333", region: REGION, accessKeyId: `AKSIM${PROD}` },
    });
    const session = createAwsSession(specs, { endpoint: sim.url });
    const err = await failure(verifyAccounts(session, specs));
    expect(err.code).toBe("ACCOUNT_MISMATCH");
    expect(err.message).toContain(`target is declared as ${STAGING} but the credentials belong to ${PROD}`);
    expect(err.message).toContain(`other is declared as 333333333333`);
    expect(err.message).toContain(`arn:aws:iam::${PROD}:user/sim-user`);
    expect(err.message).not.toContain("source is declared");
    session.destroy();
  });

  it("turns credential failures into CREDENTIALS_UNAVAILABLE with a hint per account", async () => {
    const specs = {
      ...accountSpecs({ bad: { id: PROD, region: REGION, accessKeyId: "AKIDNOTASIMKEY0000" } }),
      sso: { alias: "sso", id: STAGING, region: REGION, profile: "no-such-profile-hikkoshi" },
    };
    const session = createAwsSession(specs, { endpoint: sim.url });
    const err = await failure(verifyAccounts(session, specs));
    expect(err.code).toBe("CREDENTIALS_UNAVAILABLE");
    expect(err.message).toContain("bad (profile sim-AKIDNOTASIMKEY0000): InvalidClientTokenId");
    expect(err.message).toContain("sso (profile no-such-profile-hikkoshi)");
    expect(err.hint).toContain("aws sso login --profile no-such-profile-hikkoshi");
    session.destroy();
  });
});
