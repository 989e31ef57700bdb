/**
 * A bucket's ACL as S3 evaluates it for a grantee: the owner always has FULL_CONTROL; other grants come
 * from the `acl` setting (the AccessControlPolicy XML document, seeded under `configs.acl`). FULL_CONTROL
 * implies READ, WRITE, READ_ACP and WRITE_ACP. Only CanonicalUser grantees (by ID) are read.
 */
import { canonicalId } from "./common.js";
import type { Bucket } from "./model.js";

export type AclPermission = "READ" | "WRITE" | "READ_ACP" | "WRITE_ACP" | "FULL_CONTROL";

/** The grants of the bucket's ACL document: grantee canonical id and permission. */
export function aclGrants(bucket: Bucket): { id: string; permission: string }[] {
  const grants = [{ id: canonicalId(bucket.owner), permission: "FULL_CONTROL" }];
  const doc = bucket.configs.get("acl");
  if (doc === undefined) return grants;
  for (const m of doc.matchAll(/<Grant>([\s\S]*?)<\/Grant>/g)) {
    const body = m[1]!;
    const id = /<ID>\s*([^<]+?)\s*<\/ID>/.exec(body)?.[1];
    const permission = /<Permission>\s*([^<]+?)\s*<\/Permission>/.exec(body)?.[1];
    if (id && permission) grants.push({ id, permission });
  }
  return grants;
}

/** Does the ACL grant this canonical user the permission (directly or through FULL_CONTROL)? */
export function aclAllows(bucket: Bucket, grantee: string, permission: AclPermission): boolean {
  return aclGrants(bucket).some(
    (g) => g.id === grantee && (g.permission === permission || g.permission === "FULL_CONTROL"),
  );
}
