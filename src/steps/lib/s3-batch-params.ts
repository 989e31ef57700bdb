/** Params and plan checks shared by the steps that run S3 Batch Operations jobs. */
import { z } from "zod";
import type { AccountRef, Precondition } from "../define.js";
import { failed, warning } from "./plan.js";

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
    .describe("Account alias the plan lists the source with (default: the step's account)."),
};

/** hikkoshi has no IAM client: the role's account is checked, its trust policy can only be stated. */
export function roleProblems(roleArn: string, account: AccountRef): Precondition[] {
  const match = ROLE_ARN.exec(roleArn);
  if (!match) return [failed("S3_BATCH_ROLE_INVALID", `${roleArn} is not an IAM role ARN`)];
  const problems: Precondition[] = [];
  if (match[1] !== account.id) {
    problems.push(
      failed(
        "S3_BATCH_ROLE_OTHER_ACCOUNT",
        `${roleArn} belongs to ${match[1]}, but the job is created in ${account.alias} (${account.id})`,
        "the Batch Operations role must be in the account that creates the job (the destination)",
      ),
    );
  }
  problems.push(
    warning(
      "S3_BATCH_ROLE_UNCHECKED",
      `hikkoshi cannot read IAM: make sure ${roleArn} exists and its trust policy allows ${BATCH_TRUST_PRINCIPAL} to sts:AssumeRole`,
      "see the README (S3 section) for the role's trust and permission policies",
    ),
  );
  return problems;
}
