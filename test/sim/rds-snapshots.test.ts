import { readFileSync } from "node:fs";
import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  RemoveTagsFromResourceCommand,
} from "@aws-sdk/client-rds";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { clients, errorOf, MINUTE, PROD, REGION, startTestSim, TEST_WORLD } from "./helpers.js";

let sim: SimulatorHandle;
beforeEach(async () => {
  sim = await startTestSim();
});
afterEach(() => sim.close());

const snapshotArn = (id: string) => `arn:aws:rds:${REGION}:${PROD}:snapshot:${id}`;

async function describeOne(id: string) {
  const out = await clients(sim).rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
  return out.DBSnapshots![0]!;
}

describe("RDS instances, clusters and snapshots", () => {
  it("describes the seeded instances and clusters with their keys", async () => {
    const { rds, kms } = clients(sim);
    const out = await rds.send(new DescribeDBInstancesCommand({}));
    expect(out.DBInstances?.map((i) => i.DBInstanceIdentifier)).toEqual(["api-db", "orders-db", "plain-db"]);
    const api = out.DBInstances![0]!;
    expect(api.StorageEncrypted).toBe(true);
    expect(api.AllocatedStorage).toBe(20);
    expect(api.TagList).toEqual([{ Key: "team", Value: "api" }]);
    const managed = await kms.send(
      new (await import("@aws-sdk/client-kms")).DescribeKeyCommand({ KeyId: "alias/aws/rds" }),
    );
    expect(api.KmsKeyId).toBe(managed.KeyMetadata?.Arn);
    expect(out.DBInstances![2]!.StorageEncrypted).toBe(false);
    const clusters = await rds.send(new DescribeDBClustersCommand({}));
    expect(clusters.DBClusters?.map((c) => c.DBClusterIdentifier)).toEqual(["analytics"]);
    const missing = await errorOf(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "nope" })));
    expect(missing.name).toBe("DBInstanceNotFoundFault");
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    const missingCluster = await errorOf(rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "nope" })));
    expect(missingCluster.name).toBe("DBClusterNotFoundFault");
  });

  it("creates a snapshot that is creating, then available after virtual time proportional to its size", async () => {
    const { rds } = clients(sim);
    const created = await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: "api-db",
        DBSnapshotIdentifier: "Api-Manual-1",
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    const snap = created.DBSnapshot!;
    expect(snap.DBSnapshotIdentifier).toBe("api-manual-1"); // RDS stores identifiers lower-case
    expect(snap.Status).toBe("creating");
    expect(snap.SnapshotType).toBe("manual");
    expect(snap.Encrypted).toBe(true);
    expect(snap.DBSnapshotArn).toBe(snapshotArn("api-manual-1"));
    expect(snap.TagList).toEqual([{ Key: "k", Value: "v" }]);
    sim.advance(10 * MINUTE); // 20 GB × 60 s/GB = 20 minutes
    const half = await describeOne("api-manual-1");
    expect(half.Status).toBe("creating");
    expect(half.PercentProgress).toBeGreaterThanOrEqual(50);
    expect(half.PercentProgress).toBeLessThan(100);
    sim.advance(10 * MINUTE);
    const done = await describeOne(snapshotArn("api-manual-1"));
    expect(done.Status).toBe("available");
    expect(done.PercentProgress).toBe(100);
  });

  it("with speed 0 and secondsPerRequest, time moves with the requests alone (and stops at 0)", async () => {
    await sim.close();
    // 20 GB × 60 s/GB = 1,200 virtual seconds = 4 requests of 300 s, the creating request included.
    sim = await startTestSim({ ...parse(readFileSync(TEST_WORLD, "utf8")), speed: 0, secondsPerRequest: 300 });
    const { rds } = clients(sim);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "api-db", DBSnapshotIdentifier: "ticks" }));
    const seen: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) seen.push((await describeOne("ticks")).Status);
    expect(seen).toEqual(["creating", "creating", "creating", "available"]);

    const url = `${sim.url}/_sim/clock`;
    const set = (body: unknown) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(await (await set({ secondsPerRequest: 0 })).json()).toMatchObject({ speed: 0, secondsPerRequest: 0 });
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "api-db", DBSnapshotIdentifier: "frozen" }));
    for (let i = 0; i < 10; i++) expect((await describeOne("frozen")).Status).toBe("creating");
    expect((await set({ secondsPerRequest: -1 })).status).toBe(400);
  });

  it("answers already-exists and not-found with the codes the SDK knows", async () => {
    const { rds } = clients(sim);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "api-db", DBSnapshotIdentifier: "dup" }));
    const dup = await errorOf(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "api-db", DBSnapshotIdentifier: "dup" })),
    );
    expect(dup.name).toBe("DBSnapshotAlreadyExistsFault");
    expect(dup.Code).toBe("DBSnapshotAlreadyExists");
    const missing = await errorOf(rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "nope" })));
    expect(missing.name).toBe("DBSnapshotNotFoundFault");
    expect(missing.Code).toBe("DBSnapshotNotFound");
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    const noInstance = await errorOf(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "nope", DBSnapshotIdentifier: "x1" })),
    );
    expect(noInstance.name).toBe("DBInstanceNotFoundFault");
    const badId = await errorOf(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "api-db", DBSnapshotIdentifier: "bad--id" })),
    );
    expect(badId.name).toBe("InvalidParameterValue");
    const cluster = await errorOf(
      rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: "nope" })),
    );
    expect(cluster.name).toBe("DBClusterSnapshotNotFoundFault");
    await rds.send(
      new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "analytics", DBClusterSnapshotIdentifier: "c1" }),
    );
    const dupCluster = await errorOf(
      rds.send(
        new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "analytics", DBClusterSnapshotIdentifier: "c1" }),
      ),
    );
    expect(dupCluster.name).toBe("DBClusterSnapshotAlreadyExistsFault");
  });

  it("copies an automated snapshot to a manual one re-encrypted under a customer key, with CopyTags", async () => {
    const { rds } = clients(sim);
    await rds.send(
      new AddTagsToResourceCommand({
        ResourceName: snapshotArn("rds:api-db-2026-11-22-03-00"),
        Tags: [{ Key: "origin", Value: "auto" }],
      }),
    );
    const copy = await rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: "rds:api-db-2026-11-22-03-00",
        TargetDBSnapshotIdentifier: "api-db-cmk",
        KmsKeyId: "alias/shared-with-staging",
        CopyTags: true,
        Tags: [{ Key: "hikkoshi:run", Value: "r1" }],
      }),
    );
    const snap = copy.DBSnapshot!;
    expect(snap.Status).toBe("creating");
    expect(snap.SnapshotType).toBe("manual");
    expect(snap.SourceDBSnapshotIdentifier).toBe(snapshotArn("rds:api-db-2026-11-22-03-00"));
    expect(snap.KmsKeyId).toMatch(/^arn:aws:kms:ap-northeast-1:111111111111:key\//);
    expect(snap.TagList).toEqual([
      { Key: "hikkoshi:run", Value: "r1" },
      { Key: "origin", Value: "auto" },
    ]);
    const automated = await describeOne("rds:api-db-2026-11-22-03-00");
    expect(snap.KmsKeyId).not.toBe(automated.KmsKeyId);
    sim.advance(20 * MINUTE);
    expect((await describeOne("api-db-cmk")).Status).toBe("available");
  });

  it("refuses to copy a snapshot that is still creating, and to encrypt an unencrypted one", async () => {
    const { rds } = clients(sim);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "plain-db", DBSnapshotIdentifier: "plain-1" }));
    const early = await errorOf(
      rds.send(
        new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: "plain-1", TargetDBSnapshotIdentifier: "plain-2" }),
      ),
    );
    expect(early.name).toBe("InvalidDBSnapshotStateFault");
    sim.advance(10 * MINUTE);
    const encrypt = await errorOf(
      rds.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: "plain-1",
          TargetDBSnapshotIdentifier: "plain-2",
          KmsKeyId: "alias/app-data",
        }),
      ),
    );
    expect(encrypt.name).toBe("InvalidParameterCombination");
  });

  it("allows at most 5 copies in progress per account and region (SnapshotQuotaExceeded)", async () => {
    const { rds } = clients(sim);
    const copy = (n: number) =>
      rds.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: "rds:api-db-2026-11-22-03-00",
          TargetDBSnapshotIdentifier: `c-${n}`,
        }),
      );
    for (let n = 1; n <= 5; n++) await copy(n);
    const sixth = await errorOf(copy(6));
    expect(sixth.name).toBe("SnapshotQuotaExceededFault");
    expect(sixth.Code).toBe("SnapshotQuotaExceeded");
    sim.advance(20 * MINUTE);
    await copy(6);
  });

  it("copies a cluster snapshot under a customer key", async () => {
    const { rds } = clients(sim);
    const out = await rds.send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: "rds:analytics-2026-11-22-03-00",
        TargetDBClusterSnapshotIdentifier: "analytics-cmk",
        KmsKeyId: "alias/app-data",
      }),
    );
    expect(out.DBClusterSnapshot?.Status).toBe("creating");
    expect(out.DBClusterSnapshot?.StorageEncrypted).toBe(true);
    sim.advance(10 * MINUTE);
    const d = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: "analytics-cmk" }));
    expect(d.DBClusterSnapshots?.[0]?.Status).toBe("available");
    expect(d.DBClusterSnapshots?.[0]?.SourceDBClusterSnapshotArn).toContain(
      ":cluster-snapshot:rds:analytics-2026-11-22-03-00",
    );
  });

  it("filters, pages, tags and deletes", async () => {
    const { rds } = clients(sim);
    for (let n = 1; n <= 25; n++) {
      await rds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: "plain-db",
          DBSnapshotIdentifier: `p-${String(n).padStart(2, "0")}`,
        }),
      );
    }
    const ids: string[] = [];
    let marker: string | undefined;
    do {
      const page = await rds.send(
        new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: "plain-db", MaxRecords: 20, Marker: marker }),
      );
      ids.push(...page.DBSnapshots!.map((s) => s.DBSnapshotIdentifier!));
      marker = page.Marker;
    } while (marker);
    expect(ids).toHaveLength(25);
    const automated = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: "automated" }));
    expect(automated.DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).toEqual(["rds:api-db-2026-11-22-03-00"]);
    const filtered = await rds.send(
      new DescribeDBSnapshotsCommand({ Filters: [{ Name: "db-instance-id", Values: ["orders-db"] }] }),
    );
    expect(filtered.DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).toEqual(["orders-db-shared"]);
    const empty = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: "no-such-db" }));
    expect(empty.DBSnapshots ?? []).toEqual([]);
    expect((await errorOf(rds.send(new DescribeDBSnapshotsCommand({ MaxRecords: 5 })))).name).toBe(
      "InvalidParameterValue",
    );

    const arn = snapshotArn("p-01");
    await rds.send(
      new AddTagsToResourceCommand({
        ResourceName: arn,
        Tags: [
          { Key: "a", Value: "1" },
          { Key: "b", Value: "2" },
        ],
      }),
    );
    await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ["a"] }));
    const tags = await rds.send(new ListTagsForResourceCommand({ ResourceName: arn }));
    expect(tags.TagList).toEqual([{ Key: "b", Value: "2" }]);

    expect((await errorOf(rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "p-01" })))).name).toBe(
      "InvalidDBSnapshotStateFault",
    );
    sim.advance(10 * MINUTE);
    const deleted = await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "p-01" }));
    expect(deleted.DBSnapshot?.Status).toBe("deleted");
    expect(
      (await errorOf(rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "rds:api-db-2026-11-22-03-00" }))))
        .name,
    ).toBe("InvalidDBSnapshotStateFault");
    expect((await errorOf(describeOne("p-01"))).name).toBe("DBSnapshotNotFoundFault");
  });
});
