/**
 * Whether ElastiCache may write an export into a bucket: the bucket's ACL grants READ, WRITE and READ_ACP
 * to ElastiCache's canonical user, or its policy allows the service principal
 * `<region>.elasticache-snapshot.amazonaws.com` (AWS documents both: "Exporting a backup", ElastiCache
 * user guide). Read-only; the plan shows the exact statement to add when neither is there.
 */
import { s3 } from "../../aws/sdk.js";
import type { AccountRef, AwsReader } from "../define.js";
import { orUndefined } from "../shared/observe.js";

/** ElastiCache's canonical user id in the standard AWS regions. */
export const ELASTICACHE_CANONICAL_ID = "540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353";
const NEEDED_ACL = ["READ", "WRITE", "READ_ACP"] as const;
const NEEDED_ACTIONS = ["s3:PutObject", "s3:ListBucket", "s3:GetBucketAcl"] as const;

export const servicePrincipal = (region: string) => `${region}.elasticache-snapshot.amazonaws.com`;

/** The statement the bucket's policy needs, as AWS's guide gives it. */
export function grantStatement(bucket: string, region: string) {
  return {
    Sid: "ElastiCacheSnapshotExport",
    Effect: "Allow",
    Principal: { Service: servicePrincipal(region) },
    Action: [
      "s3:PutObject",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:GetBucketAcl",
      "s3:ListMultipartUploadParts",
      "s3:ListBucketMultipartUploads",
    ],
    Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
  };
}

interface Statement {
  Effect?: string;
  Principal?: { Service?: string | string[] } | string;
  Action?: string | string[];
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function actionCovers(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
  return re.test(action);
}

function policyAllows(policy: string | undefined, region: string): boolean {
  if (!policy) return false;
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = JSON.parse(policy);
  } catch {
    return false;
  }
  const allowing = list(doc.Statement).filter(
    (s) =>
      s.Effect === "Allow" &&
      typeof s.Principal === "object" &&
      list(s.Principal.Service).includes(servicePrincipal(region)),
  );
  return NEEDED_ACTIONS.every((a) => allowing.some((s) => list(s.Action).some((p) => actionCovers(p, a))));
}

/** Which of the needed ACL permissions the bucket's ACL grants ElastiCache (FULL_CONTROL covers all). */
async function aclGrants(aws: AwsReader, account: AccountRef, bucket: string): Promise<Set<string>> {
  const acl = await aws.read(
    account.alias,
    "s3",
    new s3.GetBucketAclCommand({ Bucket: bucket, ExpectedBucketOwner: account.id }),
  );
  const out = new Set<string>();
  for (const g of acl.Grants ?? []) {
    if (g.Grantee?.ID !== ELASTICACHE_CANONICAL_ID || !g.Permission) continue;
    if (g.Permission === "FULL_CONTROL") for (const p of NEEDED_ACL) out.add(p);
    else out.add(g.Permission);
  }
  return out;
}

/** undefined when ElastiCache may export into the bucket; otherwise what is missing, in words. */
export async function exportGrantMissing(
  aws: AwsReader,
  account: AccountRef,
  bucket: string,
): Promise<string | undefined> {
  const policy = await orUndefined(
    aws.read(account.alias, "s3", new s3.GetBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: account.id })),
  );
  if (policyAllows(policy?.Policy, account.region)) return undefined;
  const granted = await aclGrants(aws, account, bucket);
  const missing = NEEDED_ACL.filter((p) => !granted.has(p));
  if (missing.length === 0) return undefined;
  return `neither its policy allows ${servicePrincipal(account.region)} (${NEEDED_ACTIONS.join(", ")}) nor its ACL grants ElastiCache ${missing.join(", ")}`;
}
