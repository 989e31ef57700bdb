import { identityAllows } from "../iam/enforce.js";
import { allowed } from "../s3/access.js";
import { manifestDecode } from "../s3/keys.js";
import type { Principal, World } from "../world.js";
import { BATCH_SERVICE } from "./model.js";

/** What a task names: one object version. */
export interface Task {
  bucket: string;
  key: string;
  versionId?: string;
}

/**
 * The principal Batch Operations acts as: a session of the job's role, which must exist and trust
 * batchoperations.s3.amazonaws.com.
 */
export function batchPrincipal(world: World, roleArn: string): Principal | string {
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  const role = m ? world.accounts.get(m[1]!)?.roles.get(m[2]!) : undefined;
  if (!m || !role) return `the role ${roleArn} does not exist`;
  if (!role.trustService.includes(BATCH_SERVICE)) return `the role ${roleArn} does not trust ${BATCH_SERVICE}`;
  return {
    account: m[1]!,
    arn: `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/s3-batch-operations`,
    userId: `AROASIMBATCH:s3-batch-operations`,
    roleArn,
  };
}

export type ManifestRead =
  | { ok: true; rows: string[]; etag: string }
  | { ok: false; code: "NotFound" | "AccessDenied"; message: string };

/** The manifest object as the role reads it: `arn:aws:s3:::bucket/key` (optionally a version). */
export function readManifest(
  world: World,
  principal: Principal,
  objectArn: string,
  versionId: string | undefined,
  request: { region: string; requestId: string },
): ManifestRead {
  const m = /^arn:aws:s3:::([^/]+)\/(.+)$/.exec(objectArn);
  const bucket = m ? world.s3.buckets.get(m[1]!) : undefined;
  if (!m || !bucket) return { ok: false, code: "NotFound", message: `The manifest ${objectArn} does not exist` };
  // The role reads the manifest: the bucket's rules, and its identity policies when enforced.
  const check = { action: versionId ? "s3:GetObjectVersion" : "s3:GetObject", resource: objectArn };
  const { region, requestId } = request;
  const call = { world, principal, account: principal.account, region, requestId, input: objectArn };
  const byIdentity = identityAllows({ ...call, service: "s3control", apiAction: "CreateJob" }, check);
  if (!allowed(bucket, principal, "s3:GetObject", m[2]) || !byIdentity) {
    return { ok: false, code: "AccessDenied", message: `The role cannot read the manifest ${objectArn}` };
  }
  const history = bucket.objects.get(m[2]!);
  const version = versionId ? history.find((v) => v.versionId === versionId) : history[0];
  if (!version || version.deleteMarker || !version.body) {
    return { ok: false, code: "NotFound", message: `The manifest ${objectArn} does not exist` };
  }
  const text = version.body.read(0, version.size).toString("utf8");
  const rows = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  return { ok: true, rows, etag: version.etag };
}

/** A manifest row → its task, or a problem (column count, missing version id, bad encoding). */
export function parseRow(row: string, fields: readonly string[]): Task | string {
  const cells = row.split(",");
  if (cells.length !== fields.length)
    return `expected ${fields.length} fields (${fields.join(",")}), found ${cells.length}`;
  const get = (name: string) => {
    const i = fields.indexOf(name);
    return i < 0 ? undefined : cells[i];
  };
  const bucket = get("Bucket");
  const rawKey = get("Key");
  const key = rawKey === undefined ? undefined : manifestDecode(rawKey);
  if (!bucket || key === undefined || key === "") return "the key is missing or not URL-encoded";
  const versionId = get("VersionId");
  if (fields.includes("VersionId") && !versionId)
    return "every row needs a version id when the VersionId field is declared";
  return { bucket, key, versionId: versionId || undefined };
}
