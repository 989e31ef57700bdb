/**
 * One SDK v3 client per account alias and service, created lazily. Credentials come from the SDK
 * credential providers, one renewing set per account shared by its clients (./credentials.ts); nothing
 * outlives the process.
 */
import { userInfo } from "node:os";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { S3Client } from "@aws-sdk/client-s3";
import type { S3ControlClient } from "@aws-sdk/client-s3-control";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { STSClient } from "@aws-sdk/client-sts";
import type { AuthScheme, AwsCredentialIdentityProvider, EndpointV2 } from "@smithy/types";
import { HikkoshiError } from "../core/errors.js";
import type { AccountSpec } from "../runbook/types.js";
import { type AccountCredentials, renewingCredentials } from "./credentials.js";
import { credentialProviders, dynamodb, ec2, elasticache, iam, kms, rds, s3, s3control, sns, sts } from "./sdk.js";
import { TimedHttpHandler, type TimeoutSettings, timeoutsFromEnv } from "./timeouts.js";
import type { ServiceName } from "./types.js";

export interface ServiceClients {
  sts: STSClient;
  /** Read-only use: plan checks roles hikkoshi is given (it never creates IAM resources). */
  iam: IAMClient;
  kms: KMSClient;
  rds: RDSClient;
  ec2: EC2Client;
  s3: S3Client;
  s3control: S3ControlClient;
  /** `run --notify sns:<topic>`: the operator's messages, through the account that owns the topic. */
  sns: SNSClient;
  dynamodb: DynamoDBClient;
  elasticache: ElastiCacheClient;
}

export interface CallerIdentity {
  accountId: string;
  arn: string;
  userId: string;
}

export interface AwsSessionOptions {
  /** Endpoint for every account without its own (CLI `--endpoint` or the runbook's top-level `endpoint`). */
  endpoint?: string;
  /** Used for the default assume-role session name "hikkoshi-<runbook>". */
  runbookName?: string;
  /** Total attempts of the SDK's standard retry strategy (default: the SDK's, or AWS_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Connection / request timeouts of every client (default: HIKKOSHI_*_TIMEOUT_MS, else DEFAULT_TIMEOUTS). */
  timeouts?: Partial<TimeoutSettings>;
}

export interface AwsSession {
  readonly accounts: Readonly<Record<string, AccountSpec>>;
  account(alias: string): AccountSpec;
  /** `region`: another region than the account's (an SNS topic elsewhere); default the account's. */
  client<S extends ServiceName>(alias: string, service: S, region?: string): ServiceClients[S];
  /** STS GetCallerIdentity, memoised per alias for the life of the session. */
  identity(alias: string): Promise<CallerIdentity>;
  /** The account's credential set, shared by its clients: renewed through its provider (credentials.ts). */
  credentials(alias: string): AccountCredentials;
  destroy(): void;
}

/** How the SDK names each service in `AWS_ENDPOINT_URL_<SERVICE>`. */
const ENDPOINT_ENV_SUFFIX: Record<ServiceName, string> = {
  sts: "STS",
  iam: "IAM",
  kms: "KMS",
  rds: "RDS",
  ec2: "EC2",
  s3: "S3",
  s3control: "S3_CONTROL",
  sns: "SNS",
  dynamodb: "DYNAMODB",
  elasticache: "ELASTICACHE",
};

export type EndpointSource = "account" | "session" | "environment";

/**
 * Where requests for this account and service go, by precedence: the account's `endpoint`, the
 * session's (`--endpoint` / runbook), then the SDK's own `AWS_ENDPOINT_URL[_<SERVICE>]`.
 */
export function resolveEndpoint(
  account: AccountSpec,
  service: ServiceName,
  options: AwsSessionOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): { url: string; source: EndpointSource } | undefined {
  if (account.endpoint) return { url: account.endpoint, source: "account" };
  if (options.endpoint) return { url: options.endpoint, source: "session" };
  const fromEnv = env[`AWS_ENDPOINT_URL_${ENDPOINT_ENV_SUFFIX[service]}`] ?? env.AWS_ENDPOINT_URL;
  return fromEnv ? { url: fromEnv, source: "environment" } : undefined;
}

export function defaultSessionName(account: AccountSpec, options: AwsSessionOptions): string {
  if (account.sessionName) return account.sessionName;
  let who = options.runbookName;
  if (!who) {
    try {
      who = userInfo().username;
    } catch {
      who = "run";
    }
  }
  // RoleSessionName: 2–64 characters of [\w+=,.@-].
  return `hikkoshi-${who}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
}

function timeoutsOf(options: AwsSessionOptions): TimeoutSettings {
  return { ...timeoutsFromEnv(), ...options.timeouts };
}

/** A handler per client: the credential providers' own STS / SSO clients get the same timeouts. */
function requestHandler(service: ServiceName, options: AwsSessionOptions) {
  return new TimedHttpHandler(service, timeoutsOf(options));
}

function credentialsFor(account: AccountSpec, options: AwsSessionOptions): AwsCredentialIdentityProvider {
  if (account.profile)
    return credentialProviders.fromIni({
      profile: account.profile,
      clientConfig: { requestHandler: requestHandler("sts", options) },
    });
  if (account.roleArn) {
    const endpoint = resolveEndpoint(account, "sts", options);
    return credentialProviders.fromTemporaryCredentials({
      params: {
        RoleArn: account.roleArn,
        RoleSessionName: defaultSessionName(account, options),
        ...(account.externalId ? { ExternalId: account.externalId } : {}),
      },
      clientConfig: {
        region: account.region,
        requestHandler: requestHandler("sts", options),
        ...(endpoint && endpoint.source !== "environment" ? { endpoint: endpoint.url } : {}),
      },
    });
  }
  return credentialProviders.fromNodeProviderChain({
    clientConfig: { requestHandler: requestHandler("sts", options) },
  });
}

/**
 * S3 Control puts the account id into the host name, which breaks any custom endpoint (AWS-FACTS): an
 * endpoint provider that returns the URL as is keeps the account id in the `x-amz-account-id` header.
 */
function fixedEndpointProvider(url: string, region: string): () => EndpointV2 {
  // Same shape the S3 Control endpoint rules return (S3 signs with disableDoubleEncoding).
  const authScheme = { name: "sigv4", signingName: "s3", signingRegion: region, disableDoubleEncoding: true };
  const properties = { authSchemes: [authScheme as unknown as AuthScheme] } as EndpointV2["properties"];
  return () => ({ url: new URL(url), ...(properties ? { properties } : {}) });
}

const CONSTRUCTORS: { [S in ServiceName]: () => new (config: any) => ServiceClients[S] } = {
  sts: () => sts.STSClient,
  iam: () => iam.IAMClient,
  kms: () => kms.KMSClient,
  rds: () => rds.RDSClient,
  ec2: () => ec2.EC2Client,
  s3: () => s3.S3Client,
  s3control: () => s3control.S3ControlClient,
  sns: () => sns.SNSClient,
  dynamodb: () => dynamodb.DynamoDBClient,
  elasticache: () => elasticache.ElastiCacheClient,
};

export function clientConfig(
  account: AccountSpec,
  service: ServiceName,
  options: AwsSessionOptions,
  credentials: AwsCredentialIdentityProvider = credentialsFor(account, options),
) {
  const endpoint = resolveEndpoint(account, service, options);
  const config: Record<string, unknown> = {
    region: account.region,
    credentials,
    retryMode: "standard",
    requestHandler: requestHandler(service, options),
  };
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  // The SDK reads AWS_ENDPOINT_URL* itself; only explicit endpoints are passed in.
  if (endpoint && endpoint.source !== "environment") config.endpoint = endpoint.url;
  if (endpoint && service === "s3") config.forcePathStyle = true;
  if (endpoint && service === "s3control") {
    config.endpointProvider = fixedEndpointProvider(endpoint.url, account.region);
    delete config.endpoint;
  }
  return config;
}

export function createAwsSession(accounts: Record<string, AccountSpec>, given: AwsSessionOptions = {}): AwsSession {
  // Read (and checked) once: a bad HIKKOSHI_*_TIMEOUT_MS is a usage error before any call.
  const options: AwsSessionOptions = { ...given, timeouts: timeoutsOf(given) };
  const clients = new Map<string, ServiceClients[ServiceName]>();
  const identities = new Map<string, Promise<CallerIdentity>>();
  const credentialSets = new Map<string, AccountCredentials>();

  const account = (alias: string): AccountSpec => {
    const spec = accounts[alias];
    if (!spec) {
      throw new HikkoshiError("UNKNOWN_ACCOUNT", `no account "${alias}" in this runbook`, {
        hint: `declare it under accounts: (known: ${Object.keys(accounts).join(", ") || "none"})`,
      });
    }
    return spec;
  };

  const credentials = (alias: string): AccountCredentials => {
    let set = credentialSets.get(alias);
    if (!set) {
      set = renewingCredentials(credentialsFor(account(alias), options));
      credentialSets.set(alias, set);
    }
    return set;
  };

  const client = <S extends ServiceName>(alias: string, service: S, region?: string): ServiceClients[S] => {
    const key = `${alias}\u0000${service}${region === undefined ? "" : `\u0000${region}`}`;
    let existing = clients.get(key) as ServiceClients[S] | undefined;
    if (!existing) {
      const Ctor = CONSTRUCTORS[service]() as new (config: any) => ServiceClients[S];
      const spec = region === undefined ? account(alias) : { ...account(alias), region };
      existing = new Ctor(clientConfig(spec, service, options, credentials(alias).provider));
      clients.set(key, existing);
    }
    return existing;
  };

  const identity = (alias: string): Promise<CallerIdentity> => {
    let pending = identities.get(alias);
    if (!pending) {
      pending = client(alias, "sts")
        .send(new sts.GetCallerIdentityCommand({}))
        .then((out) => ({ accountId: out.Account ?? "", arn: out.Arn ?? "", userId: out.UserId ?? "" }));
      // A failure is not memoised: the operator may log in and try again in the same process.
      pending.catch(() => identities.delete(alias));
      identities.set(alias, pending);
    }
    return pending;
  };

  return {
    accounts,
    account,
    client,
    identity,
    credentials,
    destroy: () => {
      for (const c of clients.values()) c.destroy();
      clients.clear();
      identities.clear();
      credentialSets.clear();
    },
  };
}
