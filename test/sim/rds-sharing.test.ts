import { readFileSync } from "node:fs";
import { DescribeKeyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
} from "@aws-sdk/client-rds";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { clients, errorOf, keyOf, MINUTE, PROD, REGION, STAGING, startTestSim, TEST_WORLD } from "./helpers.js";

let sim: SimulatorHandle;
beforeEach(async () => {
  sim = await startTestSim();
});
afterEach(() => sim.close());

const arnOf = (id: string) => `arn:aws:rds:${REGION}:${PROD}:snapshot:${id}`;
const AUTOMATED = "rds:api-db-2026-11-22-03-00";

/** A manual, available copy of the automated api-db snapshot in production, under `kmsKeyId`. */
async function manualCopy(id: string, kmsKeyId?: string) {
  const { rds } = clients(sim);
  await rds.send(
    new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: AUTOMATED,
      TargetDBSnapshotIdentifier: id,
      KmsKeyId: kmsKeyId,
    }),
  );
  sim.advance(20 * MINUTE);
}

const share = (id: string, add: string[], remove: string[] = []) =>
  clients(sim).rds.send(
    new ModifyDBSnapshotAttributeCommand({
      DBSnapshotIdentifier: id,
      AttributeName: "restore",
      ValuesToAdd: add,
      ValuesToRemove: remove,
    }),
  );

const targetCopy = (source: string, target: string, kmsKeyId?: string) =>
  clients(sim, keyOf(STAGING)).rds.send(
    new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: source,
      TargetDBSnapshotIdentifier: target,
      KmsKeyId: kmsKeyId,
    }),
  );

describe("RDS snapshot sharing across accounts", () => {
  it("shares, and the target sees the snapshot by ARN and copies it under its own key", async () => {
    await manualCopy("api-shared", "alias/shared-with-staging");
    const out = await share("api-shared", [STAGING]);
    expect(out.DBSnapshotAttributesResult?.DBSnapshotAttributes).toEqual([
      { AttributeName: "restore", AttributeValues: [STAGING] },
    ]);
    const attrs = await clients(sim).rds.send(
      new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: "api-shared" }),
    );
    expect(attrs.DBSnapshotAttributesResult?.DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([STAGING]);

    const staging = clients(sim, keyOf(STAGING)).rds;
    const seen = await staging.send(new DescribeDBSnapshotsCommand({ SnapshotType: "shared" }));
    expect(seen.DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).toEqual([
      arnOf("api-shared"),
      arnOf("orders-db-shared"),
    ]);
    expect(seen.DBSnapshots?.[0]?.SnapshotType).toBe("shared");
    const own = await staging.send(new DescribeDBSnapshotsCommand({}));
    expect(own.DBSnapshots ?? []).toEqual([]);

    expect((await errorOf(targetCopy("api-shared", "copy-1", "alias/staging-data"))).name).toBe(
      "DBSnapshotNotFoundFault",
    );
    const noKey = await errorOf(targetCopy(arnOf("api-shared"), "copy-1"));
    expect(noKey.name).toBe("InvalidParameterValue");
    const copy = await targetCopy(arnOf("api-shared"), "copy-1", "alias/staging-data");
    expect(copy.DBSnapshot?.DBSnapshotArn).toBe(`arn:aws:rds:${REGION}:${STAGING}:snapshot:copy-1`);
    expect(copy.DBSnapshot?.KmsKeyId).toContain(`:${STAGING}:key/`);
    sim.advance(20 * MINUTE);
    const done = await staging.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "copy-1" }));
    expect(done.DBSnapshots?.[0]?.Status).toBe("available");
  });

  it("lets the target copy through an assumed role session of its own account", async () => {
    const creds = (
      await clients(sim).sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${STAGING}:role/hikkoshi-migrator`,
          RoleSessionName: "split",
          ExternalId: "split-staging",
        }),
      )
    ).Credentials!;
    const session = clients(sim, {
      accessKeyId: creds.AccessKeyId!,
      secretAccessKey: creds.SecretAccessKey!,
      sessionToken: creds.SessionToken!,
    });
    const copy = await session.rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: arnOf("orders-db-shared"),
        TargetDBSnapshotIdentifier: "orders",
        KmsKeyId: "alias/staging-data",
      }),
    );
    expect(copy.DBSnapshot?.DBSnapshotArn).toContain(`:${STAGING}:snapshot:orders`);
  });

  it("shares a snapshot on the AWS managed key without complaint; the target's copy fails with KMSKeyNotAccessibleFault", async () => {
    await manualCopy("api-managed");
    await share("api-managed", [STAGING]);
    const err = await errorOf(targetCopy(arnOf("api-managed"), "copy-2", "alias/staging-data"));
    expect(err.name).toBe("KMSKeyNotAccessibleFault");
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it("fails the target's copy while the key policy does not admit the target, and succeeds once it does", async () => {
    await manualCopy("api-private", "alias/app-data");
    await share("api-private", [STAGING]);
    expect((await errorOf(targetCopy(arnOf("api-private"), "copy-3", "alias/staging-data"))).name).toBe(
      "KMSKeyNotAccessibleFault",
    );
    const { kms } = clients(sim);
    const key = await kms.send(new DescribeKeyCommand({ KeyId: "alias/app-data" }));
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: "kms:*", Resource: "*" },
        {
          Effect: "Allow",
          Principal: { AWS: [`arn:aws:iam::${STAGING}:root`] },
          Action: ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
          Resource: "*",
        },
      ],
    };
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyMetadata!.KeyId, Policy: JSON.stringify(policy) }));
    const copy = await targetCopy(arnOf("api-private"), "copy-3", "alias/staging-data");
    expect(copy.DBSnapshot?.Status).toBe("creating");
  });

  it("refuses a copy of a snapshot that is not shared with the target", async () => {
    await manualCopy("api-unshared", "alias/shared-with-staging");
    expect((await errorOf(targetCopy(arnOf("api-unshared"), "copy-4", "alias/staging-data"))).name).toBe(
      "DBSnapshotNotFoundFault",
    );
    await share("api-unshared", [STAGING]);
    await share("api-unshared", [], [STAGING]);
    expect((await errorOf(targetCopy(arnOf("api-unshared"), "copy-4", "alias/staging-data"))).name).toBe(
      "DBSnapshotNotFoundFault",
    );
  });

  it("refuses a 21st account, `all` on an encrypted snapshot, and automated snapshots", async () => {
    await manualCopy("api-many", "alias/shared-with-staging");
    const twenty = Array.from({ length: 20 }, (_, i) => String(300000000000 + i));
    await share("api-many", twenty);
    const quota = await errorOf(share("api-many", ["399999999999"]));
    expect(quota.name).toBe("SharedSnapshotQuotaExceededFault");
    expect(quota.Code).toBe("SharedSnapshotQuotaExceeded");
    expect((await errorOf(share("api-many", ["all"]))).name).toBe("InvalidParameterValue");
    expect((await errorOf(share(AUTOMATED, [STAGING]))).name).toBe("InvalidDBSnapshotStateFault");
    expect((await errorOf(share("api-many", ["not-an-account"]))).name).toBe("InvalidParameterValue");
  });

  it("makes an unencrypted snapshot public with `all`", async () => {
    const { rds } = clients(sim);
    await rds.send(
      new (await import("@aws-sdk/client-rds")).CreateDBSnapshotCommand({
        DBInstanceIdentifier: "plain-db",
        DBSnapshotIdentifier: "plain-pub",
      }),
    );
    sim.advance(10 * MINUTE);
    await share("plain-pub", ["all"]);
    const other = clients(sim, keyOf("444444444444")).rds;
    const pub = await other.send(new DescribeDBSnapshotsCommand({ SnapshotType: "public" }));
    expect(pub.DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).toEqual([arnOf("plain-pub")]);
  });

  it("with refuseSharingAwsManagedKeySnapshots, the share call itself fails", async () => {
    await sim.close();
    const seed = { ...parse(readFileSync(TEST_WORLD, "utf8")), refuseSharingAwsManagedKeySnapshots: true };
    sim = await startTestSim(seed);
    await manualCopy("api-managed");
    expect((await errorOf(share("api-managed", [STAGING]))).name).toBe("InvalidParameterValue");
  });

  it("shares and copies cluster snapshots the same way", async () => {
    const { rds } = clients(sim);
    await rds.send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: "rds:analytics-2026-11-22-03-00",
        TargetDBClusterSnapshotIdentifier: "analytics-shared",
        KmsKeyId: "alias/shared-with-staging",
      }),
    );
    sim.advance(10 * MINUTE);
    await rds.send(
      new ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: "analytics-shared",
        AttributeName: "restore",
        ValuesToAdd: [STAGING],
      }),
    );
    const attrs = await rds.send(
      new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: "analytics-shared" }),
    );
    expect(attrs.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.[0]?.AttributeValues).toEqual([
      STAGING,
    ]);
    const staging = clients(sim, keyOf(STAGING)).rds;
    const copy = await staging.send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: `arn:aws:rds:${REGION}:${PROD}:cluster-snapshot:analytics-shared`,
        TargetDBClusterSnapshotIdentifier: "analytics",
        KmsKeyId: "alias/staging-data",
      }),
    );
    expect(copy.DBClusterSnapshot?.DBClusterSnapshotArn).toBe(
      `arn:aws:rds:${REGION}:${STAGING}:cluster-snapshot:analytics`,
    );
  });
});
