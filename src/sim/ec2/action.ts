/**
 * How every EC2 action runs: the account's deny list first (UnauthorizedOperation), then the action's
 * validation, then DryRun (DryRunOperation, nothing changed), then the change. An action is written as a
 * `prepare` that validates without touching the world and returns the commit to run.
 */
import { actionMatches } from "../kms/policy.js";
import { type Outcome, ok } from "../outcome.js";
import type { QueryInput } from "../protocol/query.js";
import type { CallContext, Handler } from "../protocol/types.js";
import { dryRunOk, unauthorized } from "./errors.js";

export type Output = Record<string, unknown>;
/** Validate only; the returned function makes the change and answers. */
export type Prepare = (ctx: CallContext, input: QueryInput) => Outcome<() => Output>;

export function isDenied(ctx: CallContext, iamAction: string): boolean {
  const denied = ctx.world.accounts.get(ctx.account)?.denyActions;
  return denied !== undefined && [...denied].some((pattern) => actionMatches(pattern, iamAction));
}

export function ec2Action(action: string, prepare: Prepare): Handler<QueryInput> {
  return (ctx, input) => {
    if (isDenied(ctx, `ec2:${action}`)) return unauthorized(action, ctx.principal.arn);
    const prepared = prepare(ctx, input);
    if (!prepared.ok) return prepared;
    if (input.bool("DryRun")) return dryRunOk();
    return ok(prepared.value());
  };
}

/** For reads: the answer is computed during validation, the commit only returns it. */
export const answer = (output: Output): Outcome<() => Output> => ok(() => output);
