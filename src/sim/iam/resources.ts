/**
 * Resource ARNs as the Service Authorization Reference spells them, computed from a request without
 * touching the world (a denied request changes nothing, not even the lazily created AWS managed keys).
 */
import { aliasArn, keyArn, managedKeyId } from "../kms/keys.js";
import { rdsArn } from "../rds/flavours.js";
import type { World } from "../world.js";
import type { Check } from "./policy.js";

export const s3BucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const s3ObjectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

/** An RDS identifier or ARN → the ARN; identifiers are lower-case in ARNs, as RDS stores them. */
export function rdsResource(region: string, account: string, type: string, ref: string): string {
  return ref.startsWith("arn:") ? ref : rdsArn(region, account, type, ref.toLowerCase());
}

/**
 * EC2 ARNs: snapshots and images have no account part (`arn:aws:ec2:region::snapshot/snap-…`), volumes
 * do. `*` as the id stands for a resource the call creates.
 */
export function ec2Resource(region: string, account: string, id: string, kind?: "snapshot" | "image"): string {
  const type = kind ?? (id.startsWith("snap-") ? "snapshot" : id.startsWith("ami-") ? "image" : undefined);
  if (type !== undefined) return `arn:aws:ec2:${region}::${type}/${id}`;
  if (id.startsWith("vol-")) return `arn:aws:ec2:${region}:${account}:volume/${id}`;
  return `arn:aws:ec2:${region}:${account}:${id.split("-")[0] ?? "resource"}/${id}`;
}

export function kmsAliasResource(region: string, account: string, name: string): string {
  return name.startsWith("arn:") ? name : aliasArn(region, account, name);
}

const KEY_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/([\w-]+)$/;
const ALIAS_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

/**
 * The key ARN a KeyId names (key id, key ARN, alias name or alias ARN): KMS authorizes on the key, never
 * on the alias used to name it. Undefined for an alias that names no key (the handler answers NotFound).
 */
export function kmsKeyResource(world: World, account: string, region: string, ref: string): string | undefined {
  if (KEY_ARN.test(ref)) return ref;
  let at = { account, region, alias: ref };
  const aliasArnMatch = ALIAS_ARN.exec(ref);
  if (aliasArnMatch) at = { region: aliasArnMatch[1]!, account: aliasArnMatch[2]!, alias: aliasArnMatch[3]! };
  else if (!ref.startsWith("alias/")) return keyArn(region, account, ref);
  const alias = world.accounts.get(at.account)?.regions.get(at.region)?.aliases.get(at.alias);
  if (alias) return keyArn(at.region, at.account, alias.targetKeyId);
  const managed = /^alias\/aws\/([a-z0-9-]+)$/.exec(at.alias);
  return managed ? keyArn(at.region, at.account, managedKeyId(at.account, at.region, managed[1]!)) : undefined;
}

/**
 * `aws:ResourceAccount`: the account part of the ARN, else the owner the world knows (S3 buckets, EBS
 * snapshots and AMIs, whose ARNs carry none). Undefined for `*` and for resources that do not exist.
 */
export function resourceAccountOf(world: World, arn: string): string | undefined {
  const parts = arn.split(":");
  if (parts.length < 6) return undefined;
  const [, , service, region, account] = parts;
  if (account) return account;
  const resource = parts.slice(5).join(":");
  if (service === "s3") return world.s3.buckets.get(resource.split("/")[0] ?? "")?.owner;
  if (service === "ec2") {
    const [type, id = ""] = resource.split("/");
    for (const state of world.accounts.values()) {
      const ec2 = state.regions.get(region ?? "")?.ec2;
      const found = type === "snapshot" ? ec2?.snapshots.get(id) : ec2?.images.get(id);
      if (found) return found.account;
    }
  }
  return undefined;
}

/** A check for each resource that is known; missing inputs are the handler's to refuse (ValidationError). */
export function checks(...items: (Check | false | undefined)[]): Check[] {
  return items.filter((c): c is Check => c !== undefined && c !== false);
}
