/**
 * The classification tables: AWS error codes (normalised: without a trailing "Fault" / "Exception")
 * per category, EC2's "<Thing>.<Problem>" suffixes, HTTP statuses, and Node network error codes.
 */
export type AwsErrorCategory =
  | "retryable"
  | "no-answer"
  | "already-exists"
  | "not-found"
  | "access-denied"
  | "credentials-expired"
  | "precondition"
  | "fatal";

/** Retryable codes that mean "slow down" (a transient error of kind "throttled"). */
export const THROTTLING_CODES = [
  "Throttling",
  "Throttled",
  "RequestLimitExceeded",
  "TooManyRequests",
  "RequestThrottled",
  "SlowDown",
  "EC2Throttled",
  "ProvisionedThroughputExceeded",
  "BandwidthLimitExceeded",
];

/**
 * What AWS answers to a request signed with credentials that expired: `ExpiredToken` (query protocols,
 * S3), `ExpiredTokenException` (JSON protocols; normalised to ExpiredToken), `RequestExpired` (EC2, which
 * also uses it for a request dated more than 15 minutes off), `TokenRefreshRequired` (S3). The request was
 * refused before it acted, so it may be signed again with renewed credentials and resent. [aws-sdk-go v1
 * aws/request/retryer.go `credsExpiredCodes`; AWS "Common errors"; S3 error responses]
 */
export const CREDENTIALS_EXPIRED_CODES = ["ExpiredToken", "RequestExpired", "TokenRefreshRequired"];

export const CODES_BY_CATEGORY: Record<AwsErrorCategory, string[]> = {
  retryable: [
    ...THROTTLING_CODES,
    "ServiceUnavailable",
    "Unavailable",
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "KMSInternal",
    "KeyUnavailable",
    "DependencyTimeout",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "PriorRequestNotComplete",
    "OperationAborted",
    "TransactionInProgress",
    "IDPCommunicationError",
    "TimeoutError",
  ],
  // The code of EndpointTimeout (./timeouts.ts): a connection or an answer that did not come in time.
  "no-answer": ["AWS_NO_ANSWER"],
  "already-exists": [
    "DBSnapshotAlreadyExists",
    "DBClusterSnapshotAlreadyExists",
    "DBInstanceAlreadyExists",
    "DBClusterAlreadyExists",
    "SnapshotAlreadyExists",
    "ServerlessCacheSnapshotAlreadyExists",
    "AlreadyExists",
    "AuthorizationAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "EntityAlreadyExists",
    "ResourceAlreadyExists",
  ],
  "not-found": [
    "DBSnapshotNotFound",
    "DBClusterSnapshotNotFound",
    "DBInstanceNotFound",
    "DBClusterNotFound",
    "DBInstanceAutomatedBackupNotFound",
    "DBClusterAutomatedBackupNotFound",
    // ElastiCache (the SDK names them with or without "Fault"; the suffix is dropped before lookup).
    "SnapshotNotFound",
    "ReplicationGroupNotFound",
    "CacheClusterNotFound",
    "ServerlessCacheNotFound",
    "ServerlessCacheSnapshotNotFound",
    // DynamoDB
    "TableNotFound",
    "ImportNotFound",
    "ExportNotFound",
    "NotFound",
    "ResourceNotFound",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchVersion",
    "NoSuchUpload",
    "NoSuchEntity",
    "NoSuchJob",
    "NoSuchTagSet",
    "NoSuchBucketPolicy",
    "NoSuchLifecycleConfiguration",
    "NoSuchCORSConfiguration",
    "NoSuchWebsiteConfiguration",
    "NoSuchPublicAccessBlockConfiguration",
    "ReplicationConfigurationNotFoundError",
    "ObjectLockConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchObjectLockConfiguration",
  ],
  "access-denied": [
    "AccessDenied",
    "UnauthorizedOperation",
    "AuthFailure",
    "Forbidden",
    "UnrecognizedClient",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "InvalidToken",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSignature",
    "MissingAuthenticationToken",
    "AllAccessDisabled",
    "OptInRequired",
    "KMSKeyNotAccessible",
  ],
  // Not a missing permission: the credentials ran out and could not be renewed (./credentials.ts). The run
  // parks, resumable, instead of failing tasks; the operator logs in again.
  "credentials-expired": [
    ...CREDENTIALS_EXPIRED_CODES,
    "CredentialsProviderError",
    "TokenProviderError",
    "CredentialsRefreshFailed",
  ],
  precondition: [
    "InvalidDBSnapshotState",
    "InvalidDBClusterSnapshotState",
    "InvalidDBInstanceState",
    "InvalidDBClusterState",
    "DBInstanceNotReady",
    "SharedSnapshotQuotaExceeded",
    "SnapshotQuotaExceeded",
    "StorageQuotaExceeded",
    "InstanceQuotaExceeded",
    "InsufficientDBInstanceCapacity",
    "LimitExceeded",
    "TooManyBuckets",
    "KMSInvalidState",
    "Disabled",
    "IncorrectKey",
    "InvalidKeyUsage",
    "IdempotentParameterMismatch",
    "OperationNotPermitted",
    "IncorrectState",
    "InvalidResourceState",
    "InvalidObjectState",
    "BucketNotEmpty",
    "BucketAlreadyExists",
    "InvalidBucketState",
    "PreconditionFailed",
    "Conflict",
    "Idempotency", // CreateJob: the same ClientRequestToken with different parameters
  ],
  fatal: [
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "InvalidParameter",
    "MissingParameter",
    "Validation",
    "ValidationError",
    "MalformedPolicyDocument",
    "InvalidArn",
    "InvalidAliasName",
    "InvalidArgument",
    "InvalidRequest",
    "MalformedXML",
    "UnsupportedOperation",
    "InvalidAction",
    "InvalidBucketName",
    "IllegalLocationConstraint",
    "InvalidLocationConstraint",
    "MalformedPolicy",
    "InvalidTargetBucketForLogging",
    "InvalidBucketAclWithObjectOwnership",
    "PermanentRedirect",
    "AuthorizationHeaderMalformed",
    "EntityTooLarge",
    "MethodNotAllowed",
    "EntityTooSmall",
    "InvalidPart",
    "InvalidPartOrder",
    "AbortError",
  ],
};

/** EC2 codes are "<Thing>.<Problem>": the problem decides. */
export const EC2_SUFFIX_CATEGORY: Record<string, AwsErrorCategory> = {
  NotFound: "not-found",
  // InvalidAMIID.Unavailable: the AMI was deregistered (DescribeImages may still list it a while).
  Unavailable: "not-found",
  Duplicate: "already-exists",
  InUse: "precondition",
  Malformed: "fatal",
  LimitExceeded: "precondition",
};

export const STATUS_CATEGORY: Record<number, AwsErrorCategory> = {
  400: "fatal",
  401: "access-denied",
  403: "access-denied",
  404: "not-found",
  409: "precondition",
  412: "precondition",
  429: "retryable",
  500: "retryable",
  502: "retryable",
  503: "retryable",
  504: "retryable",
};

/** A connection that broke under a call: the endpoint was there (kind "connection"). */
export const BROKEN_CONNECTION_CODES = ["ECONNRESET", "ECONNABORTED", "EPIPE", "EAI_AGAIN"];

/** Nobody to talk to at that address (kind "unreachable"): more often a wrong endpoint than a blip. */
export const UNREACHABLE_CODES = ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"];

export const NETWORK_CODES = [...BROKEN_CONNECTION_CODES, ...UNREACHABLE_CODES, "ETIMEDOUT"];
