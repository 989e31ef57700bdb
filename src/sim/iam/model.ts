import type { PolicyDocument } from "./policy.js";

/** An IAM user of the seed: its identity policies (absent = none given, see enforce.ts, policiesOf). */
export interface IamUser {
  name: string;
  arn: string;
  policies?: PolicyDocument[];
}

/** A request (or one key of DeleteObjects) refused by identity-policy enforcement, for tests to read. */
export interface IamDenial {
  /** Service and API action as in stats, e.g. "s3" / "CopyObject". */
  service: string;
  apiAction: string;
  /** The IAM action and resource that were not allowed (for no-mapping: the API action, resource ""). */
  action: string;
  resource: string;
  principal: string;
  reason: "implicitDeny" | "explicitDeny" | "noMapping";
  /** The Sid of the Deny statement, for explicitDeny. */
  sid?: string;
  requestId: string;
}

/** How many denials the world keeps (the most recent). */
export const DENIAL_LOG_SIZE = 100;

/** Distinct allowed checks kept (a bucket of a million objects is a million object ARNs: the rest are not kept). */
export const IAM_ALLOWED_MAX = 500_000;

/** One check an identity policy allowed. */
export interface IamAllowed {
  principal: string;
  action: string;
  resource: string;
}
