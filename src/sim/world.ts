import { type DynamoState, emptyDynamoState } from "./dynamodb/model.js";
import { type Ec2RegionState, emptyEc2RegionState } from "./ec2/model.js";
import { type ElastiCacheState, emptyElastiCacheState } from "./elasticache/model.js";
import type { IamDenial, IamUser } from "./iam/model.js";
import type { PolicyDocument } from "./iam/policy.js";
import { emptyS3State, type S3State } from "./s3/model.js";
import { emptyS3ControlState, type S3ControlState } from "./s3control/model.js";
import type { Seed } from "./seed.js";
import { emptySnsState, type SnsState } from "./sns/model.js";

/** A caller, as resolved from its access key. */
export interface Principal {
  account: string;
  /** What GetCallerIdentity answers as Arn. */
  arn: string;
  userId: string;
  /** For an assumed-role session: the role's IAM ARN (what key policies name). */
  roleArn?: string;
}

export interface TempCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** What AssumeRole answered as Expiration (never in the real past: SDK clients compare it with theirs). */
  expiration: number;
  /** Virtual time the session ends (enforced when the seed says enforceSessionExpiry). */
  endsAt: number;
  principal: Principal;
}

export type Tags = Map<string, string>;

export interface KmsKey {
  id: string;
  arn: string;
  account: string;
  region: string;
  description: string;
  manager: "AWS" | "CUSTOMER";
  state: "Enabled" | "Disabled" | "PendingDeletion";
  policy: string;
  createdAt: number;
  deletionDate?: number;
  tags: Tags;
}

export interface KmsAlias {
  name: string;
  arn: string;
  targetKeyId: string;
  createdAt: number;
}

export interface DbInstance {
  id: string;
  arn: string;
  resourceId: string;
  engine: string;
  engineVersion: string;
  instanceClass: string;
  allocatedStorageGb: number;
  kmsKeyArn?: string;
  createdAt: number;
  tags: Tags;
}

export interface DbCluster {
  id: string;
  arn: string;
  resourceId: string;
  engine: string;
  engineVersion: string;
  sizeGb: number;
  kmsKeyArn?: string;
  createdAt: number;
  tags: Tags;
}

export type SnapshotKind = "instance" | "cluster";

/** An RDS DB snapshot or DB cluster snapshot: both behave the same, only the wire names differ. */
export interface Snapshot {
  kind: SnapshotKind;
  id: string;
  arn: string;
  account: string;
  region: string;
  /** DB instance or cluster identifier it was taken from. */
  sourceId: string;
  sourceResourceId: string;
  engine: string;
  engineVersion: string;
  sizeGb: number;
  type: "automated" | "manual";
  kmsKeyArn?: string;
  createdAt: number;
  /** When the data was first snapshotted: a copy keeps its source's. */
  originalCreatedAt: number;
  /** Virtual ms from createdAt to available. */
  durationMs: number;
  /** Set for copies: the ARN of the snapshot copied from (counts against the copy quota while creating). */
  copiedFrom?: string;
  sourceRegion?: string;
  sharedWith: Set<string>;
  tags: Tags;
}

export interface RegionState {
  name: string;
  kmsCounter: number;
  keys: Map<string, KmsKey>;
  aliases: Map<string, KmsAlias>;
  instances: Map<string, DbInstance>;
  clusters: Map<string, DbCluster>;
  snapshots: Map<string, Snapshot>;
  clusterSnapshots: Map<string, Snapshot>;
  /** EBS volumes, EBS snapshots and AMIs. */
  ec2: Ec2RegionState;
}

export interface Role {
  name: string;
  arn: string;
  trust: string[];
  externalId?: string;
  /** AWS services allowed to assume the role, e.g. batchoperations.s3.amazonaws.com. */
  trustService: string[];
  /** Longest DurationSeconds AssumeRole accepts for this role (IAM MaxSessionDuration). */
  maxSessionDurationSeconds: number;
  /** Identity policies of the role's sessions (enforced when the seed says enforceIamPolicies). */
  policies: PolicyDocument[];
}

export interface AccountState {
  id: string;
  name: string;
  roles: Map<string, Role>;
  users: Map<string, IamUser>;
  regions: Map<string, RegionState>;
  /** IAM actions (`ec2:CopySnapshot`, `ec2:*`) every principal of the account is denied. */
  denyActions: Set<string>;
}

export interface World {
  seed: Seed;
  accounts: Map<string, AccountState>;
  /** Access keys declared in the seed, and temporary credentials handed out by AssumeRole. */
  accessKeys: Map<string, Principal>;
  sessions: Map<string, TempCredentials>;
  sessionCounter: number;
  requestCounter: number;
  /** S3 is global: buckets are not kept per region. */
  s3: S3State;
  /** S3 Batch Operations jobs (regional, per account; kept together for the token index). */
  s3control: S3ControlState;
  /** SNS topics (per account and region, by ARN) and every message published. */
  sns: SnsState;
  /** DynamoDB tables (per account and region, by ARN) and their exports. */
  dynamodb: DynamoState;
  /** ElastiCache replication groups, clusters, serverless caches and snapshots (per account and region). */
  elasticache: ElastiCacheState;
  /** The most recent requests refused by identity-policy enforcement (iam/enforce.ts). */
  iamDenials: IamDenial[];
  /**
   * Every distinct check an identity policy allowed ("principal\naction\nresource"), when enforcement is on:
   * which statement of a generated policy each call needed (iam/enforce.ts; capped at IAM_ALLOWED_MAX).
   */
  iamAllowed: Set<string>;
}

export function emptyWorld(seed: Seed): World {
  return {
    seed,
    accounts: new Map(),
    accessKeys: new Map(),
    sessions: new Map(),
    sessionCounter: 0,
    requestCounter: 0,
    s3: emptyS3State(),
    s3control: emptyS3ControlState(),
    sns: emptySnsState(),
    dynamodb: emptyDynamoState(),
    elasticache: emptyElastiCacheState(),
    iamDenials: [],
    iamAllowed: new Set(),
  };
}

export function accountState(world: World, id: string): AccountState {
  let account = world.accounts.get(id);
  if (!account) {
    account = { id, name: "", roles: new Map(), users: new Map(), regions: new Map(), denyActions: new Set() };
    world.accounts.set(id, account);
  }
  return account;
}

/** Regions come into being when first touched: any account can use any region. */
export function regionState(world: World, accountId: string, region: string): RegionState {
  const account = accountState(world, accountId);
  let state = account.regions.get(region);
  if (!state) {
    state = {
      name: region,
      kmsCounter: 0,
      keys: new Map(),
      aliases: new Map(),
      instances: new Map(),
      clusters: new Map(),
      snapshots: new Map(),
      clusterSnapshots: new Map(),
      ec2: emptyEc2RegionState(),
    };
    account.regions.set(region, state);
  }
  return state;
}
