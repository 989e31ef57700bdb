import { CreateKeyCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
} from "@aws-sdk/client-rds";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stableStringify } from "../../src/core/hash.js";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { clients, errorOf, MINUTE, startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
beforeEach(async () => {
  sim = await startTestSim();
});
afterEach(() => sim.close());

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
}

/** The same little scenario, as any run of a command would do it. */
async function scenario(handle: SimulatorHandle) {
  const { rds, kms } = clients(handle);
  const key = await kms.send(new CreateKeyCommand({ Description: "copy key" }));
  await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: "api-db",
      DBSnapshotIdentifier: "s1",
      Tags: [{ Key: "run", Value: "r" }],
    }),
  );
  await rds.send(
    new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: "rds:api-db-2026-11-22-03-00",
      TargetDBSnapshotIdentifier: "s2",
      KmsKeyId: key.KeyMetadata!.Arn,
    }),
  );
  handle.advance(30 * MINUTE);
}

describe("simulator control", () => {
  it("fails the Nth call of an action with a 500; the SDK's retry recovers and the stats count both attempts", async () => {
    sim.addFaults({ action: "DescribeDBInstances", nth: 1, code: "InternalFailure", status: 500 });
    const out = await clients(sim).rds.send(new DescribeDBInstancesCommand({}));
    expect(out.$metadata.attempts).toBe(2);
    expect(sim.stats().calls["rds:DescribeDBInstances"]).toBe(2);
    expect(sim.stats().errors["rds:DescribeDBInstances:InternalFailure"]).toBe(1);
  });

  it("throttles with the protocol's code, and stops once the rule is used up or cleared", async () => {
    sim.addFaults([{ action: "ListKeys", throttle: true, times: 2 }]);
    const out = await clients(sim).kms.send(new ListKeysCommand({}));
    expect(out.$metadata.attempts).toBe(3);
    expect(sim.stats().errors["kms:ListKeys:ThrottlingException"]).toBe(2);
    sim.addFaults({ action: "GetCallerIdentity", always: true, code: "AccessDenied", status: 403 });
    expect((await errorOf(clients(sim).sts.send(new GetCallerIdentityCommand({})))).name).toBe("AccessDenied");
    sim.clearFaults();
    await clients(sim).sts.send(new GetCallerIdentityCommand({}));
  });

  it("delays a call by delayMs without failing it", async () => {
    sim.addFaults({ action: "GetCallerIdentity", delayMs: 300 });
    const started = Date.now();
    await clients(sim).sts.send(new GetCallerIdentityCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sim.stats().errors).toEqual({});
  });

  it("counts mutating calls separately, so a read-only command can be proven read-only", async () => {
    const { rds } = clients(sim);
    await rds.send(new DescribeDBSnapshotsCommand({}));
    await clients(sim).sts.send(new GetCallerIdentityCommand({}));
    expect(sim.stats()).toMatchObject({ total: 2, mutating: 0 });
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "api-db", DBSnapshotIdentifier: "m1" }));
    expect(sim.stats()).toMatchObject({ total: 3, mutating: 1 });
    sim.resetStats();
    expect(sim.stats().total).toBe(0);
  });

  it("dumps the same world for the same scenario, run twice", async () => {
    await scenario(sim);
    const other = await startTestSim();
    try {
      await scenario(other);
      expect(stableStringify(other.dump())).toBe(stableStringify(sim.dump()));
    } finally {
      await other.close();
    }
    const region = sim.dump().accounts["111111111111"]!.regions["ap-northeast-1"]!;
    const s2 = region.dbSnapshots.find((s) => s.id === "s2")!;
    expect(s2).toMatchObject({
      status: "available",
      encrypted: true,
      copiedFrom: expect.stringContaining("rds:api-db"),
    });
    expect(region.kmsKeys.map((k) => k.description)).toContain("copy key");
  });

  it("serves health, world, stats, faults, clock and reset under /_sim/", async () => {
    expect((await control("GET", "/_sim/health")).json.ok).toBe(true);
    await scenario(sim);
    const world = await control("GET", "/_sim/world");
    expect(world.json).toEqual(JSON.parse(stableStringify(sim.dump())));
    expect((await control("GET", "/_sim/stats")).json.mutating).toBe(3);
    await control("POST", "/_sim/stats/reset");
    expect((await control("GET", "/_sim/stats")).json.total).toBe(0);

    expect(
      (
        await control("POST", "/_sim/faults", [
          { action: "DescribeDBSnapshots", code: "InternalFailure", status: 500, times: 5 },
        ])
      ).status,
    ).toBe(200);
    expect((await control("POST", "/_sim/faults", { action: "X" })).status).toBe(400);
    const err = await errorOf(clients(sim).rds.send(new DescribeDBSnapshotsCommand({})));
    expect(err.name).toBe("InternalFailure");
    await control("DELETE", "/_sim/faults");
    await clients(sim).rds.send(new DescribeDBSnapshotsCommand({}));

    const before = sim.now();
    const clock = await control("POST", "/_sim/clock", { advanceMs: 3_600_000 });
    expect(Date.parse(clock.json.now) - before).toBeGreaterThanOrEqual(3_600_000);
    expect((await control("POST", "/_sim/clock", { speed: 600 })).json.speed).toBe(600);

    await control("POST", "/_sim/reset");
    const after = sim.dump().accounts["111111111111"]!.regions["ap-northeast-1"]!;
    expect(after.dbSnapshots.map((s) => s.id)).not.toContain("s2");
    expect((await control("GET", "/_sim/nope")).status).toBe(404);
  });

  it("rejects an invalid seed with every problem listed", async () => {
    await expect(
      startTestSim({
        accounts: {
          "123": {},
          "111111111111": {
            regions: {
              "ap-northeast-1": { dbInstances: [{ id: "x", allocatedStorageGb: 1, kmsKey: "alias/missing" }] },
            },
          },
        },
      } as never),
    ).rejects.toMatchObject({ code: "SIM_SEED_INVALID" });
    await expect(
      startTestSim({
        accounts: {
          "111111111111": {
            regions: {
              "ap-northeast-1": { dbInstances: [{ id: "x", allocatedStorageGb: 1, kmsKey: "alias/missing" }] },
            },
          },
        },
      }),
    ).rejects.toThrow(/no key with alias alias\/missing/);
  });
});
