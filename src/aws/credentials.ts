/**
 * One credential set per account, shared by all its clients, renewed through the SDK provider it came
 * from: before it ends (the SDK's own rule: within 5 minutes of `expiration`, on this machine's clock), and
 * when AWS answers that it already ended (`renew`, after ExpiredToken: AWS's clock decides, and a clock
 * that drifts, or a simulator's virtual one, must not strand a run). What a provider cannot renew becomes a
 * CredentialsRefreshError: the run parks, resumable, with the way to log in again.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { awsErrorFacts, transientKind } from "./errors.js";

/** The SDK's window (@smithy/core memoizeIdentityProvider EXPIRATION_MS): renew this long before the end. */
export const RENEW_BEFORE_MS = 300_000;

/**
 * A provider failed for a reason hikkoshi cannot wait out (an SSO session that ended, an AssumeRole the
 * source credentials may no longer make). Keeps the provider's code and message for the operator.
 */
export class CredentialsRefreshError extends Error {
  override readonly name = "CredentialsRefreshFailed";
  /** The provider's code (CredentialsProviderError, ExpiredToken, AccessDenied…), shown as the AWS code. */
  readonly Code: string;

  constructor(cause: unknown) {
    const facts = awsErrorFacts(cause);
    super(facts.message, { cause });
    this.Code = facts.code;
  }
}

export interface AccountCredentials {
  /** What the account's SDK clients sign with; marked memoized, so the SDK adds no cache of its own. */
  readonly provider: AwsCredentialIdentityProvider;
  /** Counts the sets fetched: a renewal asked for an older set than the current one is not needed. */
  readonly generation: number;
  /** Fetch a new set unless one newer than generation `seen` exists. Throws CredentialsRefreshError. */
  renew(seen: number): Promise<void>;
}

type ProviderOptions = Parameters<AwsCredentialIdentityProvider>[0];

export function renewingCredentials(source: AwsCredentialIdentityProvider, now = Date.now): AccountCredentials {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  let generation = 0;
  // The SDK passes its client's config (region, logger…); a renewal outside a request reuses the last.
  let lastOptions: ProviderOptions;

  const fetch = (options: ProviderOptions): Promise<AwsCredentialIdentity> => {
    pending ??= (async () => {
      try {
        const fresh = await source(options);
        current = fresh;
        generation += 1;
        return fresh;
      } catch (err) {
        // A blip on the way (throttled STS, a reset connection) is the task retry's to wait out.
        throw transientKind(err) !== undefined ? err : new CredentialsRefreshError(err);
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  const endsSoon = (c: AwsCredentialIdentity) =>
    c.expiration !== undefined && c.expiration.getTime() - now() < RENEW_BEFORE_MS;

  const provider: AwsCredentialIdentityProvider = async (options) => {
    lastOptions = options;
    if (pending) return pending;
    if (current && !endsSoon(current)) return current;
    return fetch(options);
  };
  Object.assign(provider, { memoized: true });

  return {
    provider,
    get generation() {
      return generation;
    },
    renew: async (seen) => {
      if (pending) {
        await pending;
        return;
      }
      if (generation !== seen) return;
      await fetch(lastOptions);
    },
  };
}
