/**
 * The crash suite's own checks must be able to fail: normalisation keeps what differs between runs of a
 * different outcome, and the invariants catch a duplicate key, an orphan key, a missing or extra snapshot
 * and a bad share list.
 */
import { describe, expect, it } from "vitest";
import type { KmsKeyDump, SnapshotDump, WorldDump } from "../../src/sim/dump.js";
import { MOVE_EXPECTED, normaliseWorld, SOURCE, TARGET, worldProblems } from "./harness.js";

const REGION = "ap-northeast-1";

function key(account: string, id: string, aliases: string[], run: string): KmsKeyDump {
  return {
    id,
    arn: `arn:aws:kms:${REGION}:${account}:key/${id}`,
    description: "",
    keyState: "Enabled",
    aliases,
    policy: {},
    tags: { "hikkoshi:run": run },
  };
}

function snapshot(account: string, id: string, run: string, keyArn: string, sharedWith: string[] = []): SnapshotDump {
  return {
    id,
    arn: `arn:aws:rds:${REGION}:${account}:snapshot:${id}`,
    source: "crash-db",
    type: "manual",
    status: "available",
    sizeGb: 8,
    encrypted: true,
    kmsKeyArn: keyArn,
    kmsKeyAlias: null,
    copiedFrom: null,
    sharedWith,
    tags: { "hikkoshi:run": run },
  };
}

/** A world as move.yaml leaves it, for run `run`, with key ids `k1` (source) and `k2` (target). */
function world(run: string, k1: string, k2: string): Pick<WorldDump, "accounts"> {
  const shareKey = key(SOURCE, k1, ["alias/hikkoshi/crash-share"], run);
  const targetKey = key(TARGET, k2, ["alias/crash/rds"], run);
  const region = (kmsKeys: KmsKeyDump[], db: SnapshotDump[], cluster: SnapshotDump[]) => ({
    kmsKeys,
    dbInstances: [],
    dbClusters: [],
    dbSnapshots: db,
    dbClusterSnapshots: cluster,
  });
  return {
    accounts: {
      [SOURCE]: {
        name: "source",
        roles: [],
        regions: {
          [REGION]: region(
            [shareKey],
            [
              snapshot(SOURCE, `hk-${run}-db-snapshot`, run, "aws-managed"),
              snapshot(SOURCE, `hk-${run}-db-reencrypt`, run, shareKey.arn, [TARGET]),
            ],
            [
              snapshot(SOURCE, `hk-${run}-aurora-snapshot`, run, "aws-managed"),
              snapshot(SOURCE, `hk-${run}-aurora-reencrypt`, run, shareKey.arn, [TARGET]),
            ],
          ),
        },
      },
      [TARGET]: {
        name: "target",
        roles: ["hikkoshi-migrator"],
        regions: {
          [REGION]: region(
            [targetKey],
            [snapshot(TARGET, `hk-${run}-db-copy`, run, targetKey.arn)],
            [snapshot(TARGET, `hk-${run}-aurora-copy`, run, targetKey.arn)],
          ),
        },
      },
    },
  };
}

const K1 = "11111111-1111-4111-a111-111111111111";
const K2 = "22222222-2222-4222-a222-222222222222";
const K3 = "33333333-3333-4333-a333-333333333333";
const K4 = "44444444-4444-4444-a444-444444444444";

describe("crash harness checks", () => {
  it("two runs with the same outcome normalise to the same world, and keep their invariants", () => {
    const a = world("abc234", K1, K2);
    const b = world("xyz789", K3, K4);
    expect(worldProblems(a, "abc234", MOVE_EXPECTED)).toEqual([]);
    expect(worldProblems(b, "xyz789", MOVE_EXPECTED)).toEqual([]);
    expect(normaliseWorld(a, ["abc234"])).toEqual(normaliseWorld(b, ["xyz789"]));
    expect(JSON.stringify(normaliseWorld(a, ["abc234"]))).not.toMatch(/abc234|1111-4111/);
  });

  it("an orphan key (CreateKey done twice) is caught by the invariants and by the comparison", () => {
    const good = world("abc234", K1, K2);
    const bad = world("abc234", K1, K2);
    bad.accounts[SOURCE]!.regions[REGION]!.kmsKeys.push(key(SOURCE, K3, [], "abc234"));
    expect(worldProblems(bad, "abc234", MOVE_EXPECTED)).toEqual([
      expect.stringContaining(`orphan key ${K3} of run abc234`),
    ]);
    expect(normaliseWorld(bad, ["abc234"])).not.toEqual(normaliseWorld(good, ["abc234"]));
  });

  it("a second key with the same alias name in another account region is not 'exactly one'", () => {
    const bad = world("abc234", K1, K2);
    bad.accounts[SOURCE]!.regions["us-east-1"] = {
      kmsKeys: [key(SOURCE, K3, ["alias/hikkoshi/crash-share"], "abc234")],
      dbInstances: [],
      dbClusters: [],
      dbSnapshots: [],
      dbClusterSnapshots: [],
    };
    expect(worldProblems(bad, "abc234", MOVE_EXPECTED)).toContain(
      `${SOURCE}: 2 keys with alias/hikkoshi/crash-share, expected exactly 1`,
    );
  });

  it("a missing, an extra or an unfinished snapshot, and duplicate or public shares are problems", () => {
    const bad = world("abc234", K1, K2);
    const source = bad.accounts[SOURCE]!.regions[REGION]!;
    source.dbSnapshots.push(snapshot(SOURCE, "hk-abc234-db-snapshot-2", "abc234", "aws-managed"));
    source.dbClusterSnapshots.pop();
    source.dbSnapshots[1]!.sharedWith = [TARGET, TARGET, "all"];
    bad.accounts[TARGET]!.regions[REGION]!.dbSnapshots[0]!.status = "creating";
    const problems = worldProblems(bad, "abc234", MOVE_EXPECTED).join("\n");
    expect(problems).toContain(
      "dbSnapshots: have [hk-abc234-db-reencrypt, hk-abc234-db-snapshot, hk-abc234-db-snapshot-2]",
    );
    expect(problems).toContain("dbClusterSnapshots: have [hk-abc234-aurora-snapshot], expected");
    expect(problems).toContain("hk-abc234-db-reencrypt: duplicate accounts in its share list");
    expect(problems).toContain('hk-abc234-db-reencrypt: shared with "all" (public)');
    expect(problems).toContain("hk-abc234-db-copy: status creating");
  });
});
