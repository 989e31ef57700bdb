import { uuidFrom } from "../ids.js";
import { fail, type Outcome, ok } from "../outcome.js";
import { type KmsKey, type RegionState, regionState, type World } from "../world.js";
import { defaultKeyPolicy, managedKeyPolicy } from "./policy.js";

/** AWS managed keys that exist implicitly in every account and region. */
export const MANAGED_KEY_SERVICES = ["rds", "ebs", "s3"] as const;

/** The KMS view of a region: AWS managed keys are materialised (deterministically) on first touch. */
export function kmsRegion(world: World, account: string, region: string): RegionState {
  const state = regionState(world, account, region);
  for (const service of MANAGED_KEY_SERVICES) managedKey(world, account, region, service);
  return state;
}

/** The id of the AWS managed key `aws/<service>`, whether or not it was materialised yet. */
export function managedKeyId(account: string, region: string, service: string): string {
  return uuidFrom("aws-managed-key", account, region, service);
}

export function managedKey(world: World, account: string, region: string, service: string): KmsKey {
  const state = regionState(world, account, region);
  const aliasName = `alias/aws/${service}`;
  const existing = state.aliases.get(aliasName);
  if (existing) return state.keys.get(existing.targetKeyId)!;
  const id = managedKeyId(account, region, service);
  const key: KmsKey = {
    id,
    arn: keyArn(region, account, id),
    account,
    region,
    description: `Default key that protects my ${service.toUpperCase()} resources when no other key is defined`,
    manager: "AWS",
    state: "Enabled",
    policy: managedKeyPolicy(account, service, region),
    createdAt: 0,
    tags: new Map(),
  };
  state.keys.set(id, key);
  state.aliases.set(aliasName, {
    name: aliasName,
    arn: aliasArn(region, account, aliasName),
    targetKeyId: id,
    createdAt: 0,
  });
  return key;
}

export function keyArn(region: string, account: string, id: string): string {
  return `arn:aws:kms:${region}:${account}:key/${id}`;
}

export function aliasArn(region: string, account: string, name: string): string {
  return `arn:aws:kms:${region}:${account}:${name}`;
}

export interface NewKey {
  description: string;
  policy?: string;
  tags: Map<string, string>;
  state?: KmsKey["state"];
  now: number;
}

/** A customer managed key; its id comes from a per account+region counter. */
export function createCustomerKey(world: World, account: string, region: string, spec: NewKey): KmsKey {
  const state = kmsRegion(world, account, region);
  state.kmsCounter += 1;
  const id = uuidFrom("customer-key", account, region, state.kmsCounter);
  const key: KmsKey = {
    id,
    arn: keyArn(region, account, id),
    account,
    region,
    description: spec.description,
    manager: "CUSTOMER",
    state: spec.state ?? "Enabled",
    policy: spec.policy ?? defaultKeyPolicy(account),
    createdAt: spec.now,
    tags: spec.tags,
  };
  state.keys.set(id, key);
  return key;
}

const KEY_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/([\w-]+)$/;
const ALIAS_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

/**
 * Find a key from any of the forms KMS accepts: key id, key ARN, `alias/name`, alias ARN. Bare ids and
 * aliases are the caller's, in the caller's region; ARNs may name another account (the caller then checks
 * the key policy with keyUsableBy).
 */
export function resolveKey(world: World, account: string, region: string, ref: string): Outcome<KmsKey> {
  let target: { account: string; region: string; id?: string; alias?: string };
  if (ref.startsWith("arn:")) {
    const key = KEY_ARN.exec(ref);
    const alias = ALIAS_ARN.exec(ref);
    if (key) target = { region: key[1]!, account: key[2]!, id: key[3]! };
    else if (alias) target = { region: alias[1]!, account: alias[2]!, alias: alias[3]! };
    else return fail("InvalidArnException", `${ref} is not a valid KMS key or alias ARN.`);
  } else if (ref.startsWith("alias/")) target = { account, region, alias: ref };
  else target = { account, region, id: ref };

  const state = kmsRegion(world, target.account, target.region);
  if (target.alias !== undefined) {
    const managed = /^alias\/aws\/([a-z0-9-]+)$/.exec(target.alias);
    if (managed && !state.aliases.has(target.alias)) managedKey(world, target.account, target.region, managed[1]!);
    const alias = state.aliases.get(target.alias);
    const key = alias ? state.keys.get(alias.targetKeyId) : undefined;
    if (!key)
      return fail("NotFoundException", `Alias ${aliasArn(target.region, target.account, target.alias)} is not found.`);
    return ok(key);
  }
  const key = state.keys.get(target.id!);
  if (!key)
    return fail("NotFoundException", `Key '${keyArn(target.region, target.account, target.id!)}' does not exist`);
  return ok(key);
}

/** Aliases that point at a key, sorted by name. */
export function aliasesOf(state: RegionState, keyId: string): string[] {
  return [...state.aliases.values()]
    .filter((a) => a.targetKeyId === keyId)
    .map((a) => a.name)
    .sort();
}
