import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import {
  CopyDBSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
} from "@aws-sdk/client-rds";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { clients, DEMO_WORLD, keyOf, MINUTE, PROD, REGION, STAGING, startTestSim } from "./helpers.js";

describe("seeds", () => {
  it("the demo world: production with 3 instances + 1 Aurora cluster on aws/rds, one instance on a customer key; staging's role", async () => {
    const sim = await startTestSim(DEMO_WORLD);
    try {
      const { rds, kms, sts } = clients(sim);
      const managed = (await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/rds" }))).KeyMetadata!.Arn;
      const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances!;
      const staging = instances.filter((i) => i.TagList?.some((t) => t.Key === "env" && t.Value === "staging"));
      expect(staging.filter((i) => i.KmsKeyId === managed)).toHaveLength(3);
      expect(staging.filter((i) => i.KmsKeyId !== managed)).toHaveLength(1);
      for (const i of instances) expect(i.AllocatedStorage).toBeGreaterThanOrEqual(20);
      for (const i of instances) expect(i.AllocatedStorage).toBeLessThanOrEqual(200);
      const clusters = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters!;
      expect(clusters.map((c) => [c.DBClusterIdentifier, c.KmsKeyId === managed])).toEqual([["staging-aurora", true]]);
      const role = await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${STAGING}:role/hikkoshi-migrator`,
          RoleSessionName: "demo",
          ExternalId: "split-staging",
        }),
      );
      expect(role.AssumedRoleUser?.Arn).toContain(STAGING);
      expect(sim.dump().accounts[STAGING]?.name).toBe("staging");
    } finally {
      await sim.close();
    }
  });

  it("arms the seed's faults and honours explicit access keys", async () => {
    const sim = await startTestSim({
      accounts: { [PROD]: { name: "p", accessKeys: [{ id: "AKIAEXPLICITKEY00001", user: "alice" }] } },
      faults: [{ action: "GetCallerIdentity", nth: 2, code: "InternalFailure", status: 500 }],
    });
    try {
      const { sts } = clients(sim, { accessKeyId: "AKIAEXPLICITKEY00001", secretAccessKey: "s" });
      expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${PROD}:user/alice`);
      const second = await sts.send(new GetCallerIdentityCommand({}));
      expect(second.$metadata.attempts).toBe(2);
      expect(sim.stats().calls["sts:GetCallerIdentity"]).toBe(3);
    } finally {
      await sim.close();
    }
  });

  it("keeps assume-role sessions across reset, and resets world, faults and stats", async () => {
    const sim = await startTestSim();
    try {
      const c = (
        await clients(sim).sts.send(
          new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${STAGING}:role/open-role`, RoleSessionName: "keep" }),
        )
      ).Credentials!;
      sim.reset();
      const session = clients(sim, {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      });
      expect((await session.sts.send(new GetCallerIdentityCommand({}))).Account).toBe(STAGING);
      expect(sim.stats().total).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it("runs virtual time at the seed's speed, and setSpeed changes it without a jump", async () => {
    const sim = await startTestSim({ speed: 3600, rdsSecondsPerGb: 1, accounts: {} });
    try {
      const t0 = sim.now();
      await new Promise((r) => setTimeout(r, 50));
      expect(sim.now() - t0).toBeGreaterThanOrEqual(3600 * 40);
      sim.setSpeed(0);
      const frozen = sim.now();
      await new Promise((r) => setTimeout(r, 20));
      expect(sim.now()).toBe(frozen);
      sim.advance(5 * MINUTE);
      expect(sim.now()).toBe(frozen + 5 * MINUTE);
    } finally {
      await sim.close();
    }
  });

  it("copies across regions with a key of the destination region, and sees shared snapshots with IncludeShared", async () => {
    const sim = await startTestSim();
    try {
      const { kms } = clients(sim, keyOf(PROD), "us-west-2");
      const westKey = (await kms.send(new (await import("@aws-sdk/client-kms")).CreateKeyCommand({}))).KeyMetadata!;
      const west = clients(sim, keyOf(PROD), "us-west-2").rds;
      const source = `arn:aws:rds:${REGION}:${PROD}:snapshot:rds:api-db-2026-11-22-03-00`;
      const noKey = await west
        .send(
          new CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: source,
            TargetDBSnapshotIdentifier: "west-1",
          }),
        )
        .catch((e: Error) => e);
      expect((noKey as Error).name).toBe("InvalidParameterValue");
      const copy = await west.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: source,
          TargetDBSnapshotIdentifier: "west-1",
          KmsKeyId: westKey.Arn,
        }),
      );
      expect(copy.DBSnapshot?.DBSnapshotArn).toBe(`arn:aws:rds:us-west-2:${PROD}:snapshot:west-1`);
      expect(copy.DBSnapshot?.SourceRegion).toBe(REGION);

      const staging = clients(sim, keyOf(STAGING)).rds;
      const all = await staging.send(new DescribeDBSnapshotsCommand({ IncludeShared: true }));
      expect(all.DBSnapshots?.map((s) => s.SnapshotType)).toEqual(["shared"]);
    } finally {
      await sim.close();
    }
  });
});
