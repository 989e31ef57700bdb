import { DBSnapshotNotFoundFault } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import {
  AwsError,
  type AwsErrorCategory,
  awsCategory,
  awsErrorName,
  classifyAwsError,
  toHikkoshiError,
} from "../../src/aws/errors.js";
import { HikkoshiError } from "../../src/core/errors.js";

const sdk = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...extra });
const status = (code: number) => ({ $metadata: { httpStatusCode: code } });

const TABLE: Array<[string, unknown, AwsErrorCategory]> = [
  [
    "SDK name with Fault suffix",
    sdk("DBSnapshotNotFoundFault", { Code: "DBSnapshotNotFound", ...status(404) }),
    "not-found",
  ],
  [
    "wire code only (unknown SDK name)",
    sdk("RDSServiceException", { Code: "DBSnapshotAlreadyExists", ...status(400) }),
    "already-exists",
  ],
  ["cluster snapshot already exists", sdk("DBClusterSnapshotAlreadyExistsFault"), "already-exists"],
  ["KMS alias exists", sdk("AlreadyExistsException"), "already-exists"],
  ["KMS key missing", sdk("NotFoundException", status(400)), "not-found"],
  ["EC2 dotted code", sdk("InvalidSnapshot.NotFound", status(400)), "not-found"],
  ["EC2 deregistered AMI", sdk("InvalidAMIID.Unavailable", status(400)), "not-found"],
  ["EC2 duplicate", sdk("InvalidGroup.Duplicate", status(400)), "already-exists"],
  ["S3 bucket owned by you", sdk("BucketAlreadyOwnedByYou", status(409)), "already-exists"],
  ["S3 name taken by someone else", sdk("BucketAlreadyExists", status(409)), "precondition"],
  ["throttling", sdk("ThrottlingException", status(400)), "retryable"],
  ["S3 OperationAborted (name not free yet)", sdk("OperationAborted", status(409)), "retryable"],
  ["$retryable flag", sdk("Weird", { $retryable: {}, ...status(400) }), "retryable"],
  ["503 with unknown code", sdk("Unknown", status(503)), "retryable"],
  ["network reset", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "retryable"],
  ["KMS access denied", sdk("AccessDeniedException", status(400)), "access-denied"],
  ["RDS cannot use the key", sdk("KMSKeyNotAccessibleFault", status(400)), "access-denied"],
  ["EC2 unauthorized", sdk("UnauthorizedOperation", status(403)), "access-denied"],
  ["403 with unknown code", sdk("Mystery", status(403)), "access-denied"],
  ["expired token (JSON protocols)", sdk("ExpiredTokenException", status(400)), "credentials-expired"],
  [
    "expired token (query protocols, S3)",
    sdk("STSServiceException", { Code: "ExpiredToken", ...status(403) }),
    "credentials-expired",
  ],
  ["EC2's expired credentials", sdk("RequestExpired", status(400)), "credentials-expired"],
  ["no credentials", sdk("CredentialsProviderError"), "credentials-expired"],
  ["a provider that could not renew", sdk("CredentialsRefreshFailed", { Code: "AccessDenied" }), "credentials-expired"],
  ["snapshot not available", sdk("InvalidDBSnapshotStateFault", { Code: "InvalidDBSnapshotState" }), "precondition"],
  ["share quota", sdk("SharedSnapshotQuotaExceededFault", { Code: "SharedSnapshotQuotaExceeded" }), "precondition"],
  ["KMS key disabled", sdk("DisabledException"), "precondition"],
  ["bad parameter", sdk("InvalidParameterValue", status(400)), "fatal"],
  ["unknown 400", sdk("Nope", status(400)), "fatal"],
  ["plain TypeError", new TypeError("x is undefined"), "fatal"],
  ["not even an error", "boom", "fatal"],
];

describe("AWS error classification", () => {
  it.each(TABLE)("%s", (_label, err, category) => {
    expect(classifyAwsError(err)).toBe(category);
    expect(awsCategory(err)).toBe(category);
  });

  it("classifies a real SDK exception class by its name", () => {
    const err = new DBSnapshotNotFoundFault({ message: "missing", $metadata: { httpStatusCode: 404 } });
    expect(err.name).toBe("DBSnapshotNotFoundFault");
    expect(classifyAwsError(err)).toBe("not-found");
  });

  it("wraps into AWS_<CATEGORY> keeping cause, SDK name and wire code reachable", () => {
    const raw = sdk("DBSnapshotNotFoundFault", { Code: "DBSnapshotNotFound", ...status(404) });
    const wrapped = toHikkoshiError(raw, {
      action: "CopyDBSnapshot",
      alias: "target",
      accountId: "222222222222",
      resource: "arn:aws:rds:ap-northeast-1:111111111111:snapshot:x",
      service: "rds",
    });
    expect(wrapped).toBeInstanceOf(HikkoshiError);
    expect(wrapped.code).toBe("AWS_NOT_FOUND");
    expect(wrapped.cause).toBe(raw);
    expect(wrapped.awsName).toBe("DBSnapshotNotFoundFault");
    expect(wrapped.awsCode).toBe("DBSnapshotNotFound");
    expect(wrapped.message).toContain("CopyDBSnapshot");
    expect(wrapped.message).toContain("222222222222");
    expect(awsCategory(wrapped)).toBe("not-found");
    expect(awsErrorName(wrapped)).toBe("DBSnapshotNotFoundFault");
    // A HikkoshiError wrapping a wrapped error still answers.
    expect(awsCategory(new HikkoshiError("X", "y", { cause: wrapped }))).toBe("not-found");
    expect(toHikkoshiError(wrapped, { action: "x", alias: "y", accountId: "z" })).toBe(wrapped);
  });

  it("says which permission, in which account, on which resource", () => {
    const wrapped = toHikkoshiError(sdk("AccessDenied", status(403)), {
      action: "CopyDBSnapshot",
      alias: "source",
      accountId: "111111111111",
      resource: "hk-run-db-reencrypt",
      service: "rds",
      callerArn: "arn:aws:iam::111111111111:user/ops",
    });
    expect(wrapped.code).toBe("AWS_ACCESS_DENIED");
    expect(wrapped.hint).toContain("rds:CopyDBSnapshot");
    expect(wrapped.hint).toContain("111111111111");
    expect(wrapped.hint).toContain("hk-run-db-reencrypt");
    expect(wrapped.hint).toContain("arn:aws:iam::111111111111:user/ops");
    expect(wrapped.resource).toBe("hk-run-db-reencrypt");
  });

  it("tells what the key policy must contain for KMS access problems", () => {
    const wrapped = toHikkoshiError(sdk("KMSKeyNotAccessibleFault", { Code: "KMSKeyNotAccessibleFault" }), {
      action: "CopyDBSnapshot",
      alias: "target",
      accountId: "222222222222",
      service: "rds",
      kmsKeyId: "arn:aws:kms:ap-northeast-1:111111111111:key/abc",
    });
    expect(wrapped.code).toBe("AWS_ACCESS_DENIED");
    expect(wrapped.hint).toContain("key policy");
    expect(wrapped.hint).toContain("arn:aws:iam::222222222222:root");
    expect(wrapped.hint).toContain("kms:CreateGrant");
    expect(wrapped.hint).toContain("arn:aws:kms:ap-northeast-1:111111111111:key/abc");
  });

  it("wraps only once and is an AwsError", () => {
    const wrapped = toHikkoshiError(sdk("ThrottlingException"), { action: "DescribeKey", alias: "a", accountId: "1" });
    expect(wrapped).toBeInstanceOf(AwsError);
    expect(wrapped.code).toBe("AWS_RETRYABLE");
  });
});
