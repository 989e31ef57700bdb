import { type DynamoDump, dynamoDump } from "./dynamodb/dump.js";
import { type Ec2RegionDump, ec2RegionDump } from "./ec2/dump.js";
import { type ElastiCacheDump, elasticacheDump } from "./elasticache/dump.js";
import { aliasesOf } from "./kms/keys.js";
import { snapshotStatus } from "./rds/model.js";
import { type S3Dump, s3Dump } from "./s3/dump.js";
import { type S3ControlJobDump, s3ControlDump } from "./s3control/dump.js";
import type { RegionState, Snapshot, Tags, World } from "./world.js";

/**
 * The world as plain, sorted JSON: what matters to compare the outcomes of two runs (ids, ARNs, states,
 * keys, sizes, shares, tags, aliases, policies), without timestamps. AWS managed keys are implicit and
 * left out; regions with nothing in them too.
 */
export interface WorldDump {
  accounts: Record<string, { name: string; roles: string[]; regions: Record<string, RegionDump> }>;
  /** S3 is global: buckets (with their owner and region) and names waiting to free up. */
  s3: S3Dump;
  /** S3 Batch Operations jobs. */
  s3control: { jobs: S3ControlJobDump[] };
  /** DynamoDB tables and exports; absent when the world has none. */
  dynamodb?: DynamoDump;
  /** ElastiCache resources, snapshots (status, tags) and their exports; absent when the world has none. */
  elasticache?: ElastiCacheDump;
}

export interface RegionDump {
  kmsKeys: KmsKeyDump[];
  dbInstances: {
    id: string;
    arn: string;
    engine: string;
    allocatedStorageGb: number;
    kmsKeyArn: string | null;
    tags: Record<string, string>;
  }[];
  dbClusters: {
    id: string;
    arn: string;
    engine: string;
    sizeGb: number;
    kmsKeyArn: string | null;
    tags: Record<string, string>;
  }[];
  dbSnapshots: SnapshotDump[];
  dbClusterSnapshots: SnapshotDump[];
  /** EBS volumes, snapshots and AMIs; absent when the region has none. */
  ec2?: Ec2RegionDump;
}

export interface KmsKeyDump {
  id: string;
  arn: string;
  description: string;
  keyState: string;
  aliases: string[];
  policy: unknown;
  tags: Record<string, string>;
}

export interface SnapshotDump {
  id: string;
  arn: string;
  source: string;
  type: string;
  status: string;
  sizeGb: number;
  encrypted: boolean;
  kmsKeyArn: string | null;
  /** The key's alias (e.g. alias/aws/rds), readable in diffs; null when the key has none. */
  kmsKeyAlias: string | null;
  copiedFrom: string | null;
  sharedWith: string[];
  tags: Record<string, string>;
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function tagObject(tags: Tags): Record<string, string> {
  return Object.fromEntries([...tags.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function parsedPolicy(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function keyAlias(world: World, arn: string | undefined): string | null {
  if (arn === undefined) return null;
  const [, , , region, account, resource] = arn.split(":");
  const state = world.accounts.get(account ?? "")?.regions.get(region ?? "");
  const id = resource?.replace(/^key\//, "") ?? "";
  return (state && aliasesOf(state, id)[0]) ?? null;
}

function snapshotDump(world: World, s: Snapshot, now: number): SnapshotDump {
  return {
    id: s.id,
    arn: s.arn,
    source: s.sourceId,
    type: s.type,
    status: snapshotStatus(s, now).status,
    sizeGb: s.sizeGb,
    encrypted: s.kmsKeyArn !== undefined,
    kmsKeyArn: s.kmsKeyArn ?? null,
    kmsKeyAlias: keyAlias(world, s.kmsKeyArn),
    copiedFrom: s.copiedFrom ?? null,
    sharedWith: [...s.sharedWith].sort(),
    tags: tagObject(s.tags),
  };
}

function regionDump(world: World, state: RegionState, now: number): RegionDump {
  const ec2 = ec2RegionDump(world, state.ec2, now, (arn) => keyAlias(world, arn));
  return {
    kmsKeys: [...state.keys.values()]
      .filter((k) => k.manager === "CUSTOMER")
      .sort(byId)
      .map((k) => ({
        id: k.id,
        arn: k.arn,
        description: k.description,
        keyState: k.state,
        aliases: aliasesOf(state, k.id),
        policy: parsedPolicy(k.policy),
        tags: tagObject(k.tags),
      })),
    dbInstances: [...state.instances.values()].sort(byId).map((i) => ({
      id: i.id,
      arn: i.arn,
      engine: i.engine,
      allocatedStorageGb: i.allocatedStorageGb,
      kmsKeyArn: i.kmsKeyArn ?? null,
      tags: tagObject(i.tags),
    })),
    dbClusters: [...state.clusters.values()].sort(byId).map((c) => ({
      id: c.id,
      arn: c.arn,
      engine: c.engine,
      sizeGb: c.sizeGb,
      kmsKeyArn: c.kmsKeyArn ?? null,
      tags: tagObject(c.tags),
    })),
    dbSnapshots: [...state.snapshots.values()].sort(byId).map((s) => snapshotDump(world, s, now)),
    dbClusterSnapshots: [...state.clusterSnapshots.values()].sort(byId).map((s) => snapshotDump(world, s, now)),
    ...(ec2 ? { ec2 } : {}),
  };
}

export function buildWorldDump(world: World, now: number): WorldDump {
  const accounts: WorldDump["accounts"] = {};
  for (const account of [...world.accounts.values()].sort(byId)) {
    const regions: Record<string, RegionDump> = {};
    for (const name of [...account.regions.keys()].sort()) {
      const dump = regionDump(world, account.regions.get(name)!, now);
      if (Object.values(dump).some((list) => !Array.isArray(list) || list.length > 0)) regions[name] = dump;
    }
    if (Object.keys(regions).length === 0 && !Object.hasOwn(world.seed.accounts, account.id)) continue;
    accounts[account.id] = { name: account.name, roles: [...account.roles.keys()].sort(), regions };
  }
  const dynamodb = dynamoDump(world, now);
  const elasticache = elasticacheDump(world, now);
  return {
    accounts,
    s3: s3Dump(world),
    s3control: s3ControlDump(world),
    ...(dynamodb ? { dynamodb } : {}),
    ...(elasticache ? { elasticache } : {}),
  };
}
