/**
 * Which family of data a step type moves, for the plan's "what moves" block and its per-resource
 * sections. A recipe names the family of everything it expands to (an Aurora move's primitives are
 * rds.* steps, but the resource is a cluster).
 */
export type Family = "RDS" | "Aurora" | "EBS" | "AMI" | "S3" | "DynamoDB" | "ElastiCache" | "KMS" | "cleanup" | "other";

/** The order families are listed in. */
export const FAMILIES: readonly Family[] = [
  "RDS",
  "Aurora",
  "EBS",
  "AMI",
  "S3",
  "DynamoDB",
  "ElastiCache",
  "KMS",
  "cleanup",
  "other",
];

const BY_TYPE: Record<string, Family> = {
  "rds.move-cluster-snapshot": "Aurora",
  "ec2.move-image": "AMI",
  "ec2.copy-image": "AMI",
  "ec2.share-image": "AMI",
  "ec2.deregister-image": "AMI",
  cleanup: "cleanup",
};

const BY_PREFIX: Array<[string, Family]> = [
  ["rds.", "RDS"],
  ["ec2.", "EBS"],
  ["s3.", "S3"],
  ["dynamodb.", "DynamoDB"],
  ["elasticache.", "ElastiCache"],
  ["kms.", "KMS"],
];

export function familyOf(type: string): Family {
  return BY_TYPE[type] ?? BY_PREFIX.find(([prefix]) => type.startsWith(prefix))?.[1] ?? "other";
}
