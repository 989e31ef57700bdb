import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { TableSeed } from "./dynamodb/seed.js";
import { DenyActions, EbsSnapshotSeed, ImageSeed, VolumeSeed } from "./ec2/seed.js";
import { ElastiCacheSeed } from "./elasticache/seed.js";
import { FaultRuleSchema } from "./faults.js";
import { PoliciesSeed, UserSeed } from "./iam/seed.js";
import { BucketSeed, ListOrderSeed, SquatterSeed } from "./s3/seed.js";
import { TopicSeed } from "./sns/model.js";

const AccountId = z.string().regex(/^\d{12}$/, "an account id is 12 digits");
const Tags = z.record(z.string(), z.string()).default({});
/** `aws/rds` (the AWS managed key), `alias/<name>` (a kmsKeys entry of the same region) or `none`. */
const KeyRef = z.union([z.literal("none"), z.string().regex(/^(aws\/[a-z0-9-]+|alias\/.+)$/)]).default("aws/rds");

const KmsKeySeed = z.strictObject({
  alias: z.string().startsWith("alias/").optional(),
  description: z.string().default(""),
  /** Key policy as an object or a JSON string. Default: the account root may do kms:*. */
  policy: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  tags: Tags,
  state: z.enum(["Enabled", "Disabled", "PendingDeletion"]).default("Enabled"),
});

const DbInstanceSeed = z.strictObject({
  id: z.string().min(1),
  engine: z.string().default("postgres"),
  engineVersion: z.string().optional(),
  instanceClass: z.string().default("db.t4g.medium"),
  allocatedStorageGb: z.number().int().positive(),
  kmsKey: KeyRef,
  tags: Tags,
});

const DbClusterSeed = z.strictObject({
  id: z.string().min(1),
  engine: z.string().default("aurora-postgresql"),
  engineVersion: z.string().optional(),
  sizeGb: z.number().int().positive(),
  kmsKey: KeyRef,
  tags: Tags,
});

const SnapshotSeedBase = {
  id: z.string().min(1),
  type: z.enum(["automated", "manual"]).default("manual"),
  /** Override the key inherited from the instance/cluster. */
  kmsKey: KeyRef.optional(),
  sharedWith: z.array(z.union([AccountId, z.literal("all")])).default([]),
  tags: Tags,
  /** Seeded snapshots are available unless told otherwise (creating = starts now). */
  status: z.enum(["available", "creating"]).default("available"),
};

const DbSnapshotSeed = z.strictObject({ ...SnapshotSeedBase, instance: z.string().min(1) });
const DbClusterSnapshotSeed = z.strictObject({ ...SnapshotSeedBase, cluster: z.string().min(1) });

const RegionSeed = z.strictObject({
  kmsKeys: z.array(KmsKeySeed).default([]),
  dbInstances: z.array(DbInstanceSeed).default([]),
  dbClusters: z.array(DbClusterSeed).default([]),
  dbSnapshots: z.array(DbSnapshotSeed).default([]),
  dbClusterSnapshots: z.array(DbClusterSnapshotSeed).default([]),
  /** S3 buckets living in this region (names are global across all accounts). */
  buckets: z.array(BucketSeed).default([]),
  /** EBS volumes, snapshots of them and AMIs backed by them (see ec2/seed.ts). */
  volumes: z.array(VolumeSeed).default([]),
  ebsSnapshots: z.array(EbsSnapshotSeed).default([]),
  images: z.array(ImageSeed).default([]),
  /** SNS topics of this account and region (sns/model.ts). */
  snsTopics: z.array(TopicSeed).default([]),
  /** DynamoDB tables of this account and region (dynamodb/seed.ts). */
  dynamoTables: z.array(TableSeed).default([]),
  /** ElastiCache replication groups, clusters, serverless caches and snapshots (elasticache/seed.ts). */
  elasticache: ElastiCacheSeed.default(ElastiCacheSeed.parse({})),
});

const RoleSeed = z.strictObject({
  name: z.string().min(1),
  /** Accounts (id or `arn:aws:iam::<id>:root`) allowed to assume the role. */
  trust: z.array(z.string()).default([]),
  externalId: z.string().optional(),
  /** AWS service principals allowed to assume the role, e.g. batchoperations.s3.amazonaws.com. */
  trustService: z
    .union([z.string(), z.array(z.string())])
    .default([])
    .transform((t) => (typeof t === "string" ? [t] : t)),
  /** The role's MaxSessionDuration: AssumeRole may ask for DurationSeconds up to this (IAM: 1–12 hours). */
  maxSessionDurationSeconds: z.number().int().min(3600).max(43_200).default(3600),
  /** Identity policies of the role, for its sessions (evaluated when enforceIamPolicies). */
  policies: PoliciesSeed.default([]),
});

const AccountSeed = z.strictObject({
  name: z.string().default(""),
  /** Extra access keys besides the AKSIM<account> convention. */
  accessKeys: z.array(z.strictObject({ id: z.string().min(16), user: z.string().default("sim-user") })).default([]),
  roles: z.array(RoleSeed).default([]),
  /** IAM users with their own access keys and identity policies (iam/seed.ts). */
  users: z.array(UserSeed).default([]),
  /** Every principal of the account gets UnauthorizedOperation for these (EC2 only): `ec2:CopySnapshot`, `ec2:*`. */
  denyActions: DenyActions,
  regions: z
    .record(
      z.string(),
      RegionSeed.nullable().transform((r) => r ?? RegionSeed.parse({})),
    )
    .default({}),
});

export const SeedSchema = z.strictObject({
  /** Virtual seconds per real second. */
  speed: z.number().nonnegative().default(1),
  /**
   * Virtual seconds each AWS request adds. With `speed: 0` time moves with the work, not the wall: a
   * snapshot is ready after so many requests, on a fast machine or a busy one (the crash suites use it).
   */
  secondsPerRequest: z.number().nonnegative().default(0),
  /** Virtual seconds to snapshot or copy one GB of EBS data. */
  ebsSecondsPerGb: z.number().nonnegative().default(6),
  /** Virtual seconds per GB for the snapshots behind a copied AMI. Default: ebsSecondsPerGb. */
  amiSecondsPerGb: z.number().nonnegative().optional(),
  /** Virtual time at start (ISO 8601). Default: the real time at start. */
  startTime: z.iso.datetime().optional(),
  /**
   * Assume-role sessions end on the virtual clock, `DurationSeconds` after AssumeRole (default 3600):
   * later requests signed with them get ExpiredToken (RequestExpired for EC2). Off by default: a world run
   * at high speed lives through many virtual hours per real second (see README, "Sessions").
   */
  enforceSessionExpiry: z.boolean().default(false),
  /**
   * Every AWS request is checked against the caller's identity policies (users' and roles' `policies`;
   * `sim-user` without policies is the account's admin), before faults and handlers (iam/enforce.ts).
   */
  enforceIamPolicies: z.boolean().default(false),
  /** Virtual seconds to snapshot or copy one GB. */
  rdsSecondsPerGb: z.number().nonnegative().default(24),
  /** Snapshot copies in progress per account and region before SnapshotQuotaExceeded. */
  rdsMaxConcurrentCopies: z.number().int().positive().default(5),
  /** Accounts one manual snapshot may be shared with. */
  rdsMaxSharedAccounts: z.number().int().positive().default(20),
  /** true: sharing a snapshot on the AWS managed key fails at once; false: it succeeds and the copy fails. */
  refuseSharingAwsManagedKeySnapshots: z.boolean().default(false),
  /** Virtual seconds a deleted bucket's name stays unavailable (CreateBucket answers OperationAborted). */
  s3NameReleaseDelaySeconds: z.number().nonnegative().default(3600),
  /** Accounts that take a bucket name as soon as it frees (plus afterSeconds). */
  s3NameSquatters: z.array(SquatterSeed).default([]),
  /** ListObjectVersions order of buckets without their own `listOrder` (s3/list-order.ts). Default aws. */
  s3ListOrder: ListOrderSeed.optional(),
  /**
   * Real milliseconds each object listing (ListObjectVersions, ListObjectsV2, ListObjects) waits before it
   * is answered, as S3's page latency: a number, or `{min, max}` spread per request (s3/list-latency.ts).
   */
  s3ListLatencyMs: z
    .union([
      z.number().nonnegative().max(60_000),
      z
        .strictObject({ min: z.number().nonnegative().max(60_000), max: z.number().nonnegative().max(60_000) })
        .refine((r) => r.min <= r.max, { message: "min must not exceed max" }),
    ])
    .optional(),
  /** Virtual seconds a DynamoDB export takes per GB of table (TableSizeBytes). */
  dynamodbExportSecondsPerGb: z.number().nonnegative().default(120),
  /** Virtual seconds every DynamoDB export takes at least (AWS: a few minutes even for a tiny table). */
  dynamodbExportMinSeconds: z.number().nonnegative().default(300),
  /** Virtual seconds an ElastiCache snapshot (CreateSnapshot, CopySnapshot, serverless) takes per GB of data. */
  elasticacheSnapshotSecondsPerGb: z.number().nonnegative().default(30),
  /** Virtual seconds every ElastiCache snapshot takes at least. */
  elasticacheSnapshotMinSeconds: z.number().nonnegative().default(60),
  /** Virtual seconds an export of an ElastiCache snapshot to S3 takes per GB (its .rdb objects appear after). */
  elasticacheExportSecondsPerGb: z.number().nonnegative().default(30),
  /** Virtual seconds every ElastiCache export to S3 takes at least. */
  elasticacheExportMinSeconds: z.number().nonnegative().default(60),
  /** Virtual seconds a DynamoDB import takes per GB of source objects. */
  dynamodbImportSecondsPerGb: z.number().nonnegative().default(300),
  /** Virtual seconds every DynamoDB import takes at least (AWS: minutes even for a tiny import). */
  dynamodbImportMinSeconds: z.number().nonnegative().default(300),
  /** Virtual seconds a deleted DynamoDB table stays visible as DELETING. */
  dynamodbDeleteSeconds: z.number().nonnegative().default(10),
  /** Batch Operations tasks a job runs per virtual second once Active. */
  s3BatchTasksPerSecond: z.number().positive().default(50),
  /** Virtual seconds a job spends Preparing (reading its manifest) before it runs. */
  s3BatchPrepareSeconds: z.number().nonnegative().default(30),
  accounts: z.record(AccountId, AccountSeed).default({}),
  faults: z.array(FaultRuleSchema).default([]),
});

export type SeedObject = z.input<typeof SeedSchema>;
export type Seed = z.output<typeof SeedSchema>;
export type RegionSeedData = z.output<typeof RegionSeed>;
export type KeyRefSeed = z.output<typeof KeyRef>;

export type SeedOutcome = { ok: true; seed: Seed } | { ok: false; problems: string[] };

export function parseSeed(input: unknown, origin = "seed"): SeedOutcome {
  const parsed = SeedSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, seed: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => `${origin}: ${i.path.join(".") || "(root)"}: ${i.message}`),
  };
}

/** Read a YAML or JSON seed file (JSON is YAML). */
export async function loadSeedFile(path: string): Promise<SeedOutcome> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    return { ok: false, problems: [`${path}: cannot read: ${(err as Error).message}`] };
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    return { ok: false, problems: [`${path}: not valid YAML: ${(err as Error).message}`] };
  }
  return parseSeed(data, path);
}
