import { DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rdsMoveClusterSnapshot } from "../../../src/steps/rds/move-cluster-snapshot.js";
import { rdsMoveSnapshot } from "../../../src/steps/rds/move-snapshot.js";
import { mutations, PROD, runExpanded, STAGING, selfRefOf, startWorld, type World } from "../setup.js";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.close());

const selfRef = selfRefOf("db");

describe("rds.move-snapshot", () => {
  it("expands to snapshot → reencrypt → share → copy and moves an instance on the AWS managed key", async () => {
    const withRaw = rdsMoveSnapshotParamsOf({
      from: "source",
      to: "target",
      instance: "api-db",
      shareKey: "alias/shared-with-staging",
      targetKey: "alias/staging-data",
    });
    const steps = rdsMoveSnapshot.expand(withRaw, { selfRef });
    expect(steps.map((s) => [s.localId, s.type, s.account])).toEqual([
      ["snapshot", "rds.create-snapshot", "source"],
      ["reencrypt", "rds.copy-snapshot", "source"],
      ["share", "rds.share-snapshot", "source"],
      ["copy", "rds.copy-snapshot", "target"],
    ]);

    const outputs = await runExpanded(world.h, "db", steps);
    expect(mutations(world.h)).toEqual([
      "rds:CreateDBSnapshot",
      "rds:CopyDBSnapshot",
      "rds:ModifyDBSnapshotAttribute",
      "rds:CopyDBSnapshot",
    ]);
    expect(world.h.journal.every((r) => r.outcome === "ok")).toBe(true);
    expect(world.h.journal.map((r) => r.accountId)).toEqual([PROD, PROD, PROD, STAGING]);

    const final = outputs.get("copy")!;
    expect(final.snapshotArn).toMatch(new RegExp(`^arn:aws:rds:ap-northeast-1:${STAGING}:snapshot:hk-`));
    expect(final.kmsKeyId).toMatch(new RegExp(`:${STAGING}:key/`));
    expect(outputs.get("share")!.sharedWith).toEqual([STAGING]);
    expect(outputs.get("snapshot")!.kmsKeyId).toMatch(new RegExp(`:${PROD}:key/`));

    const rds = world.h.session.client("target", "rds");
    const seen = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: String(final.snapshotId) }));
    expect(seen.DBSnapshots?.[0]?.Status).toBe("available");
    expect(world.h.waits.some((w) => w.percents.some((p) => p > 0 && p < 100))).toBe(true);
  });

  it("moves an Aurora cluster from its latest automated snapshot", async () => {
    const steps = rdsMoveClusterSnapshot.expand(
      rdsMoveClusterSnapshot.params.parse({
        from: "source",
        to: "target",
        cluster: "analytics",
        fromAutomated: true,
        shareKey: "alias/shared-with-staging",
        targetKey: "alias/staging-data",
        targetSnapshotId: "analytics-moved",
      }) as Record<string, unknown>,
      { selfRef },
    );
    const outputs = await runExpanded(world.h, "db", steps);
    expect(mutations(world.h)).toEqual([
      "rds:CopyDBClusterSnapshot",
      "rds:CopyDBClusterSnapshot",
      "rds:ModifyDBClusterSnapshotAttribute",
      "rds:CopyDBClusterSnapshot",
    ]);
    expect(outputs.get("copy")).toMatchObject({ snapshotId: "analytics-moved", kind: "cluster", encrypted: true });
  });

  it("refuses an AWS managed share key in the recipe's schema", () => {
    const parsed = rdsMoveSnapshot.params.safeParse({
      from: "source",
      to: "target",
      instance: "api-db",
      shareKey: "alias/aws/rds",
      targetKey: "alias/staging-data",
    });
    expect(parsed.success).toBe(false);
  });
});

function rdsMoveSnapshotParamsOf(input: Record<string, unknown>): Record<string, unknown> {
  return rdsMoveSnapshot.params.parse(input) as Record<string, unknown>;
}
