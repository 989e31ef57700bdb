/**
 * What the ElastiCache plan concludes from a cache, without AWS: version order, which engine can load
 * which snapshot, and the findings (Memcached blocks alone; an incompatible target blocks; the settings a
 * snapshot does not carry are named).
 */
import { describe, expect, it } from "vitest";
import { cacheFindings, compareVersions, engineMismatch } from "../../../src/steps/elasticache/findings.js";
import type { CacheView } from "../../../src/steps/elasticache/read.js";

const VALKEY: CacheView = {
  id: "sessions",
  arn: "arn:aws:elasticache:ap-northeast-1:111111111111:replicationgroup:sessions",
  kind: "replication-group",
  engine: "valkey",
  engineVersion: "8.0",
  shards: 2,
  nodes: 4,
  nodeType: "cache.r7g.large",
  atRestEncryption: false,
  transitEncryption: false,
  authToken: false,
};

const codes = (ps: Array<{ code: string; severity: string }>) => ps.map((p) => `${p.severity}:${p.code}`);

describe("compareVersions", () => {
  it("orders dotted versions numerically, missing parts as zero", () => {
    expect(compareVersions("7.1", "7.2.4")).toBe(-1);
    expect(compareVersions("7.2.4", "7.1")).toBe(1);
    expect(compareVersions("8", "8.0.0")).toBe(0);
    expect(compareVersions("7.2", "7.2")).toBe(0);
    // Numbers, not text: 10 > 9 and 7.10 > 7.9.
    expect(compareVersions("10.0", "9.9")).toBe(1);
    expect(compareVersions("7.10", "7.9")).toBe(1);
    expect(compareVersions("6.2.6", "6.2.14")).toBe(-1);
  });
});

describe("engineMismatch", () => {
  it("never loads Valkey data into Redis OSS, whatever the version", () => {
    expect(engineMismatch({ engine: "valkey", version: "7.2" }, { engine: "redis", version: "7.1" })).toMatch(
      /Valkey data cannot be loaded into Redis OSS/,
    );
    expect(engineMismatch({ engine: "Valkey", version: "8.0" }, { engine: "REDIS" })).toBeDefined();
  });

  it("loads Redis OSS data into Valkey 7.2 or newer only", () => {
    expect(engineMismatch({ engine: "redis", version: "7.1" }, { engine: "valkey", version: "7.2" })).toBeUndefined();
    expect(engineMismatch({ engine: "redis", version: "6.2" }, { engine: "valkey", version: "8.0" })).toBeUndefined();
    expect(engineMismatch({ engine: "redis", version: "7.1" }, { engine: "valkey" })).toBeUndefined();
    expect(engineMismatch({ engine: "redis", version: "7.1" }, { engine: "valkey", version: "7.0" })).toMatch(
      /Valkey 7.2 or newer, not 7.0/,
    );
  });

  it("loads into the same engine at the same or a newer version only", () => {
    expect(engineMismatch({ engine: "valkey", version: "8.0" }, { engine: "valkey", version: "8.0" })).toBeUndefined();
    expect(engineMismatch({ engine: "valkey", version: "8.0" }, { engine: "valkey", version: "8.1" })).toBeUndefined();
    expect(engineMismatch({ engine: "valkey", version: "8.0" }, { engine: "valkey" })).toBeUndefined();
    expect(engineMismatch({ engine: "redis", version: "7.1" }, { engine: "redis", version: "6.2" })).toMatch(
      /redis 7.1 snapshot does not load into redis 6.2/,
    );
    expect(engineMismatch({ engine: "valkey", version: "8.0" }, { engine: "valkey", version: "7.2.4" })).toBeDefined();
  });
});

describe("cacheFindings", () => {
  it("Memcached blocks, and nothing else is said of it", () => {
    const memo: CacheView = { ...VALKEY, id: "memo", kind: "cluster", engine: "memcached", engineVersion: "1.6.22" };
    const out = cacheFindings({ ...memo, transitEncryption: true }, { engine: "valkey", version: "1.0" });
    expect(codes(out)).toEqual(["error:ELASTICACHE_MEMCACHED_NO_SNAPSHOTS"]);
    expect(out[0]!.ok).toBe(false);
  });

  it("a compatible target warns what it must run, with the shard count", () => {
    const out = cacheFindings(VALKEY, {});
    expect(codes(out)).toEqual(["warning:ELASTICACHE_TARGET_ENGINE"]);
    expect(out[0]!.message).toContain("valkey 8.0 or newer");
    expect(out[0]!.message).toContain("2 shards (one .rdb each)");
    expect(out[0]!.message).not.toContain("Valkey 7.2+");
    const redis = cacheFindings({ ...VALKEY, engine: "redis", engineVersion: "7.1", shards: 1 }, {});
    expect(redis[0]!.message).toContain("(or Valkey 7.2+)");
    expect(redis[0]!.message).not.toContain("shards");
  });

  it("an incompatible target blocks and says what to create instead", () => {
    for (const target of [{ engine: "redis" }, { version: "7.2" }, { engine: "valkey", version: "7.9.9" }]) {
      const out = cacheFindings(VALKEY, target);
      expect(codes(out)).toEqual(["error:ELASTICACHE_ENGINE_INCOMPATIBLE"]);
      expect(out[0]!.hint).toContain("valkey 8.0 or newer");
    }
    // A target version alone is compared with the source's engine.
    expect(codes(cacheFindings({ ...VALKEY, engine: "redis", engineVersion: "7.1" }, { version: "7.0" }))).toEqual([
      "error:ELASTICACHE_ENGINE_INCOMPATIBLE",
    ]);
  });

  it("names the settings a snapshot does not carry, with the source's key", () => {
    const kms = "arn:aws:kms:ap-northeast-1:111111111111:key/1234";
    const out = cacheFindings(
      { ...VALKEY, transitEncryption: true, atRestEncryption: true, kmsKeyId: kms, authToken: true },
      {},
    );
    expect(codes(out)).toEqual(["warning:ELASTICACHE_TARGET_ENGINE", "warning:ELASTICACHE_TARGET_SETTINGS"]);
    const settings = out[1]!.message;
    expect(settings).toContain("in-transit encryption");
    expect(settings).toContain(`at-rest encryption (the source uses ${kms}`);
    expect(settings).toContain("AUTH token");
    const atRestOnly = cacheFindings({ ...VALKEY, atRestEncryption: true }, {})[1]!.message;
    expect(atRestOnly).toContain("at-rest encryption");
    expect(atRestOnly).not.toMatch(/in-transit|AUTH|the source uses/);
  });
});
