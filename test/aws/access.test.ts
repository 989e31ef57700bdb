import { CreateSnapshotCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsAccess, type JournalEntry, type JournalOutcome } from "../../src/aws/access.js";
import { AwsError, awsCategory, awsErrorName } from "../../src/aws/errors.js";
import { verifyAccounts } from "../../src/aws/guard.js";
import { type AwsSession, createAwsSession } from "../../src/aws/session.js";
import { type SimulatorHandle, startSimulator } from "../../src/sim/index.js";
import { accountSpecs } from "../helpers/step-context.js";
import { PROD, REGION, TEST_WORLD } from "../steps/setup.js";

let sim: SimulatorHandle;
let session: AwsSession;
let identities: Awaited<ReturnType<typeof verifyAccounts>>;
beforeAll(async () => {
  sim = await startSimulator({ seed: TEST_WORLD });
  const specs = accountSpecs({ source: { id: PROD, region: REGION } });
  session = createAwsSession(specs, { endpoint: sim.url });
  identities = await verifyAccounts(session, specs);
});
afterAll(async () => {
  session.destroy();
  await sim.close();
});

function memoryJournal() {
  const rows: Array<{ entry: JournalEntry; outcome?: JournalOutcome }> = [];
  return {
    rows,
    sink: {
      before: (entry: JournalEntry) => String(rows.push({ entry }) - 1),
      after: (id: string, outcome: JournalOutcome) => {
        rows[Number(id)]!.outcome = outcome;
      },
    },
  };
}

describe("AWS access", () => {
  it("read-only access refuses mutations without calling AWS", async () => {
    const reader = createAwsAccess(session, { readOnly: true, identities });
    sim.resetStats();
    await expect(reader.mutate("source", "kms", new CreateKeyCommand({}), "key")).rejects.toMatchObject({
      code: "PLAN_READ_ONLY",
    });
    expect(sim.stats().total).toBe(0);
  });

  it("dryRun is allowed in plan, never journaled, and refuses a command without DryRun: true", async () => {
    const journal = memoryJournal();
    const reader = createAwsAccess(session, { readOnly: true, identities, journal: journal.sink });
    sim.resetStats();
    await expect(
      reader.dryRun("source", "ec2", new CreateSnapshotCommand({ VolumeId: "vol-0123456789abcdef0" })),
    ).rejects.toMatchObject({ code: "AWS_DRYRUN_WITHOUT_FLAG" });
    expect(sim.stats().total).toBe(0);

    const allowed = await reader.dryRun("source", "ec2", new DescribeSnapshotsCommand({ DryRun: true }));
    expect(allowed).toEqual({ verdict: "allowed" });
    // A dry run that fails on the resource (made by an earlier task) says nothing about permission.
    const unknown = await reader.dryRun(
      "source",
      "ec2",
      new CreateSnapshotCommand({ VolumeId: "vol-0123456789abcdef0", DryRun: true }),
    );
    expect(unknown).toMatchObject({ verdict: "inconclusive", code: "InvalidVolume.NotFound" });
    expect(sim.stats()).toMatchObject({ mutating: 0, dryRuns: 2 });
    expect(journal.rows).toEqual([]);
  });

  it("read sends only read-only actions", async () => {
    const access = createAwsAccess(session, { readOnly: false, identities });
    await expect(access.read("source", "kms", new CreateKeyCommand({}))).rejects.toMatchObject({
      code: "AWS_MUTATION_VIA_READ",
    });
    const key = await access.read("source", "kms", new DescribeKeyCommand({ KeyId: "alias/app-data" }));
    expect(key.KeyMetadata?.KeyManager).toBe("CUSTOMER");
  });

  it("journals intent before and outcome after each mutation, with the caller and account", async () => {
    const journal = memoryJournal();
    const access = createAwsAccess(session, { readOnly: false, identities, journal: journal.sink });
    const created = await access.mutate("source", "kms", new CreateKeyCommand({ Description: "t" }), "alias/t");
    expect(created.KeyMetadata?.KeyId).toBeDefined();
    expect(journal.rows).toEqual([
      {
        entry: {
          alias: "source",
          accountId: PROD,
          callerArn: `arn:aws:iam::${PROD}:user/sim-user`,
          service: "kms",
          action: "CreateKey",
          resource: "alias/t",
        },
        outcome: { ok: true },
      },
    ]);
  });

  it("classifies failures, journals their code and keeps the SDK error as cause", async () => {
    const journal = memoryJournal();
    const access = createAwsAccess(session, { readOnly: false, identities, journal: journal.sink });
    const err = await access
      .mutate(
        "source",
        "kms",
        new CreateAliasCommand({ AliasName: "alias/app-data", TargetKeyId: "nope" }),
        "alias/app-data",
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(AwsError);
    expect(awsCategory(err)).toBe("not-found");
    expect(awsErrorName(err)).toBe("NotFoundException");
    expect((err as AwsError).cause).toMatchObject({ name: "NotFoundException" });
    expect(journal.rows[0]?.outcome).toMatchObject({ ok: false, code: "NotFoundException" });

    const missing = await access
      .read("source", "kms", new DescribeKeyCommand({ KeyId: "alias/none" }))
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "AWS_NOT_FOUND", resource: "alias/none" });
  });
});
