/** Params and plan checks shared by the steps that run S3 Batch Operations jobs. */
import { z } from "zod";
import { awsCategory } from "../../../aws/errors.js";
import { iam } from "../../../aws/sdk.js";
import type { AccountRef, AwsReader, Precondition } from "../../define.js";
import { failed, warning } from "../../shared/plan.js";

export const BATCH_TRUST_PRINCIPAL = "batchoperations.s3.amazonaws.com";

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;

export const roleArnSchema = z
  .string()
  .regex(ROLE_ARN, "an IAM role ARN: arn:aws:iam::<account>:role/<name>")
  .describe(
    `IAM role S3 Batch Operations assumes (in the step's account; trusts ${BATCH_TRUST_PRINCIPAL}; reads the source, the manifest bucket; writes the destination and the report). hikkoshi does not create it.`,
  );

export const batchCommonParams = {
  reportBucket: z
    .string()
    .min(3)
    .max(63)
    .optional()
    .describe("Bucket for the completion reports (default: the manifest bucket)."),
  jobTimeoutHours: z
    .number()
    .positive()
    .default(48)
    .describe("How long one Batch Operations job may take before the task gives up waiting (hours)."),
  sourceAccount: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Account alias that owns the source bucket: the plan lists it with that account, and every call on it carries ExpectedBucketOwner with its id (default: the step's account lists it, owner unchecked).",
    ),
};

/** Whether a trust policy lets S3 Batch Operations assume the role (an Allow naming the service, no Deny). */
export function trustsBatchOperations(policy: unknown): boolean {
  const statements = (policy as { Statement?: unknown })?.Statement;
  const list = (Array.isArray(statements) ? statements : [statements]) as Array<Record<string, unknown>>;
  const names = (s: Record<string, unknown>) => {
    const principal = s.Principal as { Service?: string | string[] } | string | undefined;
    if (principal === "*") return true;
    const service = typeof principal === "object" ? principal.Service : undefined;
    return (Array.isArray(service) ? service : [service]).includes(BATCH_TRUST_PRINCIPAL);
  };
  const assumes = (s: Record<string, unknown>) =>
    (Array.isArray(s.Action) ? s.Action : [s.Action]).some((a) => a === "sts:AssumeRole" || a === "sts:*" || a === "*");
  const matching = (effect: string) => list.some((s) => s && s.Effect === effect && names(s) && assumes(s));
  return matching("Allow") && !matching("Deny");
}

const HINT = "see the README (S3 section) for the role's trust and permission policies";

/**
 * The role must be in the account that creates the job and trust S3 Batch Operations. hikkoshi never
 * creates or changes IAM: it reads the role (iam:GetRole) where it may, and says so where it may not.
 */
export async function roleProblems(aws: AwsReader, roleArn: string, account: AccountRef): Promise<Precondition[]> {
  const match = ROLE_ARN.exec(roleArn);
  if (!match) return [failed("S3_BATCH_ROLE_INVALID", `${roleArn} is not an IAM role ARN`)];
  if (match[1] !== account.id) {
    return [
      failed(
        "S3_BATCH_ROLE_OTHER_ACCOUNT",
        `${roleArn} belongs to ${match[1]}, but the job is created in ${account.alias} (${account.id})`,
        "the Batch Operations role must be in the account that creates the job (the destination)",
      ),
    ];
  }
  const name = roleArn.slice(roleArn.lastIndexOf("/") + 1);
  let document: string | undefined;
  try {
    const out = await aws.read(account.alias, "iam", new iam.GetRoleCommand({ RoleName: name }));
    document = out.Role?.AssumeRolePolicyDocument;
  } catch (err) {
    const category = awsCategory(err);
    if (category === "not-found") {
      return [
        failed(
          "S3_BATCH_ROLE_NOT_FOUND",
          `the Batch Operations role ${roleArn} does not exist in ${account.alias} (${account.id})`,
          `create it (hikkoshi does not create IAM roles): ${HINT}`,
        ),
      ];
    }
    if (category !== "access-denied") throw err;
    return [
      warning(
        "S3_BATCH_ROLE_UNCHECKED",
        `hikkoshi may not read IAM in ${account.alias} (iam:GetRole): make sure ${roleArn} exists and its trust policy allows ${BATCH_TRUST_PRINCIPAL} to sts:AssumeRole`,
        `grant iam:GetRole on the role to let plan check it; ${HINT}`,
      ),
    ];
  }
  // IAM answers the trust policy URL-encoded (RFC 3986); the SDK does not decode it.
  let policy: unknown;
  try {
    policy = document ? JSON.parse(decodeURIComponent(document)) : undefined;
  } catch {
    policy = undefined;
  }
  if (!trustsBatchOperations(policy)) {
    return [
      failed(
        "S3_BATCH_ROLE_NOT_TRUSTED",
        `the trust policy of ${roleArn} does not let ${BATCH_TRUST_PRINCIPAL} assume it: every Batch Operations job would fail`,
        `add a statement { "Effect": "Allow", "Principal": { "Service": "${BATCH_TRUST_PRINCIPAL}" }, "Action": "sts:AssumeRole" }; ${HINT}`,
      ),
    ];
  }
  return [];
}
