/**
 * The account guard: before planning or running, every account the runbook names must answer
 * GetCallerIdentity with the id the runbook declares (AWS-FACTS: needs no permission).
 */
import { type Clock, systemClock } from "../core/clock.js";
import { HikkoshiError } from "../core/errors.js";
import type { RetryPolicy } from "../core/retry.js";
import type { AccountSpec } from "../runbook/types.js";
import { awsErrorFacts, transientKind } from "./errors.js";
import { retryPreflight } from "./retry.js";
import type { AwsSession, CallerIdentity } from "./session.js";

function credentialHint(spec: AccountSpec, code: string): string {
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "TimeoutError") {
    return `the STS endpoint for "${spec.alias}" did not answer: check --endpoint / endpoint: / AWS_ENDPOINT_URL and the network`;
  }
  if (spec.profile) {
    return (
      `profile "${spec.profile}" gave no usable credentials: run \`aws sso login --profile ${spec.profile}\` ` +
      `(SSO) or check [profile ${spec.profile}] in ~/.aws/config and ~/.aws/credentials`
    );
  }
  if (spec.roleArn) {
    const ext = spec.externalId ? ` with ExternalId "${spec.externalId}"` : "";
    return (
      `assuming ${spec.roleArn}${ext} failed: the base credentials (default chain: AWS_PROFILE, env keys, SSO…) ` +
      `must be allowed sts:AssumeRole on it and the role's trust policy must trust them${ext}`
    );
  }
  return (
    `no credentials for "${spec.alias}" from the default chain: set AWS_PROFILE (then \`aws sso login\` if it ` +
    `is an SSO profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or give the account a profile: or roleArn:`
  );
}

/** Silence is not a credentials problem: say which endpoint did not answer, for which accounts. */
function noAnswer(settled: PromiseSettledResult<unknown>[], aliases: string[]) {
  const silent = settled.flatMap((r, i) =>
    r.status === "rejected" && transientKind(r.reason) === "no-answer" ? [{ alias: aliases[i]!, err: r.reason }] : [],
  );
  const first = silent[0];
  if (!first) return;
  const message = first.err instanceof HikkoshiError ? first.err.message : awsErrorFacts(first.err).message;
  throw new HikkoshiError(
    "AWS_NO_ANSWER",
    `${message} (checking the credentials of ${silent.map((s) => s.alias).join(", ")})`,
    {
      hint:
        first.err instanceof HikkoshiError && first.err.hint
          ? first.err.hint
          : "check the endpoint (--endpoint, the runbook's endpoint:, AWS_ENDPOINT_URL) and the network",
      cause: first.err,
    },
  );
}

function describeSource(spec: AccountSpec): string {
  if (spec.profile) return `profile ${spec.profile}`;
  if (spec.roleArn) return `role ${spec.roleArn}`;
  return "default credential chain";
}

/**
 * GetCallerIdentity for every alias, in parallel, throttling and 5xx retried (aws/retry.ts). Throws
 * AWS_NO_ANSWER when an endpoint did not answer in time, CREDENTIALS_UNAVAILABLE when any account has
 * no working credentials, else ACCOUNT_MISMATCH naming every alias whose credentials belong elsewhere.
 */
export async function verifyAccounts(
  session: AwsSession,
  accounts: Record<string, AccountSpec>,
  options: { clock?: Clock; policy?: RetryPolicy } = {},
): Promise<Record<string, CallerIdentity>> {
  const aliases = Object.keys(accounts);
  const clock = options.clock ?? systemClock;
  const settled = await Promise.allSettled(
    aliases.map((alias) => retryPreflight(() => session.identity(alias), clock, options.policy)),
  );
  noAnswer(settled, aliases);

  const identities: Record<string, CallerIdentity> = {};
  const unavailable: string[] = [];
  const hints: string[] = [];
  const mismatches: string[] = [];
  settled.forEach((result, i) => {
    const alias = aliases[i]!;
    const spec = accounts[alias]!;
    if (result.status === "rejected") {
      const facts = awsErrorFacts(result.reason);
      unavailable.push(`${alias} (${describeSource(spec)}): ${facts.code}: ${facts.message}`);
      hints.push(`${alias}: ${credentialHint(spec, facts.code)}`);
      return;
    }
    identities[alias] = result.value;
    if (result.value.accountId !== spec.id) {
      mismatches.push(
        `${alias} is declared as ${spec.id} but the credentials belong to ${result.value.accountId} (${result.value.arn})`,
      );
    }
  });

  if (unavailable.length > 0) {
    const also = mismatches.length > 0 ? `; also: ${mismatches.join("; ")}` : "";
    throw new HikkoshiError(
      "CREDENTIALS_UNAVAILABLE",
      `no working credentials for ${unavailable.length} account(s): ${unavailable.join("; ")}${also}`,
      { hint: hints.join("\n"), cause: settled.find((r) => r.status === "rejected")?.reason },
    );
  }
  if (mismatches.length > 0) {
    throw new HikkoshiError("ACCOUNT_MISMATCH", `account guard: ${mismatches.join("; ")}`, {
      hint: "fix the account ids in the runbook or the credentials (profile / roleArn) each alias uses; hikkoshi touches nothing until they match",
    });
  }
  return identities;
}
