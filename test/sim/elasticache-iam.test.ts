import { CopySnapshotCommand, CreateSnapshotCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-elasticache";
import { afterEach, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { CACHE_WORLD, cacheClient } from "./elasticache-helpers.js";
import { errorOf, PROD, REGION, startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
afterEach(() => sim.close());

const snapshots = `arn:aws:elasticache:${REGION}:${PROD}:snapshot:*`;

describe("ElastiCache under enforceIamPolicies", () => {
  it("checks CreateSnapshot on group and snapshot, and an export's S3 permissions", async () => {
    const account = CACHE_WORLD.accounts![PROD]!;
    sim = await startTestSim({
      ...CACHE_WORLD,
      enforceIamPolicies: true,
      accounts: {
        ...CACHE_WORLD.accounts,
        [PROD]: {
          ...account,
          users: [
            {
              name: "ops",
              policies: [
                {
                  Version: "2012-10-17",
                  Statement: [
                    { Effect: "Allow", Action: "elasticache:Describe*", Resource: "*" },
                    {
                      Effect: "Allow",
                      Action: ["elasticache:CreateSnapshot", "elasticache:CopySnapshot"],
                      Resource: [`arn:aws:elasticache:${REGION}:${PROD}:replicationgroup:sessions`, snapshots],
                    },
                  ],
                },
              ],
            },
          ],
        },
      },
    });
    const ec = cacheClient(sim, { accessKeyId: `AKSIM${PROD}-ops`, secretAccessKey: "x" });
    await ec.send(new DescribeSnapshotsCommand({}));
    await ec.send(new CreateSnapshotCommand({ ReplicationGroupId: "sessions", SnapshotName: "ok" }));
    const cluster = await errorOf(ec.send(new CreateSnapshotCommand({ CacheClusterId: "single", SnapshotName: "no" })));
    expect(cluster.name).toBe("AccessDenied");
    expect(cluster.message).toContain(
      `elasticache:CreateSnapshot on resource: arn:aws:elasticache:${REGION}:${PROD}:cluster:single`,
    );
    const exported = await errorOf(
      ec.send(
        new CopySnapshotCommand({
          SourceSnapshotName: "automatic.sessions-2026-02-28-03-15",
          TargetSnapshotName: "x",
          TargetBucket: "cache-exports-acl",
        }),
      ),
    );
    expect(exported.message).toContain("s3:GetBucketLocation");
  });
});
