/**
 * IAM, read-only and only what hikkoshi's plan asks: GetRole of a role in the caller's own account, with
 * its trust policy built from the seed (accounts, external id, service principals). As IAM does, the
 * AssumeRolePolicyDocument is URL-encoded JSON (RFC 3986) and the SDK hands it over still encoded.
 */
import { upperIdFrom } from "../ids.js";
import { fail, ok } from "../outcome.js";
import type { QueryInput } from "../protocol/query.js";
import type { Handler } from "../protocol/types.js";
import type { Role } from "../world.js";

type IamHandler = Handler<QueryInput>;

function principalArn(trusted: string): string {
  return /^\d{12}$/.test(trusted) ? `arn:aws:iam::${trusted}:root` : trusted;
}

/** The trust policy a seeded role stands for. */
export function trustPolicy(role: Role): Record<string, unknown> {
  const statements: Record<string, unknown>[] = [];
  if (role.trust.length > 0) {
    statements.push({
      Effect: "Allow",
      Principal: { AWS: role.trust.map(principalArn) },
      Action: "sts:AssumeRole",
      ...(role.externalId ? { Condition: { StringEquals: { "sts:ExternalId": role.externalId } } } : {}),
    });
  }
  if (role.trustService.length > 0) {
    statements.push({ Effect: "Allow", Principal: { Service: role.trustService }, Action: "sts:AssumeRole" });
  }
  return { Version: "2012-10-17", Statement: statements };
}

const GetRole: IamHandler = (ctx, input) => {
  const name = input.str("RoleName");
  if (!name) return fail("ValidationError", "1 validation error detected: RoleName is required");
  const role = ctx.world.accounts.get(ctx.account)?.roles.get(name);
  if (!role) return fail("NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
  return ok({
    Role: {
      Path: "/",
      RoleName: role.name,
      RoleId: `AROA${upperIdFrom(17, "role", role.arn)}`,
      Arn: role.arn,
      CreateDate: new Date(ctx.world.seed.startTime ?? "2026-01-01T00:00:00Z"),
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trustPolicy(role))),
      MaxSessionDuration: role.maxSessionDurationSeconds,
    },
  });
};

export const iamActions: Record<string, IamHandler> = { GetRole };
