/**
 * What the plan says about a cache before its snapshot moves: Memcached has no snapshots (blocks); the
 * settings the target's cache must set itself (encryption in transit and at rest, AUTH), which no .rdb
 * carries; and whether the target's engine can load the snapshot (an .rdb loads into the same engine at
 * the same or a newer version, and Redis OSS data into Valkey 7.2 or newer — never Valkey into Redis OSS).
 */
import type { Precondition } from "../define.js";
import { failed, warning } from "../shared/plan.js";
import type { CacheView } from "./read.js";

export function cacheSummary(c: CacheView): string {
  const size = c.sizeBytes !== undefined ? `, ${(c.sizeBytes / 1e9).toFixed(1)} GB` : "";
  const layout =
    c.kind === "serverless"
      ? "serverless"
      : `${c.shards} shard${c.shards === 1 ? "" : "s"}, ${c.nodes} node${c.nodes === 1 ? "" : "s"}${c.nodeType ? ` ${c.nodeType}` : ""}`;
  return `${c.id} (${c.engine} ${c.engineVersion}; ${layout}${size})`;
}

/** -1, 0, 1 comparing dotted versions ("7.1" < "7.2.4" < "8.0"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Why `target` cannot load a snapshot of `source`, or undefined when it can. */
export function engineMismatch(
  source: { engine: string; version: string },
  target: { engine: string; version?: string },
): string | undefined {
  const s = source.engine.toLowerCase();
  const t = target.engine.toLowerCase();
  if (s === "valkey" && t === "redis") return "Valkey data cannot be loaded into Redis OSS";
  if (s === "redis" && t === "valkey") {
    if (target.version !== undefined && compareVersions(target.version, "7.2") < 0)
      return `Redis OSS data loads into Valkey 7.2 or newer, not ${target.version}`;
    return undefined;
  }
  if (target.version !== undefined && source.version && compareVersions(target.version, source.version) < 0) {
    return `a ${source.engine} ${source.version} snapshot does not load into ${target.engine} ${target.version} (same or newer only)`;
  }
  return undefined;
}

export function cacheFindings(c: CacheView, target: { engine?: string; version?: string }): Precondition[] {
  const out: Precondition[] = [];
  if (c.engine.toLowerCase() === "memcached") {
    out.push(
      failed(
        "ELASTICACHE_MEMCACHED_NO_SNAPSHOTS",
        `${c.id} runs Memcached, which has no snapshots: its data cannot be moved`,
        "create the target's Memcached cluster empty and let it warm from its source of truth; remove this step",
      ),
    );
    return out;
  }
  const mismatch = engineMismatch(
    { engine: c.engine, version: c.engineVersion },
    {
      engine: target.engine ?? c.engine,
      ...(target.version !== undefined ? { version: target.version } : {}),
    },
  );
  if (mismatch) {
    out.push(
      failed(
        "ELASTICACHE_ENGINE_INCOMPATIBLE",
        `${mismatch}: the target's cache could not be seeded from this snapshot`,
        `create the target's cache with ${c.engine} ${c.engineVersion} or newer`,
      ),
    );
  } else {
    out.push(
      warning(
        "ELASTICACHE_TARGET_ENGINE",
        `the target's cache must run ${c.engine} ${c.engineVersion} or newer${c.engine === "redis" ? " (or Valkey 7.2+)" : ""} to load this snapshot${c.shards > 1 ? `, with ${c.shards} shards (one .rdb each)` : ""}`,
      ),
    );
  }
  const settings = [
    c.transitEncryption ? "in-transit encryption (TransitEncryptionEnabled)" : undefined,
    c.atRestEncryption
      ? `at-rest encryption${c.kmsKeyId ? ` (the source uses ${c.kmsKeyId}: give the target its own key)` : ""}`
      : undefined,
    c.authToken ? "an AUTH token or RBAC user group" : undefined,
  ].filter((s): s is string => s !== undefined);
  if (settings.length > 0) {
    out.push(
      warning(
        "ELASTICACHE_TARGET_SETTINGS",
        `${c.id} has ${settings.join(", ")}: a snapshot does not carry these — the target's cache must set them itself`,
      ),
    );
  }
  return out;
}
