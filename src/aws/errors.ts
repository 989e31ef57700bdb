/**
 * The one place that classifies AWS errors. The SDK's JavaScript `name` and the wire `Code` can differ
 * (wire `DBSnapshotNotFound` arrives as `name === "DBSnapshotNotFoundFault"`), so both are looked up,
 * after dropping a trailing "Fault" / "Exception", then the HTTP status, then network error codes.
 */
import { HikkoshiError } from "../core/errors.js";
import {
  type AwsErrorCategory,
  BROKEN_CONNECTION_CODES,
  CODES_BY_CATEGORY,
  CREDENTIALS_EXPIRED_CODES,
  EC2_SUFFIX_CATEGORY,
  NETWORK_CODES,
  STATUS_CATEGORY,
  THROTTLING_CODES,
  UNREACHABLE_CODES,
} from "./error-codes.js";
import { accountRootArn, CROSS_ACCOUNT_KEY_ACTIONS, iamActions } from "./permissions.js";
import type { ServiceName } from "./types.js";

export type { AwsErrorCategory } from "./error-codes.js";

function normalize(code: string): string {
  return code.replace(/(Fault|Exception)$/, "");
}

const CATEGORY_BY_CODE = new Map<string, AwsErrorCategory>(
  Object.entries(CODES_BY_CATEGORY).flatMap(([category, codes]) =>
    codes.map((code) => [normalize(code), category as AwsErrorCategory] as const),
  ),
);

/** The fields of an SDK error we read; every one may be missing on a non-AWS error. */
interface RawAwsError {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export interface AwsErrorFacts {
  name: string | undefined;
  /** The wire code when the SDK exposes it, else the name. */
  code: string;
  message: string;
  httpStatus: number | undefined;
  requestId: string | undefined;
}

export function awsErrorFacts(err: unknown): AwsErrorFacts {
  const raw = (typeof err === "object" && err !== null ? err : {}) as RawAwsError;
  const name = typeof raw.name === "string" ? raw.name : undefined;
  const wire = typeof raw.Code === "string" ? raw.Code : typeof raw.code === "string" ? raw.code : undefined;
  return {
    name,
    code: wire ?? name ?? "Unknown",
    message: typeof raw.message === "string" ? raw.message : String(err),
    httpStatus: raw.$metadata?.httpStatusCode,
    requestId: raw.$metadata?.requestId,
  };
}

function byCode(code: string | undefined): AwsErrorCategory | undefined {
  if (!code) return undefined;
  const direct = CATEGORY_BY_CODE.get(normalize(code));
  if (direct) return direct;
  const dot = code.lastIndexOf(".");
  return dot > 0 ? EC2_SUFFIX_CATEGORY[code.slice(dot + 1)] : undefined;
}

/** Classify a raw SDK error (or any error) by name, wire code, status and network code, in that order. */
export function classifyAwsError(err: unknown): AwsErrorCategory {
  const raw = (typeof err === "object" && err !== null ? err : {}) as RawAwsError;
  const name = typeof raw.name === "string" ? raw.name : undefined;
  const fromCodes =
    byCode(name) ?? byCode(typeof raw.Code === "string" ? raw.Code : undefined) ?? byCode(stringOr(raw.code));
  if (fromCodes) return fromCodes;
  if (raw.$retryable) return "retryable";
  const status = raw.$metadata?.httpStatusCode;
  if (status !== undefined) return STATUS_CATEGORY[status] ?? (status >= 500 ? "retryable" : "fatal");
  if (NETWORK_CODES.includes(stringOr(raw.code) ?? "")) return "retryable";
  return "fatal";
}

function stringOr(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export interface AwsErrorContext {
  /** API operation, e.g. "CopyDBSnapshot". */
  action: string;
  alias: string;
  accountId: string;
  resource?: string;
  service?: ServiceName;
  region?: string;
  callerArn?: string;
  /** The KMS key involved, when known (for the key-policy hint). */
  kmsKeyId?: string;
  /** Where the account's credentials come from and how to renew them (credentials.ts `renewAdvice`). */
  renew?: string;
}

/** A classified AWS failure. `cause` is the SDK error; `awsName` / `awsCode` stay reachable. */
export class AwsError extends HikkoshiError {
  readonly category: AwsErrorCategory;
  readonly awsName: string | undefined;
  readonly awsCode: string;
  readonly awsMessage: string;
  readonly httpStatus: number | undefined;
  readonly action: string;
  readonly alias: string;
  readonly accountId: string;

  constructor(
    category: AwsErrorCategory,
    facts: AwsErrorFacts,
    context: AwsErrorContext,
    details: { hint: string; cause: unknown },
  ) {
    const where = `${context.alias} (${context.accountId})`;
    const on = context.resource ? ` on ${context.resource}` : "";
    super(
      `AWS_${category.toUpperCase().replace(/-/g, "_")}`,
      `${context.action}${on} in ${where} failed: ${facts.code}: ${facts.message}`,
      { hint: details.hint, resource: context.resource, cause: details.cause },
    );
    this.category = category;
    this.awsName = facts.name;
    this.awsCode = facts.code;
    this.awsMessage = facts.message;
    this.httpStatus = facts.httpStatus;
    this.action = context.action;
    this.alias = context.alias;
    this.accountId = context.accountId;
  }
}

function isKmsProblem(facts: AwsErrorFacts, context: AwsErrorContext): boolean {
  return (
    context.service === "kms" ||
    context.kmsKeyId !== undefined ||
    normalize(facts.code) === "KMSKeyNotAccessible" ||
    normalize(facts.name ?? "") === "KMSKeyNotAccessible"
  );
}

function keyPolicyHint(context: AwsErrorContext): string {
  const key = context.kmsKeyId ?? (context.service === "kms" ? context.resource : undefined) ?? "the KMS key";
  const principal = accountRootArn(context.accountId, context.region ?? "");
  return (
    ` If ${key} belongs to another account, its key policy must contain a statement allowing ` +
    `{"Principal": {"AWS": "${principal}"}, "Action": ${JSON.stringify(CROSS_ACCOUNT_KEY_ACTIONS)}} ` +
    `(kms.create-key with allowAccounts writes it), and IAM in ${context.alias} must allow the same actions on the key ARN.`
  );
}

type HintBuilder = (facts: AwsErrorFacts, context: AwsErrorContext) => string;

const CATEGORY_HINTS: Record<AwsErrorCategory, HintBuilder> = {
  retryable: (_f, c) =>
    `AWS throttled or failed transiently and the retries (the SDK's, then hikkoshi's) ran out for ${c.action} in ${c.alias}; resume the run (hikkoshi resume) in a moment.`,
  "no-answer": (_f, c) =>
    `${c.service ?? "the service"} did not answer ${c.action} for ${c.alias} in time: check the endpoint (--endpoint / endpoint: / AWS_ENDPOINT_URL) and the network; if calls are legitimately slow, raise HIKKOSHI_REQUEST_TIMEOUT_MS / HIKKOSHI_CONNECT_TIMEOUT_MS.`,
  "already-exists": (_f, c) =>
    `${c.resource ?? "The resource"} already exists in ${c.alias} (${c.accountId}); hikkoshi adopts it only when its tags show it is ours — otherwise choose another name or remove it.`,
  "not-found": (_f, c) =>
    `${c.resource ?? "The resource"} was not found in ${c.alias} (${c.accountId}${c.region ? `, ${c.region}` : ""}); check the identifier, the account and the region.`,
  "access-denied": (f, c) => {
    const who = c.callerArn ? ` for ${c.callerArn}` : "";
    const what = c.service ? iamActions(c.service, c.action).join(", ") : `the permission for ${c.action}`;
    const base = `Allow ${what || "the call"} on ${c.resource ?? "the resource"}${who} in account ${c.alias} (${c.accountId}).`;
    return isKmsProblem(f, c) ? base + keyPolicyHint(c) : base;
  },
  "credentials-expired": (_f, c) =>
    `The credentials of ${c.alias} (${c.accountId}) expired and could not be renewed: ${c.renew ?? "renew them (e.g. aws sso login)"}; then resume the run (hikkoshi resume): nothing was lost.`,
  precondition: (_f, c) =>
    `${c.resource ?? "The resource"} is not in a state that allows ${c.action} in ${c.alias}; see the message, fix the state and resume.`,
  fatal: (_f, c) => `${c.action} in ${c.alias} was rejected; this is not transient — check the step's parameters.`,
};

/** Extra advice for codes an operator meets in hikkoshi's flows (normalised codes). */
const CODE_HINTS: Record<string, HintBuilder> = {
  SharedSnapshotQuotaExceeded: () => " A manual snapshot can be shared with at most 20 accounts.",
  InvalidDBSnapshotState: () => " Wait until the snapshot is available (rds.wait-snapshot).",
  InvalidDBClusterSnapshotState: () => " Wait until the cluster snapshot is available (rds.wait-snapshot).",
  SnapshotQuotaExceeded: (_f, c) => ` Delete old manual snapshots in ${c.alias} or raise the quota.`,
  KMSInvalidState: () => " The key is disabled or pending deletion: enable it (or CancelKeyDeletion) and resume.",
  Disabled: () => " The key is disabled: enable it and resume.",
  KMSKeyNotAccessible: () => " RDS could not use the KMS key.",
};

/** Wrap an AWS error into an AwsError (a HikkoshiError) with code AWS_<CATEGORY> and a useful hint. */
export function toHikkoshiError(err: unknown, context: AwsErrorContext): AwsError {
  if (err instanceof AwsError) return err;
  const facts = awsErrorFacts(err);
  const category = classifyAwsError(err);
  const extra = CODE_HINTS[normalize(facts.code)] ?? CODE_HINTS[normalize(facts.name ?? "")];
  const hint = CATEGORY_HINTS[category](facts, context) + (extra ? extra(facts, context) : "");
  return new AwsError(category, facts, context, { hint, cause: err });
}

/** The category of a raw SDK error or of a wrapped one (anywhere in the `cause` chain). */
export function awsCategory(err: unknown): AwsErrorCategory {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof AwsError) return current.category;
    if (!(current instanceof HikkoshiError)) break;
    current = current.cause;
  }
  return classifyAwsError(current);
}

/** The AwsError in a chain of wrappers (a step's HikkoshiError keeps it as `cause`), if any. */
export function awsErrorOf(err: unknown): AwsError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current instanceof AwsError) return current;
    current = current.cause;
  }
  return undefined;
}

/** The credentials ran out and could not be renewed (raw or wrapped): park the run, do not fail the task. */
export function isCredentialsExpired(err: unknown): boolean {
  return awsCategory(err) === "credentials-expired";
}

/**
 * AWS refused a request because the credentials that signed it expired (a raw SDK error): renewing them
 * and sending the request again is safe, AWS acted on nothing.
 */
export function isExpiredCredentialsAnswer(err: unknown): boolean {
  const raw = (typeof err === "object" && err !== null ? err : {}) as RawAwsError;
  return [stringOr(raw.name), stringOr(raw.Code)].some(
    (c) => c !== undefined && CREDENTIALS_EXPIRED_CODES.includes(normalize(c)),
  );
}

/** The SDK error name of a raw or wrapped error (e.g. "DBSnapshotNotFoundFault"). */
export function awsErrorName(err: unknown): string | undefined {
  if (err instanceof AwsError) return err.awsName;
  return awsErrorFacts(err).name;
}

/**
 * Why an error is worth trying again a little later, or undefined when it is not:
 * - throttled: AWS said slow down (throttling codes, HTTP 429);
 * - server: a 5xx or another code AWS documents as transient (InternalFailure, ServiceUnavailable…);
 * - connection: the connection broke under the call (ECONNRESET / socket hang up, EPIPE);
 * - unreachable: nothing answers at that address (ECONNREFUSED, ENOTFOUND);
 * - no-answer: no connection or no answer within the configured timeouts (EndpointTimeout, TimeoutError).
 * Wrappers are seen through: an AwsError, or a step's HikkoshiError that keeps the AWS error as `cause`.
 */
export type TransientKind = "throttled" | "server" | "connection" | "unreachable" | "no-answer";

export function transientKind(err: unknown): TransientKind | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6; depth++) {
    // AwsError and a step's own error are verdicts about the cause: classify the innermost one.
    if (current instanceof HikkoshiError && current.cause !== undefined) {
      current = current.cause;
      continue;
    }
    return rawTransientKind(current);
  }
  return undefined;
}

export function isTransient(err: unknown): boolean {
  return transientKind(err) !== undefined;
}

function rawTransientKind(err: unknown): TransientKind | undefined {
  const category = classifyAwsError(err);
  if (category === "no-answer") return "no-answer";
  if (category !== "retryable") return undefined;
  const raw = (typeof err === "object" && err !== null ? err : {}) as RawAwsError;
  const codes = [stringOr(raw.name), stringOr(raw.Code), stringOr(raw.code)].filter((c) => c !== undefined);
  const normalized = codes.map(normalize);
  if (raw.$metadata?.httpStatusCode === 429 || THROTTLING_CODES.some((c) => normalized.includes(c))) return "throttled";
  if (codes.some((c) => UNREACHABLE_CODES.includes(c))) return "unreachable";
  if (codes.some((c) => BROKEN_CONNECTION_CODES.includes(c))) return "connection";
  if (codes.includes("TimeoutError") || codes.includes("ETIMEDOUT")) return "no-answer";
  return "server";
}
