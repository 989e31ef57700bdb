import { assumeRole } from "../identity.js";
import { fail, ok } from "../outcome.js";
import type { QueryInput } from "../protocol/query.js";
import type { Handler } from "../protocol/types.js";

type StsHandler = Handler<QueryInput>;

const GetCallerIdentity: StsHandler = (ctx) =>
  ok({ UserId: ctx.principal.userId, Account: ctx.principal.account, Arn: ctx.principal.arn });

const AssumeRole: StsHandler = (ctx, input) => {
  const roleArn = input.str("RoleArn");
  const sessionName = input.str("RoleSessionName");
  if (!roleArn || !sessionName) {
    return fail("ValidationError", "1 validation error detected: RoleArn and RoleSessionName are required");
  }
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    return fail("ValidationError", `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`);
  }
  const duration = input.num("DurationSeconds") ?? 3600;
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
    return fail("ValidationError", `Value '${duration}' at 'durationSeconds' failed to satisfy constraint`);
  }
  const result = assumeRole(
    ctx.world,
    ctx.principal,
    { roleArn, sessionName, externalId: input.str("ExternalId"), durationSeconds: duration },
    ctx.now,
    ctx.realNow,
  );
  if (!result.ok) return fail(result.code, result.reason, result.code === "AccessDenied" ? 403 : 400);
  return ok({
    Credentials: {
      AccessKeyId: result.accessKeyId,
      SecretAccessKey: result.secretAccessKey,
      SessionToken: result.sessionToken,
      Expiration: new Date(result.expiration),
    },
    AssumedRoleUser: { AssumedRoleId: result.principal.userId, Arn: result.principal.arn },
  });
};

export const stsActions: Record<string, StsHandler> = { GetCallerIdentity, AssumeRole };
