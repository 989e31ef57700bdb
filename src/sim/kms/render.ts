import type { KmsKey } from "../world.js";

const seconds = (ms: number) => ms / 1000;

/** KeyMetadata as awsJson1_1 carries it (timestamps are epoch seconds). */
export function keyMetadata(key: KmsKey): Record<string, unknown> {
  return {
    AWSAccountId: key.account,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: seconds(key.createdAt),
    Enabled: key.state === "Enabled",
    Description: key.description,
    KeyUsage: "ENCRYPT_DECRYPT",
    KeyState: key.state,
    DeletionDate: key.deletionDate === undefined ? undefined : seconds(key.deletionDate),
    Origin: "AWS_KMS",
    KeyManager: key.manager,
    CustomerMasterKeySpec: "SYMMETRIC_DEFAULT",
    KeySpec: "SYMMETRIC_DEFAULT",
    EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
    MultiRegion: false,
  };
}

export function tagList(tags: Map<string, string>): { TagKey: string; TagValue: string }[] {
  return [...tags.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}
