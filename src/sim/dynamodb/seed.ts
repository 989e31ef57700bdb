/** The seed of a DynamoDB table (`dynamoTables` of a region). */
import { z } from "zod";

const KeyAttribute = z.strictObject({ name: z.string().min(1).max(255), type: z.enum(["S", "N", "B"]) });
const KeySchemaSeed = z.strictObject({ hash: KeyAttribute, range: KeyAttribute.optional() });

const IndexSeed = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, "3–255 letters, digits, _ . or -"),
  keySchema: KeySchemaSeed,
  projection: z.enum(["ALL", "KEYS_ONLY", "INCLUDE"]).default("ALL"),
  nonKeyAttributes: z.array(z.string()).optional(),
});

export const TableSeed = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, "3–255 letters, digits, _ . or -"),
    keySchema: KeySchemaSeed,
    billingMode: z.enum(["PAY_PER_REQUEST", "PROVISIONED"]).default("PAY_PER_REQUEST"),
    /** Provisioned capacity (PROVISIONED only). */
    readCapacity: z.number().int().positive().default(5),
    writeCapacity: z.number().int().positive().default(5),
    /** Point-in-time recovery (continuous backups): exports need it. */
    pitr: z.boolean().default(false),
    ttlAttribute: z.string().min(1).optional(),
    streamViewType: z.enum(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]).optional(),
    gsis: z.array(IndexSeed).default([]),
    /** Local secondary indexes share the table's hash key: `keySchema.hash` must be it, `range` is required. */
    lsis: z.array(IndexSeed).default([]),
    sseType: z.enum(["AWS_OWNED", "KMS"]).default("AWS_OWNED"),
    /** For sseType KMS: `alias/<name>` of a kmsKeys entry of the region; default the managed `aws/dynamodb`. */
    kmsKey: z
      .string()
      .regex(/^alias\/.+$/)
      .optional(),
    /** Other regions holding a replica: the table is a global table (version 2019.11.21). */
    replicas: z.array(z.string().min(1)).default([]),
    /** DeleteTable refuses while on (DescribeTable's DeletionProtectionEnabled). */
    deletionProtection: z.boolean().default(false),
    /** The table's tags (ListTagsOfResource). */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
    /**
     * Plain JSON items (strings → S, numbers → N, booleans → BOOL, null → NULL, arrays → L, objects → M;
     * a string under a key attribute of type B is its base64).
     */
    items: z.array(z.record(z.string(), z.unknown())).optional(),
    /** Deterministic items computed on demand, never stored (dynamodb/generated.ts). */
    generated: z
      .strictObject({
        count: z.number().int().nonnegative().max(1_000_000_000),
        seed: z.string().default("dynamo"),
        /** Items sharing one hash key value (with a range key): item i has hash ⌊i / n⌋ and range i mod n. */
        itemsPerHashKey: z.number().int().positive().default(1),
      })
      .optional(),
  })
  .refine((t) => !(t.items && t.generated), { message: "items and generated are exclusive" })
  .refine((t) => t.sseType === "KMS" || t.kmsKey === undefined, { message: "kmsKey needs sseType KMS" });

export type TableSeedData = z.output<typeof TableSeed>;
export type KeyAttributeSeed = z.output<typeof KeyAttribute>;
export type KeySchemaSeedData = z.output<typeof KeySchemaSeed>;
export type IndexSeedData = z.output<typeof IndexSeed>;
