import type { ServiceName } from "./types.js";

/** IAM action prefix per SDK service (S3 Control actions are `s3:` actions). */
const IAM_PREFIX: Record<ServiceName, string> = {
  sts: "sts",
  iam: "iam",
  kms: "kms",
  rds: "rds",
  ec2: "ec2",
  s3: "s3",
  s3control: "s3",
  sns: "sns",
  dynamodb: "dynamodb",
  elasticache: "elasticache",
};

/** API operations whose IAM action has another name. */
const IAM_ACTION_EXCEPTIONS: Record<string, string[]> = {
  "s3:HeadBucket": ["s3:ListBucket"],
  "s3:HeadObject": ["s3:GetObject"],
  "s3:ListObjectsV2": ["s3:ListBucket"],
  "s3:ListObjectVersions": ["s3:ListBucketVersions"],
  "s3:CopyObject": [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectVersionTagging",
    "s3:PutObject",
    "s3:PutObjectTagging",
  ],
  "s3:UploadPartCopy": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
  "s3:CreateJob": ["s3:CreateJob", "iam:PassRole"],
  "s3:ListParts": ["s3:ListMultipartUploadParts"],
  "s3:DeleteObjects": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
  "s3:CreateMultipartUpload": ["s3:PutObject"],
  "s3:CompleteMultipartUpload": ["s3:PutObject"],
  "s3:UploadPart": ["s3:PutObject"],
  "s3:GetBucketEncryption": ["s3:GetEncryptionConfiguration"],
  "s3:PutBucketEncryption": ["s3:PutEncryptionConfiguration"],
  "s3:GetBucketLifecycleConfiguration": ["s3:GetLifecycleConfiguration"],
  "s3:PutBucketLifecycleConfiguration": ["s3:PutLifecycleConfiguration"],
  "s3:GetBucketNotificationConfiguration": ["s3:GetBucketNotification"],
  "s3:PutBucketNotificationConfiguration": ["s3:PutBucketNotification"],
  "s3:GetBucketReplication": ["s3:GetReplicationConfiguration"],
  "s3:PutBucketReplication": ["s3:PutReplicationConfiguration", "iam:PassRole"],
  "s3:GetPublicAccessBlock": ["s3:GetBucketPublicAccessBlock"],
  "s3:PutPublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
  "s3:GetObjectLockConfiguration": ["s3:GetBucketObjectLockConfiguration"],
  "s3:PutObjectLockConfiguration": ["s3:PutBucketObjectLockConfiguration"],
  "s3:GetBucketCors": ["s3:GetBucketCORS"],
  "s3:PutBucketCors": ["s3:PutBucketCORS"],
  "s3:ListMultipartUploads": ["s3:ListBucketMultipartUploads"],
  "s3:ListBuckets": ["s3:ListAllMyBuckets"],
  "sts:GetCallerIdentity": [],
};

/** The IAM actions an API call needs, e.g. ("rds", "CopyDBSnapshot") → ["rds:CopyDBSnapshot"]. */
export function iamActions(service: ServiceName, action: string): string[] {
  const plain = `${IAM_PREFIX[service]}:${action}`;
  return IAM_ACTION_EXCEPTIONS[plain] ?? [plain];
}

/** The actions a cross-account user of a customer managed key needs (AWS-FACTS, KMS). */
export const CROSS_ACCOUNT_KEY_ACTIONS = [
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:CreateGrant",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
] as const;

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function accountRootArn(accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:root`;
}
