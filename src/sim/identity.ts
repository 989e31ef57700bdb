import { digest, upperIdFrom } from "./ids.js";
import type { Principal, TempCredentials, World } from "./world.js";

/** `AKSIM` + a 12-digit account id: any secret, principal `arn:aws:iam::<account>:user/sim-user`. */
const CONVENTION = /^AKSIM(\d{12})$/;

export function userPrincipal(account: string, user = "sim-user"): Principal {
  return {
    account,
    arn: `arn:aws:iam::${account}:user/${user}`,
    userId: `AIDA${upperIdFrom(17, "user", account, user)}`,
  };
}

/** Who holds this access key id, or undefined (the service answers InvalidClientTokenId). */
export function principalForKey(world: World, accessKeyId: string): Principal | undefined {
  const session = world.sessions.get(accessKeyId);
  if (session) return session.principal;
  const declared = world.accessKeys.get(accessKeyId);
  if (declared) return declared;
  const match = CONVENTION.exec(accessKeyId);
  return match ? userPrincipal(match[1]!) : undefined;
}

export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  durationSeconds: number;
}

export type AssumeRoleResult =
  | ({ ok: true } & TempCredentials)
  | { ok: false; code: "AccessDenied" | "ValidationError"; reason: string };

/** Role chaining (a role session assuming a role) is capped at one hour, whatever the role allows. */
export const CHAINED_SESSION_MAX_SECONDS = 3600;

/**
 * The session that signed with this access key ended (virtual time), when the world enforces it; undefined
 * for live sessions and for keys that are not sessions.
 */
export function expiredSession(world: World, accessKeyId: string, now: number): TempCredentials | undefined {
  if (!world.seed.enforceSessionExpiry) return undefined;
  const session = world.sessions.get(accessKeyId);
  return session && now >= session.endsAt ? session : undefined;
}

/**
 * A role may be assumed when its trust names the caller's account (id or root ARN) and, if the role
 * requires an external id, the caller gives the same one. Sessions live in the simulator's memory.
 */
export function assumeRole(
  world: World,
  caller: Principal,
  request: AssumeRoleRequest,
  now: number,
  realNow: number,
): AssumeRoleResult {
  const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(request.roleArn);
  const denied = {
    ok: false as const,
    code: "AccessDenied" as const,
    reason: `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${request.roleArn}`,
  };
  if (!match) return denied;
  const [, account, roleName] = match as unknown as [string, string, string];
  const role = world.accounts.get(account)?.roles.get(roleName);
  if (!role) return denied;
  const trusted = role.trust.some(
    (t) => t === "*" || t === caller.account || t === `arn:aws:iam::${caller.account}:root` || t === caller.arn,
  );
  if (!trusted) return denied;
  if (role.externalId !== undefined && role.externalId !== request.externalId) return denied;
  // AssumeRole API reference, DurationSeconds: more than the role's maximum, or more than an hour when
  // chaining, fails (it is not shortened).
  if (caller.roleArn !== undefined && request.durationSeconds > CHAINED_SESSION_MAX_SECONDS) {
    const reason = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.";
    return { ok: false, code: "ValidationError", reason };
  }
  if (request.durationSeconds > role.maxSessionDurationSeconds) {
    const reason = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.";
    return { ok: false, code: "ValidationError", reason };
  }

  world.sessionCounter += 1;
  const n = world.sessionCounter;
  const roleId = `AROA${upperIdFrom(17, "role", account, roleName)}`;
  const principal: Principal = {
    account,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${request.sessionName}`,
    userId: `${roleId}:${request.sessionName}`,
    roleArn: role.arn,
  };
  const creds: TempCredentials = {
    accessKeyId: `ASIASIM${upperIdFrom(13, "session", n, account, roleName)}`,
    secretAccessKey: digest("secret", n, account).slice(0, 40),
    sessionToken: `SIMTOKEN${digest("token", n, account)}`,
    // The SDK renews credentials against the real clock: never hand out an expiry in the real past (a seed
    // may start virtual time in the past). The session itself ends on the virtual clock (`endsAt`).
    expiration: Math.max(now, realNow) + request.durationSeconds * 1000,
    endsAt: now + request.durationSeconds * 1000,
    principal,
  };
  world.sessions.set(creds.accessKeyId, creds);
  return { ok: true, ...creds };
}
