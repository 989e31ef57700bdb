import { actionMatches, keyUsableBy } from "../kms/policy.js";
import type { Principal, World } from "../world.js";
import type { Bucket, Version } from "./model.js";
import { type S3Outcome, s3Fail } from "./xml.js";

export function noSuchBucket(name: string): { ok: false; error: import("./xml.js").S3Error } {
  return s3Fail("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: name });
}

export function accessDenied(reason?: string) {
  return s3Fail("AccessDenied", reason ? `Access Denied (${reason})` : "Access Denied", 403);
}

export function findBucket(world: World, name: string | undefined): S3Outcome<Bucket> {
  const bucket = name === undefined ? undefined : world.s3.buckets.get(name);
  return bucket ? { ok: true, value: bucket } : noSuchBucket(name ?? "");
}

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

function list(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function statementsOf(policy: string | undefined): Statement[] {
  if (policy === undefined) return [];
  try {
    const doc = JSON.parse(policy) as { Statement?: unknown };
    const raw = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    return raw.filter((s): s is Statement => s !== null && typeof s === "object");
  } catch {
    return [];
  }
}

function names(principal: Principal, entry: string): boolean {
  return (
    entry === "*" ||
    entry === principal.account ||
    entry === `arn:aws:iam::${principal.account}:root` ||
    entry === principal.arn ||
    (principal.roleArn !== undefined && entry === principal.roleArn)
  );
}

function principalMatches(stmt: Statement, principal: Principal): boolean {
  if (stmt.Principal === "*") return true;
  const aws = (stmt.Principal as { AWS?: unknown } | undefined)?.AWS;
  return list(aws).some((e) => names(principal, e));
}

function resourceMatches(stmt: Statement, resource: string): boolean {
  const patterns = list(stmt.Resource);
  if (patterns.length === 0) return true;
  return patterns.some((p) => new RegExp(`^${p.split("*").map(escapeRegExp).join(".*")}$`).test(resource));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * May this principal do `action` (e.g. "s3:GetObjectVersion") on the bucket (or one of its keys)? The
 * owner's account may, unless a Deny names it; another account needs an Allow in the bucket policy for
 * its account id, root, role or user. Statements with a Condition are not evaluated (left out), so a
 * common "deny unless TLS" statement does not lock everyone out.
 */
export function allowed(bucket: Bucket, principal: Principal, action: string, key?: string): boolean {
  const resource = key === undefined ? `arn:aws:s3:::${bucket.name}` : `arn:aws:s3:::${bucket.name}/${key}`;
  const statements = statementsOf(bucket.configs.get("policy")).filter((s) => s.Condition === undefined);
  const applies = (s: Statement) =>
    principalMatches(s, principal) &&
    list(s.Action).some((a) => actionMatches(a, action)) &&
    resourceMatches(s, resource);
  if (statements.some((s) => s.Effect === "Deny" && applies(s))) return false;
  if (principal.account === bucket.owner) return true;
  return statements.some((s) => s.Effect === "Allow" && applies(s));
}

/**
 * May an AWS service principal (e.g. `ap-northeast-1.elasticache-snapshot.amazonaws.com`) do `action` on the
 * bucket (or one of its keys)? Only the bucket policy can say so: an Allow whose Principal.Service names
 * it (or `*`), and no Deny. Statements with a Condition are left out, as in `allowed`.
 */
export function serviceAllowed(bucket: Bucket, service: string, action: string, key?: string): boolean {
  const resource = key === undefined ? `arn:aws:s3:::${bucket.name}` : `arn:aws:s3:::${bucket.name}/${key}`;
  const statements = statementsOf(bucket.configs.get("policy")).filter((s) => s.Condition === undefined);
  const names = (s: Statement) =>
    s.Principal === "*" || list((s.Principal as { Service?: unknown } | undefined)?.Service).includes(service);
  const applies = (s: Statement) =>
    names(s) && list(s.Action).some((a) => actionMatches(a, action)) && resourceMatches(s, resource);
  if (statements.some((s) => s.Effect === "Deny" && applies(s))) return false;
  return statements.some((s) => s.Effect === "Allow" && applies(s));
}

export function authorize(bucket: Bucket, principal: Principal, action: string, key?: string): S3Outcome<Bucket> {
  return allowed(bucket, principal, action, key) ? { ok: true, value: bucket } : accessDenied();
}

/** Requests for a bucket must be signed for its region: S3 answers 301 PermanentRedirect otherwise. */
export function checkRegion(bucket: Bucket, region: string): S3Outcome<Bucket> {
  if (bucket.region === region) return { ok: true, value: bucket };
  return s3Fail(
    "PermanentRedirect",
    "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
    301,
    { BucketName: bucket.name, Endpoint: `${bucket.name}.s3.${bucket.region}.amazonaws.com` },
    { "x-amz-bucket-region": bucket.region },
  );
}

/**
 * SSE-KMS objects are readable only by accounts that may use their key: never another account for an
 * AWS managed key (aws/s3), and for a customer key what its key policy allows (kms:Decrypt).
 */
export function checkDecrypt(world: World, version: Version, account: string): S3Outcome<true> {
  const arn = version.sse?.algorithm === "aws:kms" ? version.sse.kmsKeyArn : undefined;
  if (arn === undefined) return { ok: true, value: true };
  const [, , , region, keyAccount, resource] = arn.split(":");
  const key = world.accounts
    .get(keyAccount ?? "")
    ?.regions.get(region ?? "")
    ?.keys.get(resource?.replace(/^key\//, "") ?? "");
  if (!key) return accessDenied(`the KMS key ${arn} of this object does not exist`);
  const usable = keyUsableBy(key, account, ["kms:Decrypt"]);
  return usable.usable ? { ok: true, value: true } : accessDenied(usable.reason);
}
