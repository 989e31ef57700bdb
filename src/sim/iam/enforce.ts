/**
 * Opt-in enforcement of identity policies (`enforceIamPolicies: true` in the seed): the Simulator asks
 * `authorizeCall` after it knows the caller and before faults and handlers. Off, nothing is checked.
 * On, every API action needs its entry in authorization.ts, and every check of the entry must be allowed
 * by the caller's policies (its user's, or its assumed role's).
 */
import type { AwsError } from "../outcome.js";
import type { Principal, World } from "../world.js";
import { type AuthzRequest, entryFor } from "./authorization.js";
import type { RequestContext } from "./conditions.js";
import { DENIAL_LOG_SIZE, IAM_ALLOWED_MAX, type IamDenial } from "./model.js";
import { type Check, evaluate, type PolicyDocument } from "./policy.js";
import { resourceAccountOf } from "./resources.js";

/** The user behind `AKSIM<account>`: the account's administrator unless the seed gives it policies. */
export const CONVENTION_USER = "sim-user";

function userName(principal: Principal): string {
  return /:user\/(?:.*\/)?([^/]+)$/.exec(principal.arn)?.[1] ?? "";
}

/**
 * A principal's identity policies, or "admin" (allowed everything). An assumed-role session has its role's
 * policies; a user those the seed gives it; `sim-user` without policies in the seed is the admin; any other
 * principal without policies has none (everything implicitly denied, as on AWS).
 */
export function policiesOf(world: World, principal: Principal): readonly PolicyDocument[] | "admin" {
  const account = world.accounts.get(principal.account);
  if (principal.roleArn !== undefined) {
    return account?.roles.get(principal.roleArn.split("/").pop() ?? "")?.policies ?? [];
  }
  const name = userName(principal);
  const policies = account?.users.get(name)?.policies;
  if (policies !== undefined) return policies;
  return name === CONVENTION_USER ? "admin" : [];
}

/**
 * The condition keys the simulator can fill in for a check (lower-case): the principal's account, ARN
 * (the role's for a session), type, user id and user name, the requested region, the resource's account,
 * aws:SecureTransport (true: the simulator stands in for AWS's TLS endpoints) and aws:ViaAWSService
 * (false: callers call directly), plus the check's own keys (s3:prefix, iam:PassedToService…).
 */
function contextFor(req: AuthzRequest, check: Check): RequestContext {
  const { principal } = req;
  const context = new Map<string, string[]>([
    ["aws:principalaccount", [principal.account]],
    ["aws:principalarn", [principal.roleArn ?? principal.arn]],
    ["aws:principaltype", [principal.roleArn ? "AssumedRole" : "User"]],
    ["aws:userid", [principal.userId]],
    ["aws:requestedregion", [req.region]],
    ["aws:securetransport", ["true"]],
    ["aws:viaawsservice", ["false"]],
  ]);
  if (principal.roleArn === undefined) context.set("aws:username", [userName(principal)]);
  const resourceAccount = resourceAccountOf(req.world, check.resource);
  if (resourceAccount !== undefined) context.set("aws:resourceaccount", [resourceAccount]);
  for (const [key, values] of Object.entries(check.context ?? {})) context.set(key.toLowerCase(), values);
  return context;
}

export interface CallToAuthorize extends AuthzRequest {
  service: string;
  apiAction: string;
  requestId: string;
}

function record(world: World, denial: IamDenial): IamDenial {
  world.iamDenials.push(denial);
  if (world.iamDenials.length > DENIAL_LOG_SIZE) world.iamDenials.splice(0, world.iamDenials.length - DENIAL_LOG_SIZE);
  return denial;
}

function decide(call: CallToAuthorize, policies: readonly PolicyDocument[] | "admin", check: Check) {
  if (policies === "admin") return undefined;
  const decision = evaluate(policies, check, contextFor(call, check));
  if (decision.effect === "allow") {
    const allowed = call.world.iamAllowed;
    if (allowed.size < IAM_ALLOWED_MAX) allowed.add(`${call.principal.arn}\n${check.action}\n${check.resource}`);
    return undefined;
  }
  return record(call.world, {
    service: call.service,
    apiAction: call.apiAction,
    action: check.action,
    resource: check.resource,
    principal: call.principal.arn,
    reason: decision.effect,
    ...(decision.effect === "explicitDeny" && decision.sid !== undefined ? { sid: decision.sid } : {}),
    requestId: call.requestId,
  });
}

/** Undefined when the call may go on; else the denial (also kept in `world.iamDenials`). */
export function authorizeCall(call: CallToAuthorize): IamDenial | undefined {
  if (!call.world.seed.enforceIamPolicies) return undefined;
  const entry = entryFor(call.service, call.apiAction);
  if (!entry) {
    return record(call.world, {
      service: call.service,
      apiAction: call.apiAction,
      action: `${call.service}:${call.apiAction}`,
      resource: "",
      principal: call.principal.arn,
      reason: "noMapping",
      requestId: call.requestId,
    });
  }
  const policies = policiesOf(call.world, call.principal);
  for (const check of entry(call)) {
    const denial = decide(call, policies, check);
    if (denial) return denial;
  }
  return undefined;
}

/** For permissions checked per item inside a handler (DeleteObjects keys): true when allowed or not enforced. */
export function identityAllows(call: CallToAuthorize, check: Check): boolean {
  if (!call.world.seed.enforceIamPolicies) return true;
  return decide(call, policiesOf(call.world, call.principal), check) === undefined;
}

/** AWS's wording of an identity-policy refusal; S3 quotes the resource, `*` resources are not named. */
export function denialMessage(denial: IamDenial): string {
  if (denial.reason === "noMapping") {
    return (
      `User: ${denial.principal} is not authorized to perform: ${denial.action} because the simulator has no ` +
      `IAM authorization mapping for ${denial.service} ${denial.apiAction} (src/sim/iam/authorization.ts)`
    );
  }
  const quoted = denial.service === "s3" || denial.service === "s3control" ? `"${denial.resource}"` : denial.resource;
  const on = denial.resource === "*" ? "" : ` on resource: ${quoted}`;
  const why =
    denial.reason === "explicitDeny"
      ? "with an explicit deny in an identity-based policy"
      : `because no identity-based policy allows the ${denial.action} action`;
  return `User: ${denial.principal} is not authorized to perform: ${denial.action}${on} ${why}`;
}

/**
 * The service's own access-denied error: EC2 `UnauthorizedOperation` 403 (with an encoded authorization
 * failure message), KMS and DynamoDB `AccessDeniedException` 400, S3 / S3 Control / RDS / STS / IAM `AccessDenied` 403.
 */
export function deniedError(denial: IamDenial): AwsError {
  const message = denialMessage(denial);
  if (denial.service === "kms" || denial.service === "dynamodb") {
    return { code: "AccessDeniedException", message, status: 400 };
  }
  if (denial.service === "ec2") {
    const encoded = Buffer.from(
      JSON.stringify({
        allowed: false,
        explicitDeny: denial.reason === "explicitDeny",
        context: { principal: denial.principal, action: denial.action, resource: denial.resource },
      }),
    ).toString("base64url");
    return {
      code: "UnauthorizedOperation",
      message: `You are not authorized to perform this operation. ${message}. Encoded authorization failure message: ${encoded}`,
      status: 403,
    };
  }
  return { code: "AccessDenied", message, status: 403 };
}
