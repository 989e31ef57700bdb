import { populateTables } from "./dynamodb/populate.js";
import { populateEc2 } from "./ec2/populate.js";
import { populateElastiCache } from "./elasticache/populate.js";
import { userKeyId } from "./iam/seed.js";
import { userPrincipal } from "./identity.js";
import { upperIdFrom } from "./ids.js";
import { aliasArn, createCustomerKey, kmsRegion, managedKey } from "./kms/keys.js";
import { clusterFlavour, type Flavour, instanceFlavour, rdsArn } from "./rds/flavours.js";
import { addSnapshot, durationFor } from "./rds/model.js";
import { toListLatency } from "./s3/list-latency.js";
import { populateBucket } from "./s3/populate.js";
import type { KeyRefSeed, RegionSeedData, Seed } from "./seed.js";
import { addTopic } from "./sns/model.js";
import { accountState, emptyWorld, type RegionState, type World } from "./world.js";

const DEFAULT_ENGINE_VERSION: Record<string, string> = {
  postgres: "16.4",
  mysql: "8.0.39",
  mariadb: "10.11.9",
  "aurora-postgresql": "16.4",
  "aurora-mysql": "8.0.mysql_aurora.3.07.1",
};

const DAY = 86_400_000;

export type PopulateOutcome = { ok: true; world: World } | { ok: false; problems: string[] };

/** Build the world a seed describes, at virtual time `now`. Cross-references are checked here. */
export function populateWorld(seed: Seed, now: number): PopulateOutcome {
  const world = emptyWorld(seed);
  const problems: string[] = [];
  for (const [accountId, accountSeed] of Object.entries(seed.accounts)) {
    const account = accountState(world, accountId);
    account.name = accountSeed.name;
    account.denyActions = new Set(accountSeed.denyActions);
    for (const role of accountSeed.roles) {
      account.roles.set(role.name, { ...role, arn: `arn:aws:iam::${accountId}:role/${role.name}` });
    }
    for (const key of accountSeed.accessKeys) world.accessKeys.set(key.id, userPrincipal(accountId, key.user));
    for (const [i, user] of accountSeed.users.entries()) {
      const principal = userPrincipal(accountId, user.name);
      if (account.users.has(user.name))
        problems.push(`accounts.${accountId}.users.${i}: ${user.name} is declared twice`);
      account.users.set(user.name, { name: user.name, arn: principal.arn, policies: user.policies });
      const keyId = user.accessKeyId ?? userKeyId(accountId, user.name);
      if (world.accessKeys.has(keyId)) problems.push(`accounts.${accountId}.users.${i}: access key ${keyId} is taken`);
      world.accessKeys.set(keyId, principal);
    }
    for (const [region, regionSeed] of Object.entries(accountSeed.regions)) {
      const at = { world, account: accountId, region, now, state: kmsRegion(world, accountId, region) };
      const problem = (p: string) => problems.push(`accounts.${accountId}.regions.${region}.${p}`);
      populateKeys(at, regionSeed, problem);
      populateDatabases(at, regionSeed, problem);
      populateSnapshots(at, instanceFlavour, regionSeed.dbSnapshots, problem);
      populateSnapshots(at, clusterFlavour, regionSeed.dbClusterSnapshots, problem);
      populateEc2({ ...at, keyArn: (ref, where) => keyArnOf(at, ref, where, problem), problem }, regionSeed);
      for (const [i, b] of regionSeed.buckets.entries()) {
        populateBucket(world, accountId, region, b, now, (p) => problem(`buckets.${i}: ${p}`));
      }
      const tableKey = (ref: string | undefined, where: string) =>
        keyArnOf(at, (ref ?? "aws/dynamodb") as KeyRefSeed, where, problem);
      populateTables(world, at, regionSeed.dynamoTables, tableKey, problem);
      const cacheKey = (alias: string, where: string) => keyArnOf(at, alias as KeyRefSeed, where, problem);
      populateElastiCache({ world, account: accountId, region, now }, regionSeed.elasticache, cacheKey, problem);
      for (const t of regionSeed.snsTopics) {
        const policy = typeof t.policy === "string" || t.policy === undefined ? t.policy : JSON.stringify(t.policy);
        addTopic(world.sns, {
          name: t.name,
          displayName: t.displayName,
          account: accountId,
          region,
          now,
          ...(policy !== undefined ? { policy } : {}),
        });
      }
    }
  }
  world.s3.squatters = seed.s3NameSquatters.map((s) => ({ ...s }));
  if (seed.s3ListOrder) world.s3.listOrder = seed.s3ListOrder;
  const latency = seed.s3ListLatencyMs === undefined ? undefined : toListLatency(seed.s3ListLatencyMs);
  if (latency) world.s3.listLatency = latency;
  return problems.length === 0 ? { ok: true, world } : { ok: false, problems };
}

interface At {
  world: World;
  account: string;
  region: string;
  now: number;
  state: RegionState;
}

type Problem = (p: string) => void;

function populateKeys(at: At, seed: RegionSeedData, problem: Problem): void {
  for (const [i, k] of seed.kmsKeys.entries()) {
    const key = createCustomerKey(at.world, at.account, at.region, {
      description: k.description,
      policy: k.policy === undefined ? undefined : typeof k.policy === "string" ? k.policy : JSON.stringify(k.policy),
      tags: new Map(Object.entries(k.tags)),
      state: k.state,
      now: at.now,
    });
    if (k.state === "PendingDeletion") key.deletionDate = at.now + 30 * DAY;
    if (k.alias === undefined) continue;
    if (at.state.aliases.has(k.alias)) {
      problem(`kmsKeys.${i}.alias: ${k.alias} is declared twice`);
      continue;
    }
    at.state.aliases.set(k.alias, {
      name: k.alias,
      arn: aliasArn(at.region, at.account, k.alias),
      targetKeyId: key.id,
      createdAt: at.now,
    });
  }
}

/** `aws/<service>` → that AWS managed key; `alias/x` → a key declared in the same region; `none`. */
function keyArnOf(at: At, ref: KeyRefSeed, where: string, problem: Problem): string | undefined {
  if (ref === "none") return undefined;
  if (ref.startsWith("aws/")) return managedKey(at.world, at.account, at.region, ref.slice(4)).arn;
  const alias = at.state.aliases.get(ref);
  if (!alias) problem(`${where}.kmsKey: no key with alias ${ref} in this region`);
  return alias ? at.state.keys.get(alias.targetKeyId)?.arn : undefined;
}

function populateDatabases(at: At, seed: RegionSeedData, problem: Problem): void {
  for (const [i, d] of seed.dbInstances.entries()) {
    const id = d.id.toLowerCase();
    at.state.instances.set(id, {
      id,
      arn: rdsArn(at.region, at.account, "db", id),
      resourceId: `db-${upperIdFrom(26, "dbi", at.account, at.region, id)}`,
      engine: d.engine,
      engineVersion: d.engineVersion ?? DEFAULT_ENGINE_VERSION[d.engine] ?? "1.0",
      instanceClass: d.instanceClass,
      allocatedStorageGb: d.allocatedStorageGb,
      kmsKeyArn: keyArnOf(at, d.kmsKey, `dbInstances.${i}`, problem),
      createdAt: at.now - 30 * DAY,
      tags: new Map(Object.entries(d.tags)),
    });
  }
  for (const [i, c] of seed.dbClusters.entries()) {
    const id = c.id.toLowerCase();
    at.state.clusters.set(id, {
      id,
      arn: rdsArn(at.region, at.account, "cluster", id),
      resourceId: `cluster-${upperIdFrom(26, "cluster", at.account, at.region, id)}`,
      engine: c.engine,
      engineVersion: c.engineVersion ?? DEFAULT_ENGINE_VERSION[c.engine] ?? "1.0",
      sizeGb: c.sizeGb,
      kmsKeyArn: keyArnOf(at, c.kmsKey, `dbClusters.${i}`, problem),
      createdAt: at.now - 30 * DAY,
      tags: new Map(Object.entries(c.tags)),
    });
  }
}

/** Seeded snapshots inherit size and key from their instance/cluster; available ones finished an hour ago. */
function populateSnapshots(
  at: At,
  f: Flavour,
  list: RegionSeedData["dbSnapshots"] | RegionSeedData["dbClusterSnapshots"],
  problem: Problem,
): void {
  const field = f.kind === "instance" ? "dbSnapshots" : "dbClusterSnapshots";
  for (const [i, s] of list.entries()) {
    const parentId = ("instance" in s ? s.instance : s.cluster).toLowerCase();
    const parent = f.kind === "instance" ? at.state.instances.get(parentId) : at.state.clusters.get(parentId);
    if (!parent) {
      problem(`${field}.${i}: no ${f.parentParam} ${parentId} in this region`);
      continue;
    }
    const id = s.id.toLowerCase();
    if (f.store(at.state).has(id)) {
      problem(`${field}.${i}: snapshot ${id} is declared twice`);
      continue;
    }
    const sizeGb = "allocatedStorageGb" in parent ? parent.allocatedStorageGb : parent.sizeGb;
    const durationMs = durationFor(at.world, sizeGb);
    const snapshot = addSnapshot(at.world, f, {
      id,
      account: at.account,
      region: at.region,
      sourceId: parent.id,
      sourceResourceId: parent.resourceId,
      engine: parent.engine,
      engineVersion: parent.engineVersion,
      sizeGb,
      type: s.type,
      kmsKeyArn: s.kmsKey === undefined ? parent.kmsKeyArn : keyArnOf(at, s.kmsKey, `${field}.${i}`, problem),
      createdAt: s.status === "creating" ? at.now : at.now - durationMs - 3_600_000,
      durationMs,
      tags: new Map(Object.entries(s.tags)),
    });
    snapshot.sharedWith = new Set(s.sharedWith);
  }
}
