/**
 * Identity-based IAM policies: the seed's schema and their evaluation for one request in one account, as
 * the IAM User Guide ("Policy evaluation logic") describes it: an explicit Deny wins, then any Allow,
 * else the request is implicitly denied. No resource policies, permission boundaries, SCPs or session
 * policies here (bucket and key policies keep their own rules in s3/access.ts and kms/policy.ts).
 */
import { z } from "zod";
import { conditionsHold, operatorKnown, type RequestContext } from "./conditions.js";
import { actionMatches, arnMatches } from "./match.js";

const Strings = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (typeof v === "string" ? [v] : v));

const ConditionValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const ConditionValues = z
  .union([ConditionValue, z.array(ConditionValue).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const ConditionSchema = z.record(z.string(), z.record(z.string(), ConditionValues)).superRefine((block, ctx) => {
  for (const operator of Object.keys(block)) {
    if (!operatorKnown(operator)) {
      ctx.addIssue({
        code: "custom",
        message: `the simulator does not evaluate the condition operator ${operator} (it knows String*, Arn*, Bool, Null and …IfExists)`,
      });
    }
  }
});

const StatementSchema = z
  .strictObject({
    Sid: z.string().optional(),
    Effect: z.enum(["Allow", "Deny"]),
    Action: Strings.optional(),
    NotAction: Strings.optional(),
    Resource: Strings.optional(),
    NotResource: Strings.optional(),
    Condition: ConditionSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.Action === undefined) === (s.NotAction === undefined)) {
      ctx.addIssue({ code: "custom", message: "a statement has exactly one of Action and NotAction" });
    }
    if ((s.Resource === undefined) === (s.NotResource === undefined)) {
      ctx.addIssue({ code: "custom", message: "a statement has exactly one of Resource and NotResource" });
    }
  });

/** An identity policy document; `Statement` may be one statement or a list, as in IAM. No `Principal`. */
export const PolicyDocumentSchema = z.strictObject({
  Version: z.enum(["2012-10-17", "2008-10-17"]).optional(),
  Id: z.string().optional(),
  Statement: z.union([StatementSchema, z.array(StatementSchema).min(1)]).transform((s) => (Array.isArray(s) ? s : [s])),
});

export type PolicyDocument = z.output<typeof PolicyDocumentSchema>;
export type PolicyStatement = PolicyDocument["Statement"][number];

/** One permission a request needs: an IAM action on a resource ARN (`*` for actions without resources). */
export interface Check {
  action: string;
  resource: string;
  /** Condition keys this check adds to the request's (lower-case names), e.g. `s3:prefix`. */
  context?: Record<string, string[]>;
}

export type Decision = { effect: "allow" } | { effect: "explicitDeny"; sid?: string } | { effect: "implicitDeny" };

function applies(s: PolicyStatement, check: Check, context: RequestContext): boolean {
  const action = s.Action
    ? s.Action.some((p) => actionMatches(p, check.action))
    : !s.NotAction!.some((p) => actionMatches(p, check.action));
  if (!action) return false;
  const resource = s.Resource
    ? s.Resource.some((p) => arnMatches(p, check.resource))
    : !s.NotResource!.some((p) => arnMatches(p, check.resource));
  return resource && conditionsHold(s.Condition, context);
}

/** Explicit Deny in any statement of any policy wins; then any Allow; else implicit deny. */
export function evaluate(policies: readonly PolicyDocument[], check: Check, context: RequestContext): Decision {
  const statements = policies.flatMap((p) => p.Statement);
  const deny = statements.find((s) => s.Effect === "Deny" && applies(s, check, context));
  if (deny) return { effect: "explicitDeny", sid: deny.Sid };
  if (statements.some((s) => s.Effect === "Allow" && applies(s, check, context))) return { effect: "allow" };
  return { effect: "implicitDeny" };
}
