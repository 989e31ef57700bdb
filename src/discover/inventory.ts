/**
 * `hikkoshi discover`: what an account holds that hikkoshi can move, read with describes and listings only.
 * The access it reads through is read-only by construction (`createAwsAccess` with `readOnly`: a mutating
 * command is refused before it is sent), as plan's is. Every resource comes with its findings: why it is
 * left out of the draft, or what the operator must know about moving it.
 */
import type { TableDescription } from "@aws-sdk/client-dynamodb";
import type { Image, Snapshot, Volume } from "@aws-sdk/client-ec2";
import type { KeyMetadata } from "@aws-sdk/client-kms";
import type { DBCluster, DBInstance } from "@aws-sdk/client-rds";
import { awsCategory } from "../aws/errors.js";
import { dynamodb, ec2, elasticache, kms, rds, s3 } from "../aws/sdk.js";
import { errorMessage } from "../core/errors.js";
import type { AccountRef, AwsReader, Precondition } from "../steps/define.js";
import { billingOf, encryptionFinding, lsiFinding } from "../steps/dynamodb/import-table.js";
import { captureSettings, describeTable, sourceFindings } from "../steps/dynamodb/tables.js";
import { exportGrantMissing } from "../steps/elasticache/bucket-grant.js";
import { cacheFindings } from "../steps/elasticache/findings.js";
import { type CacheView, describeCache, resourceTags } from "../steps/elasticache/read.js";
import { describeKey, isAwsManaged, namesAwsManagedAlias } from "../steps/kms/keys.js";
import { bucketTags, regionOfConstraint } from "../steps/s3/basics.js";
import { readBucketConfig } from "../steps/s3/bucket/config.js";
import { captureFindings } from "../steps/s3/bucket/findings.js";
import { sampleBucket } from "../steps/s3/manifest/sample.js";
import { orUndefined } from "../steps/shared/observe.js";
import { tagMap } from "../steps/shared/ownership.js";
import type { Selection } from "./select.js";

export type FindingLevel = "excluded" | "warning" | "note";

export interface Finding {
  level: FindingLevel;
  code: string;
  message: string;
  hint?: string;
}

export interface KeyInfo {
  /** As the resource names it (ARN or id). */
  ref: string;
  arn?: string;
  /** AWS managed (aws/rds, aws/ebs, aws/s3: cannot be shared), customer managed, or unreadable. */
  manager: "AWS" | "CUSTOMER" | "unknown";
  aliases: string[];
}

interface Resource {
  id: string;
  /** What the operator calls it (a Name tag, an AMI name); the id when it has none. */
  name: string;
  tags: Record<string, string>;
  findings: Finding[];
  /** Listed in the draft's params (false: a comment says why not). */
  included: boolean;
}

export interface Database extends Resource {
  kind: "instance" | "cluster";
  engine: string;
  engineVersion?: string;
  status?: string;
  sizeGb: number;
  encrypted: boolean;
  key?: KeyInfo;
}

export interface EbsVolume extends Resource {
  sizeGb: number;
  encrypted: boolean;
  key?: KeyInfo;
  attachedTo: string[];
  /** AMIs of this account whose snapshots were taken of this volume. */
  backs: string[];
}

export interface Ami extends Resource {
  sizeGb: number;
  snapshots: string[];
  keys: KeyInfo[];
}

export interface Bucket extends Resource {
  region: string;
  versioning: "Enabled" | "Suspended" | "Unversioned";
  encryption: string;
  objectLock: boolean;
  /** Versions, delete markers and bytes of a bounded listing; `complete` when it reached the end. */
  versions: number;
  deleteMarkers: number;
  bytes: number;
  complete: boolean;
}

export interface DynamoTable extends Resource {
  status: string;
  itemCount: number;
  sizeBytes: number;
  billingMode: "PAY_PER_REQUEST" | "PROVISIONED";
  /** Point-in-time recovery: an export needs it (the move can turn it on: `enablePitr`). */
  pitr: boolean;
  /** The stream's view type, when the table has a stream. */
  stream?: string;
  ttlAttribute?: string;
  deletionProtection: boolean;
  gsis: string[];
  lsis: string[];
  /** Regions of a global table's replicas (this one's included, as DynamoDB lists them). */
  replicas: string[];
  /** "AWS owned" (DynamoDB's default) or a KMS key, judged like the others. */
  encryption: "AWS owned" | "KMS";
  key?: KeyInfo;
}

/** A replication group, a standalone cluster (not a member of a group) or a serverless cache. */
export interface Cache extends Resource, CacheView {
  key?: KeyInfo;
}

export interface Inventory {
  account: { alias: string; id: string; arn: string; region: string };
  selection: Selection;
  databases: Database[];
  clusters: Database[];
  volumes: EbsVolume[];
  images: Ami[];
  buckets: Bucket[];
  dynamodbTables: DynamoTable[];
  caches: Cache[];
  /**
   * Buckets of the account's region whose policy or ACL already lets ElastiCache write an export (read only
   * when a cache moves): candidates for elasticache.move-snapshot's exportBucket.
   */
  cacheExportBuckets: string[];
  /** Every KMS key a resource uses, once. */
  keys: KeyInfo[];
  /** Reads that failed (missing permission, …): the inventory is partial where they say. */
  problems: string[];
}

export interface DiscoverOptions {
  aws: AwsReader;
  account: AccountRef & { arn: string };
  selection: Selection;
  /** Versions listed per bucket at most (a bucket with more is shown as "at least"). */
  listLimit: number;
  progress?: (message: string) => void;
}

async function pages<T>(fetch: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    out.push(...page.items);
    token = page.next;
  } while (token);
  return out;
}

function keyJudge(aws: AwsReader, account: AccountRef) {
  const seen = new Map<string, Promise<KeyInfo>>();
  const aliasesOf = async (keyId: string): Promise<string[]> => {
    try {
      const out = await aws.read(account.alias, "kms", new kms.ListAliasesCommand({ KeyId: keyId }));
      return (out.Aliases ?? []).map((a) => a.AliasName ?? "").filter(Boolean);
    } catch {
      return [];
    }
  };
  const judge = (ref: string): Promise<KeyInfo> => {
    let found = seen.get(ref);
    if (!found) {
      found = (async (): Promise<KeyInfo> => {
        if (namesAwsManagedAlias(ref)) return { ref, manager: "AWS", aliases: [ref.replace(/^.*:(?=alias\/)/, "")] };
        let meta: KeyMetadata | undefined;
        try {
          meta = await describeKey(aws, account, ref);
        } catch {
          meta = undefined;
        }
        if (!meta) return { ref, manager: "unknown", aliases: [] };
        return {
          ref,
          ...(meta.Arn ? { arn: meta.Arn } : {}),
          manager: isAwsManaged(meta) ? "AWS" : "CUSTOMER",
          aliases: await aliasesOf(meta.KeyId ?? ref),
        };
      })();
      seen.set(ref, found);
    }
    return found;
  };
  return { judge, all: async () => Promise.all(seen.values()) };
}

const keyName = (k: KeyInfo) => k.aliases[0] ?? k.arn ?? k.ref;

function keyFindings(what: string, key: KeyInfo | undefined, encrypted: boolean): Finding[] {
  if (!encrypted) {
    return [
      {
        level: "note",
        code: "UNENCRYPTED",
        message: `${what} is not encrypted: the copy under the share key encrypts it, so the target's copy is encrypted`,
      },
    ];
  }
  if (key?.manager === "AWS") {
    return [
      {
        level: "note",
        code: "AWS_MANAGED_KEY",
        message: `${what} uses the AWS managed key ${keyName(key)}, which cannot be shared: the move re-encrypts it under the share key first`,
      },
    ];
  }
  if (key?.manager === "unknown") {
    return [
      {
        level: "warning",
        code: "KEY_UNREADABLE",
        message: `${what} uses KMS key ${key.ref}, which this caller cannot describe`,
        hint: "grant kms:DescribeKey on it, or the snapshot copy under the share key may fail",
      },
    ];
  }
  return [];
}

async function databases(o: DiscoverOptions, judge: (ref: string) => Promise<KeyInfo>) {
  const { aws, account } = o;
  const instances = await pages<DBInstance>(async (Marker) => {
    const out = await aws.read(account.alias, "rds", new rds.DescribeDBInstancesCommand({ Marker }));
    return { items: out.DBInstances ?? [], ...(out.Marker ? { next: out.Marker } : {}) };
  });
  const clusters = await pages<DBCluster>(async (Marker) => {
    const out = await aws.read(account.alias, "rds", new rds.DescribeDBClustersCommand({ Marker }));
    return { items: out.DBClusters ?? [], ...(out.Marker ? { next: out.Marker } : {}) };
  });
  const instanceRows: Database[] = [];
  for (const i of instances) {
    const id = i.DBInstanceIdentifier ?? "";
    // An Aurora instance's data is its cluster's: it moves with the cluster.
    if (i.DBClusterIdentifier) continue;
    const key = i.KmsKeyId ? await judge(i.KmsKeyId) : undefined;
    const encrypted = i.StorageEncrypted === true;
    const findings = keyFindings(`DB instance ${id}`, key, encrypted);
    if (i.ReadReplicaSourceDBInstanceIdentifier) {
      findings.push({
        level: "excluded",
        code: "READ_REPLICA",
        message: `${id} is a read replica of ${i.ReadReplicaSourceDBInstanceIdentifier}: its data moves with its source`,
      });
    }
    instanceRows.push({
      kind: "instance",
      id,
      name: id,
      tags: tagMap(i.TagList),
      engine: i.Engine ?? "unknown",
      ...(i.EngineVersion ? { engineVersion: i.EngineVersion } : {}),
      ...(i.DBInstanceStatus ? { status: i.DBInstanceStatus } : {}),
      sizeGb: i.AllocatedStorage ?? 0,
      encrypted,
      ...(key ? { key } : {}),
      findings,
      included: !findings.some((f) => f.level === "excluded"),
    });
  }
  const clusterRows: Database[] = [];
  for (const c of clusters) {
    const id = c.DBClusterIdentifier ?? "";
    const key = c.KmsKeyId ? await judge(c.KmsKeyId) : undefined;
    const encrypted = c.StorageEncrypted === true;
    const findings = keyFindings(`DB cluster ${id}`, key, encrypted);
    if (c.GlobalWriteForwardingStatus || (c.ReplicationSourceIdentifier ?? "") !== "") {
      findings.push({
        level: "warning",
        code: "CLUSTER_REPLICA",
        message: `${id} replicates from ${c.ReplicationSourceIdentifier ?? "another cluster"}: the snapshot is of this cluster only`,
      });
    }
    clusterRows.push({
      kind: "cluster",
      id,
      name: id,
      tags: tagMap(c.TagList),
      engine: c.Engine ?? "unknown",
      ...(c.EngineVersion ? { engineVersion: c.EngineVersion } : {}),
      ...(c.Status ? { status: c.Status } : {}),
      sizeGb: c.AllocatedStorage ?? 0,
      encrypted,
      ...(key ? { key } : {}),
      findings,
      included: !findings.some((f) => f.level === "excluded"),
    });
  }
  return { instances: instanceRows, clusters: clusterRows };
}

async function ebs(o: DiscoverOptions, judge: (ref: string) => Promise<KeyInfo>) {
  const { aws, account } = o;
  const volumes = await pages<Volume>(async (NextToken) => {
    const out = await aws.read(account.alias, "ec2", new ec2.DescribeVolumesCommand({ NextToken }));
    return { items: out.Volumes ?? [], ...(out.NextToken ? { next: out.NextToken } : {}) };
  });
  const images = await pages<Image>(async (NextToken) => {
    const out = await aws.read(account.alias, "ec2", new ec2.DescribeImagesCommand({ Owners: ["self"], NextToken }));
    return { items: out.Images ?? [], ...(out.NextToken ? { next: out.NextToken } : {}) };
  });
  const snapshotIds = [
    ...new Set(images.flatMap((i) => (i.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId).filter(Boolean))),
  ] as string[];
  const snapshots = new Map<string, Snapshot>();
  for (let i = 0; i < snapshotIds.length; i += 100) {
    const out = await orUndefined(
      aws.read(
        account.alias,
        "ec2",
        new ec2.DescribeSnapshotsCommand({ SnapshotIds: snapshotIds.slice(i, i + 100), OwnerIds: ["self"] }),
      ),
    );
    for (const s of out?.Snapshots ?? []) if (s.SnapshotId) snapshots.set(s.SnapshotId, s);
  }
  const imageRows: Ami[] = [];
  const backedBy = new Map<string, string[]>();
  for (const i of images) {
    const id = i.ImageId ?? "";
    const snaps = (i.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId).filter(Boolean) as string[];
    const keys: KeyInfo[] = [];
    for (const s of snaps) {
      const snap = snapshots.get(s);
      if (snap?.VolumeId) backedBy.set(snap.VolumeId, [...(backedBy.get(snap.VolumeId) ?? []), id]);
      if (snap?.KmsKeyId) keys.push(await judge(snap.KmsKeyId));
    }
    const findings: Finding[] = [];
    const awsKey = keys.find((k) => k.manager === "AWS");
    if (awsKey) {
      findings.push({
        level: "note",
        code: "AWS_MANAGED_KEY",
        message: `AMI ${id} has snapshots on the AWS managed key ${keyName(awsKey)}: the move copies it under the share key first`,
      });
    }
    if (snaps.some((s) => !snapshots.get(s)?.Encrypted)) {
      findings.push({
        level: "note",
        code: "UNENCRYPTED",
        message: `AMI ${id} has unencrypted snapshots: the copy under the share key encrypts them`,
      });
    }
    const tags = tagMap(i.Tags);
    imageRows.push({
      id,
      name: i.Name ?? id,
      tags,
      sizeGb: (i.BlockDeviceMappings ?? []).reduce((n, m) => n + (m.Ebs?.VolumeSize ?? 0), 0),
      snapshots: snaps,
      keys: [...new Map(keys.map((k) => [k.ref, k])).values()],
      findings,
      included: true,
    });
  }
  const volumeRows: EbsVolume[] = [];
  for (const v of volumes) {
    const id = v.VolumeId ?? "";
    const key = v.KmsKeyId ? await judge(v.KmsKeyId) : undefined;
    const encrypted = v.Encrypted === true;
    const findings = keyFindings(`volume ${id}`, key, encrypted);
    const tags = tagMap(v.Tags);
    const attachedTo = (v.Attachments ?? []).map((a) => a.InstanceId ?? "").filter(Boolean);
    const backs = backedBy.get(id) ?? [];
    if (attachedTo.length > 0) {
      findings.push({
        level: "note",
        code: "ATTACHED",
        message: `volume ${id} is attached to ${attachedTo.join(", ")}: stop writes to it before the freeze is approved (a snapshot of a live volume is crash-consistent only)`,
      });
    }
    volumeRows.push({
      id,
      name: tags.Name ?? id,
      tags,
      sizeGb: v.Size ?? 0,
      encrypted,
      ...(key ? { key } : {}),
      attachedTo,
      backs,
      findings,
      included: true,
    });
  }
  return { volumes: volumeRows, images: imageRows };
}

async function buckets(o: DiscoverOptions, judge: (ref: string) => Promise<KeyInfo>, problems: string[]) {
  const { aws, account } = o;
  const listed = await aws.read(account.alias, "s3", new s3.ListBucketsCommand({}));
  const rows: Bucket[] = [];
  for (const b of listed.Buckets ?? []) {
    const name = b.Name ?? "";
    let region = b.BucketRegion;
    if (!region) {
      const where = await aws.read(
        account.alias,
        "s3",
        new s3.GetBucketLocationCommand({ Bucket: name, ExpectedBucketOwner: account.id }),
      );
      region = regionOfConstraint(where.LocationConstraint);
    }
    const tags = await bucketTags(aws, account, name);
    const row: Bucket = {
      id: name,
      name,
      tags,
      region,
      versioning: "Unversioned",
      encryption: "unknown",
      objectLock: false,
      versions: 0,
      deleteMarkers: 0,
      bytes: 0,
      complete: false,
      findings: [],
      included: true,
    };
    rows.push(row);
    if (region !== account.region) {
      row.included = false;
      row.findings.push({
        level: "excluded",
        code: "OTHER_REGION",
        message: `bucket ${name} is in ${region}: a runbook moves one region`,
        hint: `run hikkoshi discover --region ${region} for its own runbook`,
      });
    }
  }
  // Settings and a bounded listing only for buckets the selection keeps (each costs a dozen reads).
  for (const row of rows) {
    if (!row.included || !o.selection.keeps(row)) continue;
    o.progress?.(`bucket ${row.name}`);
    try {
      await describeBucket(o, row, judge);
    } catch (err) {
      if (awsCategory(err) === "access-denied") {
        problems.push(`bucket ${row.name}: ${errorMessage(err)}`);
        row.findings.push({
          level: "warning",
          code: "UNREADABLE",
          message: `bucket ${row.name} could not be read: ${errorMessage(err)}`,
          hint: "the caller needs s3:GetBucket* and s3:ListBucketVersions on it",
        });
      } else throw err;
    }
  }
  return rows;
}

async function describeBucket(o: DiscoverOptions, row: Bucket, judge: (ref: string) => Promise<KeyInfo>) {
  const { aws, account } = o;
  const config = await readBucketConfig(aws, account, row.name, row.region);
  const versioning = (config.versioning as { Status?: string } | null)?.Status;
  row.versioning = versioning === "Enabled" ? "Enabled" : versioning === "Suspended" ? "Suspended" : "Unversioned";
  row.objectLock = config.objectLock !== null;
  const rule = (
    config.encryption as {
      Rules?: Array<{ ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string } }>;
    } | null
  )?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  if (rule?.SSEAlgorithm?.startsWith("aws:kms")) {
    const key = await judge(rule.KMSMasterKeyID ?? "alias/aws/s3");
    row.encryption = `SSE-KMS (${keyName(key)}${key.manager === "AWS" ? ", AWS managed" : ""})`;
  } else {
    row.encryption = rule?.SSEAlgorithm === "AES256" || !rule ? "SSE-S3" : (rule.SSEAlgorithm ?? "SSE-S3");
  }
  for (const f of await captureFindings(aws, account, row.name, config)) {
    if (!f.ok) row.findings.push(fromPrecondition(f));
  }
  if (row.findings.some((f) => f.level === "excluded")) row.included = false;
  const sample = await sampleBucket(aws, account.alias, row.name, { limit: o.listLimit });
  row.versions = sample.versions;
  row.deleteMarkers = sample.deleteMarkers;
  row.bytes = sample.bytes;
  row.complete = sample.complete;
}

async function dynamodbTables(o: DiscoverOptions, judge: (ref: string) => Promise<KeyInfo>) {
  const { aws, account } = o;
  const names = await pages<string>(async (ExclusiveStartTableName) => {
    const out = await aws.read(account.alias, "dynamodb", new dynamodb.ListTablesCommand({ ExclusiveStartTableName }));
    return {
      items: out.TableNames ?? [],
      ...(out.LastEvaluatedTableName ? { next: out.LastEvaluatedTableName } : {}),
    };
  });
  const rows: DynamoTable[] = [];
  for (const name of names) {
    o.progress?.(`table ${name}`);
    const t: TableDescription | undefined = await describeTable(aws, account.alias, name);
    // Gone between the listing and the describe (a deletion that finished).
    if (!t) continue;
    const settings = await captureSettings(aws, account.alias, t);
    const kmsArn = t.SSEDescription?.Status === "ENABLED" ? t.SSEDescription.KMSMasterKeyArn : undefined;
    const key = kmsArn ? await judge(kmsArn) : undefined;
    const findings: Finding[] = [];
    const status = t.TableStatus ?? "ACTIVE";
    if (status === "DELETING" || status === "ARCHIVING" || status === "ARCHIVED") {
      findings.push({
        level: "excluded",
        code: "DYNAMODB_TABLE_NOT_ACTIVE",
        message: `table ${name} is ${status.toLowerCase()}: there is nothing to export`,
      });
    }
    for (const p of [...sourceFindings(t), lsiFinding(t), encryptionFinding(t, undefined)]) {
      if (p) findings.push(fromPrecondition(p));
    }
    if (!settings.pitr) {
      findings.push({
        level: "note",
        code: "DYNAMODB_PITR_OFF",
        message: `point-in-time recovery is off for ${name}: an export needs it, so the draft sets enablePitr: true (the move turns it on, billed while it stays on; the copy gets the source's own setting)`,
      });
    }
    rows.push({
      id: name,
      name,
      tags: settings.tags,
      status,
      itemCount: t.ItemCount ?? 0,
      sizeBytes: t.TableSizeBytes ?? 0,
      billingMode: billingOf(t),
      pitr: settings.pitr,
      ...(settings.streamViewType ? { stream: settings.streamViewType } : {}),
      ...(settings.ttlAttribute ? { ttlAttribute: settings.ttlAttribute } : {}),
      deletionProtection: settings.deletionProtection,
      gsis: (t.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName ?? ""),
      lsis: (t.LocalSecondaryIndexes ?? []).map((l) => l.IndexName ?? ""),
      replicas: (t.Replicas ?? []).map((r) => r.RegionName ?? ""),
      encryption: kmsArn ? "KMS" : "AWS owned",
      ...(key ? { key } : {}),
      findings,
      included: !findings.some((f) => f.level === "excluded"),
    });
  }
  return rows;
}

async function caches(o: DiscoverOptions, judge: (ref: string) => Promise<KeyInfo>) {
  const { aws, account } = o;
  const groups = await pages<string>(async (Marker) => {
    const out = await aws.read(
      account.alias,
      "elasticache",
      new elasticache.DescribeReplicationGroupsCommand({ Marker }),
    );
    return {
      items: (out.ReplicationGroups ?? []).map((g) => g.ReplicationGroupId ?? "").filter(Boolean),
      ...(out.Marker ? { next: out.Marker } : {}),
    };
  });
  const clusters = await pages<string>(async (Marker) => {
    const out = await aws.read(
      account.alias,
      "elasticache",
      new elasticache.DescribeCacheClustersCommand({ ShowCacheClustersNotInReplicationGroups: true, Marker }),
    );
    return {
      items: (out.CacheClusters ?? [])
        .filter((c) => !c.ReplicationGroupId)
        .map((c) => c.CacheClusterId ?? "")
        .filter(Boolean),
      ...(out.Marker ? { next: out.Marker } : {}),
    };
  });
  const serverless = await pages<string>(async (NextToken) => {
    const out = await aws.read(
      account.alias,
      "elasticache",
      new elasticache.DescribeServerlessCachesCommand({ NextToken }),
    );
    return {
      items: (out.ServerlessCaches ?? []).map((c) => c.ServerlessCacheName ?? "").filter(Boolean),
      ...(out.NextToken ? { next: out.NextToken } : {}),
    };
  });
  const rows: Cache[] = [];
  const sources = [
    ...groups.map((replicationGroup) => ({ replicationGroup })),
    ...clusters.map((cacheCluster) => ({ cacheCluster })),
    ...serverless.map((serverlessCache) => ({ serverlessCache })),
  ];
  for (const source of sources) {
    // The steps' own reader: the same view (engine, version, shards, nodes, encryption) their plan shows.
    const view = await describeCache(aws, account, source);
    if (!view) continue;
    o.progress?.(`cache ${view.id}`);
    const tags = view.arn ? await resourceTags(aws, account.alias, view.arn) : {};
    const key = view.kmsKeyId ? await judge(view.kmsKeyId) : undefined;
    const findings = cacheFindings(view, {}).map(fromPrecondition);
    rows.push({
      ...view,
      name: view.id,
      tags,
      ...(key ? { key } : {}),
      findings,
      included: !findings.some((f) => f.level === "excluded"),
    });
  }
  return rows;
}

/** Buckets of the region ElastiCache may already export into (the export step's own check). */
async function exportBuckets(o: DiscoverOptions, rows: Bucket[]): Promise<string[]> {
  const out: string[] = [];
  for (const b of rows) {
    if (b.region !== o.account.region) continue;
    try {
      if ((await exportGrantMissing(o.aws, o.account, b.name)) === undefined) out.push(b.name);
    } catch (err) {
      if (awsCategory(err) !== "access-denied") throw err;
    }
  }
  return out;
}

/**
 * Warnings of the plan that discovery only notes: they hold for every such resource and the draft's line
 * says them anyway (the copy is on the AWS owned key like the source; the target's cache must run the same engine or newer).
 */
const NOTED = new Set(["DYNAMODB_AWS_OWNED_KEY", "ELASTICACHE_TARGET_ENGINE"]);

function fromPrecondition(p: Precondition): Finding {
  return {
    level: p.severity === "error" ? "excluded" : NOTED.has(p.code) ? "note" : "warning",
    code: p.code,
    message: p.message,
    ...(p.hint ? { hint: p.hint } : {}),
  };
}

/** Reads everything the account holds in its region that hikkoshi can move, then applies the selection. */
export async function discover(o: DiscoverOptions): Promise<Inventory> {
  const keys = keyJudge(o.aws, o.account);
  const problems: string[] = [];
  const guarded = async <T>(what: string, read: () => Promise<T>, empty: T): Promise<T> => {
    o.progress?.(what);
    try {
      return await read();
    } catch (err) {
      if (awsCategory(err) !== "access-denied") throw err;
      problems.push(`${what}: ${errorMessage(err)}`);
      return empty;
    }
  };
  const dbs = await guarded("RDS instances and clusters", () => databases(o, keys.judge), {
    instances: [],
    clusters: [],
  });
  const disks = await guarded("EBS volumes and AMIs", () => ebs(o, keys.judge), { volumes: [], images: [] });
  const s3rows = await guarded("S3 buckets", () => buckets(o, keys.judge, problems), [] as Bucket[]);
  const tables = await guarded("DynamoDB tables", () => dynamodbTables(o, keys.judge), [] as DynamoTable[]);
  const cacheRows = await guarded("ElastiCache caches", () => caches(o, keys.judge), [] as Cache[]);
  const keep = <T extends Resource>(rows: T[]) => rows.filter((r) => o.selection.keeps(r));
  // A volume whose snapshots back an AMI that moves goes with the AMI.
  const images = keep(disks.images);
  const movingImages = new Set(images.filter((i) => i.included).map((i) => i.id));
  const volumes = keep(disks.volumes);
  for (const v of volumes) {
    const with_ = v.backs.filter((id) => movingImages.has(id));
    if (with_.length > 0 && v.attachedTo.length === 0) {
      v.included = false;
      v.findings.push({
        level: "excluded",
        code: "BACKS_AMI",
        message: `volume ${v.id} is where AMI ${with_.join(", ")} was made from: the AMI moves with its own snapshots`,
        hint: "add it to `volumes` if the target needs the volume on its own too",
      });
    }
  }
  const keptInstances = keep(dbs.instances);
  const keptClusters = keep(dbs.clusters);
  const kept = keep(s3rows);
  const keptTables = keep(tables);
  const keptCaches = keep(cacheRows);
  const cacheExportBuckets = keptCaches.some((c) => c.included)
    ? await guarded("ElastiCache export buckets", () => exportBuckets(o, s3rows), [] as string[])
    : [];
  // The keys of what was kept: a bucket's is in its encryption text, judged under its own ref.
  const used = new Set<string>([
    ...[...keptInstances, ...keptClusters, ...volumes, ...keptTables, ...keptCaches].flatMap((r) =>
      r.key ? [r.key.ref] : [],
    ),
    ...images.flatMap((i) => i.keys.map((k) => k.ref)),
  ]);
  const allKeys = await keys.all();
  const keyRefs = allKeys.filter(
    (k) => used.has(k.ref) || kept.some((b) => b.encryption.includes(k.aliases[0] ?? k.arn ?? k.ref)),
  );
  return {
    account: { alias: o.account.alias, id: o.account.id, arn: o.account.arn, region: o.account.region },
    selection: o.selection,
    databases: keptInstances,
    clusters: keptClusters,
    volumes,
    images,
    buckets: kept,
    dynamodbTables: keptTables,
    caches: keptCaches,
    cacheExportBuckets,
    keys: keyRefs,
    problems,
  };
}
