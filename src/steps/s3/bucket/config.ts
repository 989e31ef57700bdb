/**
 * A bucket's captured configuration: every setting a re-created bucket would not have, as plain JSON in
 * the shape its Put call takes (so it survives in the task's outputs after the source is gone), plus
 * where it came from (the source account id is what `rewriteAccountIds` replaces).
 */
import { z } from "zod";
import { s3 } from "../../../aws/sdk.js";
import type { Json, JsonObject } from "../../../core/json.js";
import type { AccountRef, AwsReader } from "../../define.js";
import { isS3Error } from "../basics.js";

export const CONFIG_FORMAT = 1;

/** Settings in the order they are applied: ownership and public access block before the policy, versioning before lifecycle / replication / Object Lock. */
export const SETTINGS = [
  "ownershipControls",
  "publicAccessBlock",
  "versioning",
  "objectLock",
  "encryption",
  "requestPayment",
  "tags",
  "cors",
  "website",
  "lifecycle",
  "logging",
  "policy",
  "replication",
  "notifications",
] as const;
export type Setting = (typeof SETTINGS)[number];

export type BucketConfig = {
  format: number;
  sourceAccountId: string;
  sourceRegion: string;
  sourceBucket: string;
} & { [S in Setting]: Json | null };

const jsonObject = z.record(z.string(), z.json());

/** What a `config` param accepts: the `config` output of s3.capture-config. */
export const bucketConfigSchema = z
  .looseObject({
    format: z.literal(CONFIG_FORMAT),
    sourceAccountId: z.string().regex(/^\d{12}$/, "a 12-digit account id"),
    sourceRegion: z.string().min(1),
    sourceBucket: z.string().min(1),
    ...Object.fromEntries(SETTINGS.map((s) => [s, z.json().nullable().default(null)])),
    tags: z.record(z.string(), z.string()).nullable().default(null),
    requestPayment: z.enum(["Requester"]).nullable().default(null),
    policy: jsonObject.nullable().default(null),
  })
  .describe("A bucket configuration captured by s3.capture-config (its `config` output).");

/**
 * The one table of "this setting is absent" answers: S3 reports a missing setting as an error with one
 * of these codes (a missing bucket, NoSuchBucket, is never among them).
 */
export const ABSENT_CODES: Partial<Record<Setting, string[]>> = {
  encryption: ["ServerSideEncryptionConfigurationNotFoundError"],
  lifecycle: ["NoSuchLifecycleConfiguration"],
  tags: ["NoSuchTagSet"],
  cors: ["NoSuchCORSConfiguration"],
  website: ["NoSuchWebsiteConfiguration"],
  ownershipControls: ["OwnershipControlsNotFoundError"],
  publicAccessBlock: ["NoSuchPublicAccessBlockConfiguration"],
  policy: ["NoSuchBucketPolicy"],
  replication: ["ReplicationConfigurationNotFoundError"],
  objectLock: ["ObjectLockConfigurationNotFoundError"],
};

/** SDK output → JSON: drops `$metadata` and undefined fields, dates become ISO strings. */
export function toJson(value: unknown): Json {
  const { $metadata: _, ...rest } = (value ?? {}) as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest)) as Json;
}

function nonEmpty(value: Json): Json | null {
  if (value === null || typeof value !== "object") return value;
  const entries = Array.isArray(value) ? value : Object.values(value);
  return entries.length === 0 ? null : value;
}

type Reader = (bucket: string) => Promise<Json | null>;

function readers(aws: AwsReader, account: AccountRef): Record<Setting, Reader> {
  const get = <O extends object>(command: Parameters<AwsReader["read"]>[2]) =>
    aws.read(account.alias, "s3", command) as Promise<O & { $metadata: object }>;
  const owner = account.id;
  return {
    versioning: async (Bucket) => {
      const out = await get<{ Status?: string }>(
        new s3.GetBucketVersioningCommand({ Bucket, ExpectedBucketOwner: owner }),
      );
      return out.Status ? toJson(out) : null;
    },
    encryption: async (Bucket) =>
      toJson(
        (
          await get<{ ServerSideEncryptionConfiguration?: unknown }>(
            new s3.GetBucketEncryptionCommand({ Bucket, ExpectedBucketOwner: owner }),
          )
        ).ServerSideEncryptionConfiguration,
      ),
    lifecycle: async (Bucket) =>
      toJson(await get(new s3.GetBucketLifecycleConfigurationCommand({ Bucket, ExpectedBucketOwner: owner }))),
    tags: async (Bucket) => {
      const out = await get<{ TagSet?: Array<{ Key?: string; Value?: string }> }>(
        new s3.GetBucketTaggingCommand({ Bucket, ExpectedBucketOwner: owner }),
      );
      const tags: JsonObject = {};
      for (const t of out.TagSet ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
      return nonEmpty(tags);
    },
    cors: async (Bucket) =>
      nonEmpty(toJson(await get(new s3.GetBucketCorsCommand({ Bucket, ExpectedBucketOwner: owner })))),
    website: async (Bucket) =>
      nonEmpty(toJson(await get(new s3.GetBucketWebsiteCommand({ Bucket, ExpectedBucketOwner: owner })))),
    ownershipControls: async (Bucket) =>
      toJson(
        (
          await get<{ OwnershipControls?: unknown }>(
            new s3.GetBucketOwnershipControlsCommand({ Bucket, ExpectedBucketOwner: owner }),
          )
        ).OwnershipControls,
      ),
    publicAccessBlock: async (Bucket) =>
      toJson(
        (
          await get<{ PublicAccessBlockConfiguration?: unknown }>(
            new s3.GetPublicAccessBlockCommand({ Bucket, ExpectedBucketOwner: owner }),
          )
        ).PublicAccessBlockConfiguration,
      ),
    policy: async (Bucket) => {
      const out = await get<{ Policy?: string }>(new s3.GetBucketPolicyCommand({ Bucket, ExpectedBucketOwner: owner }));
      return out.Policy ? (JSON.parse(out.Policy) as Json) : null;
    },
    notifications: async (Bucket) =>
      nonEmpty(
        toJson(await get(new s3.GetBucketNotificationConfigurationCommand({ Bucket, ExpectedBucketOwner: owner }))),
      ),
    replication: async (Bucket) =>
      toJson(
        (
          await get<{ ReplicationConfiguration?: unknown }>(
            new s3.GetBucketReplicationCommand({ Bucket, ExpectedBucketOwner: owner }),
          )
        ).ReplicationConfiguration,
      ),
    objectLock: async (Bucket) =>
      nonEmpty(
        toJson(
          (
            await get<{ ObjectLockConfiguration?: unknown }>(
              new s3.GetObjectLockConfigurationCommand({ Bucket, ExpectedBucketOwner: owner }),
            )
          ).ObjectLockConfiguration,
        ),
      ),
    logging: async (Bucket) => {
      const out = await get<{ LoggingEnabled?: unknown }>(
        new s3.GetBucketLoggingCommand({ Bucket, ExpectedBucketOwner: owner }),
      );
      return out.LoggingEnabled ? toJson(out.LoggingEnabled) : null;
    },
    requestPayment: async (Bucket) => {
      const out = await get<{ Payer?: string }>(
        new s3.GetBucketRequestPaymentCommand({ Bucket, ExpectedBucketOwner: owner }),
      );
      return out.Payer === "Requester" ? "Requester" : null;
    },
  };
}

/** Reads every setting; absent ones (ABSENT_CODES) become null, every other error propagates. */
export async function readBucketConfig(
  aws: AwsReader,
  account: AccountRef,
  bucket: string,
  region: string,
): Promise<BucketConfig> {
  const read = readers(aws, account);
  const values = await Promise.all(
    SETTINGS.map(async (setting) => {
      try {
        const value = await read[setting](bucket);
        return [setting, value === undefined ? null : nonEmpty(value)] as const;
      } catch (err) {
        if (isS3Error(err, ...(ABSENT_CODES[setting] ?? []))) return [setting, null] as const;
        throw err;
      }
    }),
  );
  return {
    format: CONFIG_FORMAT,
    sourceAccountId: account.id,
    sourceRegion: region,
    sourceBucket: bucket,
    ...(Object.fromEntries(values) as { [S in Setting]: Json | null }),
  };
}

/** Names of the settings a captured config holds. */
export function presentSettings(config: BucketConfig): Setting[] {
  return SETTINGS.filter((s) => config[s] !== null && config[s] !== undefined);
}
