/**
 * What each API action of the simulator needs from the caller's identity policies: the IAM action(s) and
 * the resource ARN(s) each is checked against, after the Service Authorization Reference ("Actions,
 * resources, and condition keys for <service>") and the API references' permission notes. One entry per
 * implemented API action, keyed by service (as in stats and fault rules) and action; an action with no
 * entry is denied (enforce.ts) so a gap shows at once. test/sim/iam-enforcement.test.ts checks every
 * implemented action has one.
 *
 * An entry leaves out a resource whose input is missing: the handler then refuses the request
 * (ValidationError, MissingParameter), as AWS validates before it authorizes.
 */
import { field, type JsonInput } from "../protocol/json.js";
import type { QueryInput } from "../protocol/query.js";
import { parseCopySource } from "../s3/copy.js";
import type { S3Request } from "../s3/request.js";
import type { ControlRequest } from "../s3control/handlers.js";
import type { Principal, World } from "../world.js";
import type { Check } from "./policy.js";
import {
  checks,
  ec2Resource,
  kmsAliasResource,
  kmsKeyResource,
  rdsResource,
  s3BucketArn,
  s3ObjectArn,
} from "./resources.js";

export interface AuthzRequest {
  world: World;
  principal: Principal;
  /** The caller's account and the region the request is signed for. */
  account: string;
  region: string;
  input: unknown;
}

export type Entry = (r: AuthzRequest) => Check[];

const on = (action: string, resource: string | undefined | false, context?: Check["context"]): Check | undefined =>
  resource ? { action, resource, ...(context ? { context } : {}) } : undefined;
const star =
  (action: string): Entry =>
  () => [{ action, resource: "*" }];
const query =
  (f: (r: AuthzRequest, i: QueryInput) => Check[]): Entry =>
  (r) =>
    f(r, r.input as QueryInput);
const json =
  (f: (r: AuthzRequest, i: JsonInput) => Check[]): Entry =>
  (r) =>
    f(r, r.input as JsonInput);
const rest =
  (f: (r: AuthzRequest, s3: S3Request) => Check[]): Entry =>
  (r) =>
    f(r, r.input as S3Request);

// ---- STS, IAM ----------------------------------------------------------------------------------------

const sts: Record<string, Entry> = {
  // "No permissions are required to perform this operation" (STS API reference, GetCallerIdentity).
  GetCallerIdentity: () => [],
  // sts:AssumeRole on the role ARN in the caller's identity policies, besides the role's trust policy
  // (checked by identity.ts). AWS waives the identity policy when a same-account trust names the caller's
  // own ARN; the simulator always asks for it.
  AssumeRole: query((_, i) => checks(on("sts:AssumeRole", i.str("RoleArn")))),
};

const iam: Record<string, Entry> = {
  GetRole: query((r, i) =>
    checks(on("iam:GetRole", i.str("RoleName") && `arn:aws:iam::${r.account}:role/${i.str("RoleName")}`)),
  ),
};

// ---- KMS: every key action on the key ARN, aliases resolved to their key ------------------------------

const keyOf = (r: AuthzRequest, ref: string | undefined) =>
  ref ? kmsKeyResource(r.world, r.account, r.region, ref) : undefined;
const onKey = (action: string): Entry => json((r, i) => checks(on(action, keyOf(r, field.str(i, "KeyId")))));

const kms: Record<string, Entry> = {
  // CreateKey has no resource; Tags need kms:TagResource (KMS API reference, CreateKey "Tags").
  CreateKey: json((_, i) =>
    checks(on("kms:CreateKey", "*"), field.objects(i, "Tags").length > 0 && on("kms:TagResource", "*")),
  ),
  // CreateAlias → kms:CreateAlias on the alias ARN AND on the key ARN (KMS Developer Guide, "Controlling
  // access to aliases"); DeleteAlias likewise on the alias and the key it points to.
  CreateAlias: json((r, i) => {
    const name = field.str(i, "AliasName");
    const alias = name ? kmsAliasResource(r.region, r.account, name) : undefined;
    return checks(on("kms:CreateAlias", alias), on("kms:CreateAlias", keyOf(r, field.str(i, "TargetKeyId"))));
  }),
  DeleteAlias: json((r, i) => {
    const name = field.str(i, "AliasName");
    const alias = name ? kmsAliasResource(r.region, r.account, name) : undefined;
    return checks(on("kms:DeleteAlias", alias), on("kms:DeleteAlias", name && keyOf(r, name)));
  }),
  ListAliases: star("kms:ListAliases"),
  ListKeys: star("kms:ListKeys"),
  DescribeKey: onKey("kms:DescribeKey"),
  GetKeyPolicy: onKey("kms:GetKeyPolicy"),
  PutKeyPolicy: onKey("kms:PutKeyPolicy"),
  ListResourceTags: onKey("kms:ListResourceTags"),
  TagResource: onKey("kms:TagResource"),
  UntagResource: onKey("kms:UntagResource"),
  ScheduleKeyDeletion: onKey("kms:ScheduleKeyDeletion"),
  CancelKeyDeletion: onKey("kms:CancelKeyDeletion"),
};

// ---- RDS: arn:aws:rds:<region>:<account>:{db,cluster,snapshot,cluster-snapshot}:<id> ------------------

function rdsSnapshots(member: "DBSnapshot" | "DBClusterSnapshot"): Record<string, Entry> {
  const type = member === "DBSnapshot" ? "snapshot" : "cluster-snapshot";
  const parentType = member === "DBSnapshot" ? "db" : "cluster";
  const parentParam = member === "DBSnapshot" ? "DBInstanceIdentifier" : "DBClusterIdentifier";
  const idParam = `${member}Identifier`;
  const arn = (r: AuthzRequest, ref: string | undefined) => ref && rdsResource(r.region, r.account, type, ref);
  const parentArn = (r: AuthzRequest, ref: string | undefined) =>
    ref && rdsResource(r.region, r.account, parentType, ref);
  // Tags given on create need rds:AddTagsToResource on the new resource (RDS tag-on-create authorization).
  const tagging = (r: AuthzRequest, i: QueryInput, target: string | undefined) =>
    i.structs("Tags").length > 0 && on("rds:AddTagsToResource", arn(r, target));
  const onSnapshot = (action: string): Entry => query((r, i) => checks(on(action, arn(r, i.str(idParam)))));
  return {
    // CreateDBSnapshot → on the DB instance ARN and the new snapshot ARN (cluster: cluster + cluster-snapshot).
    [`Create${member}`]: query((r, i) =>
      checks(
        on(`rds:Create${member}`, parentArn(r, i.str(parentParam))),
        on(`rds:Create${member}`, arn(r, i.str(idParam))),
        tagging(r, i, i.str(idParam)),
      ),
    ),
    // CopyDBSnapshot → rds:CopyDBSnapshot on the source snapshot ARN (as given, or own) and the target's.
    [`Copy${member}`]: query((r, i) =>
      checks(
        on(`rds:Copy${member}`, arn(r, i.str(`Source${idParam}`))),
        on(`rds:Copy${member}`, arn(r, i.str(`Target${idParam}`))),
        tagging(r, i, i.str(`Target${idParam}`)),
      ),
    ),
    [`Delete${member}`]: onSnapshot(`rds:Delete${member}`),
    // Describe without an identifier is checked on `<type>:*` of the caller's account and region.
    [`Describe${member}s`]: query((r, i) => {
      const id = i.str(idParam);
      const parent = i.str(parentParam);
      const resource = id ? arn(r, id) : parent ? parentArn(r, parent) : arn(r, "*");
      return checks(on(`rds:Describe${member}s`, resource));
    }),
    [`Modify${member}Attribute`]: onSnapshot(`rds:Modify${member}Attribute`),
    [`Describe${member}Attributes`]: onSnapshot(`rds:Describe${member}Attributes`),
  };
}

const onRdsResourceName = (action: string): Entry => query((_, i) => checks(on(action, i.str("ResourceName"))));
const describeParents = (action: string, type: string, param: string): Entry =>
  query((r, i) => checks(on(action, rdsResource(r.region, r.account, type, i.str(param) ?? "*"))));

const rds: Record<string, Entry> = {
  ...rdsSnapshots("DBSnapshot"),
  ...rdsSnapshots("DBClusterSnapshot"),
  DescribeDBInstances: describeParents("rds:DescribeDBInstances", "db", "DBInstanceIdentifier"),
  DescribeDBClusters: describeParents("rds:DescribeDBClusters", "cluster", "DBClusterIdentifier"),
  AddTagsToResource: onRdsResourceName("rds:AddTagsToResource"),
  ListTagsForResource: onRdsResourceName("rds:ListTagsForResource"),
  RemoveTagsFromResource: onRdsResourceName("rds:RemoveTagsFromResource"),
};

// ---- EC2: Describe* support no resource-level permissions ("*"); snapshots/images have no account part --

const ec2On = (action: string, resources: (r: AuthzRequest, i: QueryInput) => (string | undefined)[]): Entry =>
  query((r, i) => checks(...resources(r, i).map((res) => on(action, res))));
const ec2Id = (param: string) => (r: AuthzRequest, i: QueryInput) => {
  const id = i.str(param);
  return [id && ec2Resource(r.region, r.account, id)];
};
/** TagSpecification on create needs ec2:CreateTags on the new resource (EC2 User Guide, "Tag on create"). */
const tagOnCreate = (r: AuthzRequest, i: QueryInput, kind: "snapshot" | "image") =>
  i.structs("TagSpecification").length > 0 && on("ec2:CreateTags", ec2Resource(r.region, r.account, "*", kind));
const sourceIn = (r: AuthzRequest, i: QueryInput, param: string) => {
  const id = i.str(param);
  return id && ec2Resource(i.str("SourceRegion") ?? r.region, r.account, id);
};

const ec2: Record<string, Entry> = {
  // CreateSnapshot → on the volume ARN and the new snapshot (arn:aws:ec2:<region>::snapshot/*).
  CreateSnapshot: query((r, i) => {
    const volume = i.str("VolumeId");
    return checks(
      on("ec2:CreateSnapshot", volume && ec2Resource(r.region, r.account, volume)),
      on("ec2:CreateSnapshot", ec2Resource(r.region, r.account, "*", "snapshot")),
      tagOnCreate(r, i, "snapshot"),
    );
  }),
  // CopySnapshot → on the source snapshot (in SourceRegion) and the new one.
  CopySnapshot: query((r, i) =>
    checks(
      on("ec2:CopySnapshot", sourceIn(r, i, "SourceSnapshotId")),
      on("ec2:CopySnapshot", ec2Resource(r.region, r.account, "*", "snapshot")),
      tagOnCreate(r, i, "snapshot"),
    ),
  ),
  // CopyImage → on the source image (in SourceRegion) and the new one.
  CopyImage: query((r, i) =>
    checks(
      on("ec2:CopyImage", sourceIn(r, i, "SourceImageId")),
      on("ec2:CopyImage", ec2Resource(r.region, r.account, "*", "image")),
      tagOnCreate(r, i, "image"),
    ),
  ),
  // DeregisterImage with DeleteAssociatedSnapshots also deletes (ec2:DeleteSnapshot) the backing snapshots.
  DeregisterImage: query((r, i) => {
    const id = i.str("ImageId");
    const image = id ? r.world.accounts.get(r.account)?.regions.get(r.region)?.ec2.images.get(id) : undefined;
    const snapshots = i.bool("DeleteAssociatedSnapshots") ? (image?.devices ?? []) : [];
    return checks(
      on("ec2:DeregisterImage", id && ec2Resource(r.region, r.account, id)),
      ...snapshots.map((d) => on("ec2:DeleteSnapshot", ec2Resource(r.region, r.account, d.snapshotId))),
    );
  }),
  DeleteSnapshot: ec2On("ec2:DeleteSnapshot", ec2Id("SnapshotId")),
  ModifySnapshotAttribute: ec2On("ec2:ModifySnapshotAttribute", ec2Id("SnapshotId")),
  ResetSnapshotAttribute: ec2On("ec2:ResetSnapshotAttribute", ec2Id("SnapshotId")),
  ModifyImageAttribute: ec2On("ec2:ModifyImageAttribute", ec2Id("ImageId")),
  CreateTags: ec2On("ec2:CreateTags", (r, i) => i.list("ResourceId").map((id) => ec2Resource(r.region, r.account, id))),
  DeleteTags: ec2On("ec2:DeleteTags", (r, i) => i.list("ResourceId").map((id) => ec2Resource(r.region, r.account, id))),
  DescribeSnapshots: star("ec2:DescribeSnapshots"),
  DescribeSnapshotAttribute: star("ec2:DescribeSnapshotAttribute"),
  DescribeVolumes: star("ec2:DescribeVolumes"),
  DescribeImages: star("ec2:DescribeImages"),
  DescribeImageAttribute: star("ec2:DescribeImageAttribute"),
  GetEbsEncryptionByDefault: star("ec2:GetEbsEncryptionByDefault"),
  GetEbsDefaultKmsKeyId: star("ec2:GetEbsDefaultKmsKeyId"),
};

// ---- S3: bucket actions on arn:aws:s3:::<bucket>, object actions on arn:aws:s3:::<bucket>/<key> ----------

const onBucket = (action: string, context?: (s3: S3Request) => Check["context"]): Entry =>
  rest((_, q) => checks(on(action, q.bucket && s3BucketArn(q.bucket), context?.(q))));
const objectArn = (q: S3Request) => q.bucket !== undefined && q.key !== undefined && s3ObjectArn(q.bucket, q.key);
/** Object actions with a `…Version…` twin when the request names a versionId. */
const onObject = (action: string, versionAction = action): Entry =>
  rest((_, q) => checks(on(q.query.get("versionId") ? versionAction : action, objectArn(q))));

/** s3:prefix is "" when the listing names none (the console's root listing), as IAM's examples assume. */
const listContext = (q: S3Request): Check["context"] => {
  const context: Record<string, string[]> = { "s3:prefix": [q.query.get("prefix") ?? ""] };
  const delimiter = q.query.get("delimiter");
  if (delimiter !== null) context["s3:delimiter"] = [delimiter];
  const maxKeys = q.query.get("max-keys");
  if (maxKeys !== null) context["s3:max-keys"] = [maxKeys];
  return context;
};

/** Headers that write more than the object: tags and Object Lock (PutObject, CreateMultipartUpload). */
const writeExtras = (q: S3Request) => {
  const arn = objectArn(q);
  return [
    q.headers["x-amz-tagging"] !== undefined && on("s3:PutObjectTagging", arn),
    q.headers["x-amz-object-lock-mode"] !== undefined && on("s3:PutObjectRetention", arn),
    q.headers["x-amz-object-lock-legal-hold"] !== undefined && on("s3:PutObjectLegalHold", arn),
  ];
};
const bypass = (q: S3Request) =>
  q.headers["x-amz-bypass-governance-retention"]?.toLowerCase() === "true" &&
  on("s3:BypassGovernanceRetention", objectArn(q));

/**
 * CopyObject / UploadPartCopy → s3:GetObject (s3:GetObjectVersion when the source names a versionId) on
 * the source object ARN AND s3:PutObject on the destination object ARN; REPLACE tags need
 * s3:PutObjectTagging on the destination.
 */
const copy: Entry = rest((_, q) => {
  const source = parseCopySource(q.headers["x-amz-copy-source"] ?? "");
  const replaceTags = q.headers["x-amz-tagging-directive"] === "REPLACE" && q.headers["x-amz-tagging"] !== undefined;
  return checks(
    source && on(source.versionId ? "s3:GetObjectVersion" : "s3:GetObject", s3ObjectArn(source.bucket, source.key)),
    on("s3:PutObject", objectArn(q)),
    replaceTags && on("s3:PutObjectTagging", objectArn(q)),
  );
});

/** Bucket configuration operations → their IAM actions (names differ: encryption, lifecycle, CORS…). */
const BUCKET_CONFIG: Record<string, string> = {
  GetBucketVersioning: "s3:GetBucketVersioning",
  PutBucketVersioning: "s3:PutBucketVersioning",
  GetBucketPolicy: "s3:GetBucketPolicy",
  PutBucketPolicy: "s3:PutBucketPolicy",
  DeleteBucketPolicy: "s3:DeleteBucketPolicy",
  GetBucketAcl: "s3:GetBucketAcl",
  GetBucketEncryption: "s3:GetEncryptionConfiguration",
  PutBucketEncryption: "s3:PutEncryptionConfiguration",
  DeleteBucketEncryption: "s3:PutEncryptionConfiguration",
  GetBucketLifecycleConfiguration: "s3:GetLifecycleConfiguration",
  PutBucketLifecycleConfiguration: "s3:PutLifecycleConfiguration",
  DeleteBucketLifecycle: "s3:PutLifecycleConfiguration",
  GetBucketTagging: "s3:GetBucketTagging",
  PutBucketTagging: "s3:PutBucketTagging",
  DeleteBucketTagging: "s3:PutBucketTagging",
  GetBucketCors: "s3:GetBucketCORS",
  PutBucketCors: "s3:PutBucketCORS",
  DeleteBucketCors: "s3:PutBucketCORS",
  GetBucketWebsite: "s3:GetBucketWebsite",
  PutBucketWebsite: "s3:PutBucketWebsite",
  DeleteBucketWebsite: "s3:DeleteBucketWebsite",
  GetBucketOwnershipControls: "s3:GetBucketOwnershipControls",
  PutBucketOwnershipControls: "s3:PutBucketOwnershipControls",
  DeleteBucketOwnershipControls: "s3:PutBucketOwnershipControls",
  GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
  PutPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  DeletePublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  GetBucketNotificationConfiguration: "s3:GetBucketNotification",
  PutBucketNotificationConfiguration: "s3:PutBucketNotification",
  GetBucketReplication: "s3:GetReplicationConfiguration",
  DeleteBucketReplication: "s3:PutReplicationConfiguration",
  GetObjectLockConfiguration: "s3:GetBucketObjectLockConfiguration",
  PutObjectLockConfiguration: "s3:PutBucketObjectLockConfiguration",
  GetBucketLogging: "s3:GetBucketLogging",
  PutBucketLogging: "s3:PutBucketLogging",
  GetBucketRequestPayment: "s3:GetBucketRequestPayment",
  PutBucketRequestPayment: "s3:PutBucketRequestPayment",
  GetBucketAccelerateConfiguration: "s3:GetAccelerateConfiguration",
  PutBucketAccelerateConfiguration: "s3:PutAccelerateConfiguration",
};

const s3: Record<string, Entry> = {
  ...Object.fromEntries(Object.entries(BUCKET_CONFIG).map(([op, action]) => [op, onBucket(action)])),
  ListBuckets: star("s3:ListAllMyBuckets"),
  // CreateBucket with Object Lock also needs s3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning;
  // with x-amz-object-ownership, s3:PutBucketOwnershipControls (S3 API reference, CreateBucket).
  CreateBucket: rest((_, q) => {
    const arn = q.bucket && s3BucketArn(q.bucket);
    const lock = q.headers["x-amz-bucket-object-lock-enabled"]?.toLowerCase() === "true";
    return checks(
      on("s3:CreateBucket", arn),
      lock && on("s3:PutBucketObjectLockConfiguration", arn),
      lock && on("s3:PutBucketVersioning", arn),
      q.headers["x-amz-object-ownership"] !== undefined && on("s3:PutBucketOwnershipControls", arn),
    );
  }),
  DeleteBucket: onBucket("s3:DeleteBucket"),
  // HeadBucket: "you must have permission to perform the s3:ListBucket action" (S3 API reference).
  HeadBucket: onBucket("s3:ListBucket"),
  GetBucketLocation: onBucket("s3:GetBucketLocation"),
  ListObjects: onBucket("s3:ListBucket", listContext),
  ListObjectsV2: onBucket("s3:ListBucket", listContext),
  // ListObjectVersions → s3:ListBucketVersions on arn:aws:s3:::bucket.
  ListObjectVersions: onBucket("s3:ListBucketVersions", listContext),
  ListMultipartUploads: onBucket("s3:ListBucketMultipartUploads"),
  // PutBucketReplication also passes the replication role: iam:PassRole on it.
  PutBucketReplication: rest((_, q) => {
    const role = /<Role>([^<]+)<\/Role>/.exec(q.text)?.[1]?.trim();
    return checks(
      on("s3:PutReplicationConfiguration", q.bucket && s3BucketArn(q.bucket)),
      on("iam:PassRole", role, { "iam:PassedToService": ["s3.amazonaws.com"] }),
    );
  }),
  GetObject: onObject("s3:GetObject", "s3:GetObjectVersion"),
  HeadObject: onObject("s3:GetObject", "s3:GetObjectVersion"),
  PutObject: rest((_, q) => checks(on("s3:PutObject", objectArn(q)), ...writeExtras(q))),
  CopyObject: copy,
  DeleteObject: rest((_, q) =>
    checks(on(q.query.get("versionId") ? "s3:DeleteObjectVersion" : "s3:DeleteObject", objectArn(q)), bypass(q)),
  ),
  // DeleteObjects has no permission of its own: s3:DeleteObject / s3:DeleteObjectVersion is checked per
  // key, and a denied key is an <Error> entry of a 200 answer (s3/delete-objects.ts).
  DeleteObjects: () => [],
  CreateMultipartUpload: rest((_, q) => checks(on("s3:PutObject", objectArn(q)), ...writeExtras(q))),
  UploadPart: onObject("s3:PutObject"),
  UploadPartCopy: copy,
  CompleteMultipartUpload: onObject("s3:PutObject"),
  AbortMultipartUpload: onObject("s3:AbortMultipartUpload"),
  ListParts: onObject("s3:ListMultipartUploadParts"),
  GetObjectTagging: onObject("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
  PutObjectTagging: onObject("s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
  DeleteObjectTagging: onObject("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
  GetObjectRetention: onObject("s3:GetObjectRetention"),
  PutObjectRetention: rest((_, q) => checks(on("s3:PutObjectRetention", objectArn(q)), bypass(q))),
  GetObjectLegalHold: onObject("s3:GetObjectLegalHold"),
  PutObjectLegalHold: onObject("s3:PutObjectLegalHold"),
};

// ---- S3 Control (Batch Operations): jobs are arn:aws:s3:<region>:<account>:job/<id> -------------------

const control =
  (f: (r: AuthzRequest, req: ControlRequest) => Check[]): Entry =>
  (r) =>
    f(r, r.input as ControlRequest);
const onJob = (action: string): Entry =>
  control((r, req) =>
    checks(on(action, req.segments[1] && `arn:aws:s3:${r.region}:${r.account}:job/${req.segments[1]}`)),
  );

const s3control: Record<string, Entry> = {
  // CreateJob → s3:CreateJob on * and iam:PassRole on the role ARN (S3 User Guide, "Granting permissions
  // for Batch Operations"), passed to batchoperations.s3.amazonaws.com.
  CreateJob: control((_, req) => {
    const role = /<RoleArn>([^<]+)<\/RoleArn>/.exec(req.text)?.[1]?.trim();
    return checks(
      on("s3:CreateJob", "*"),
      on("iam:PassRole", role, { "iam:passedtoservice": ["batchoperations.s3.amazonaws.com"] }),
    );
  }),
  DescribeJob: onJob("s3:DescribeJob"),
  ListJobs: star("s3:ListJobs"),
  UpdateJobStatus: onJob("s3:UpdateJobStatus"),
};

// ---- SNS: topic actions on the topic ARN (Service Authorization Reference, Amazon SNS) ----------------

const onTopic = (action: string): Entry => query((_, i) => checks(on(action, i.str("TopicArn"))));

const sns: Record<string, Entry> = {
  CreateTopic: query((r, i) =>
    checks(on("sns:CreateTopic", i.str("Name") && `arn:aws:sns:${r.region}:${r.account}:${i.str("Name")}`)),
  ),
  GetTopicAttributes: onTopic("sns:GetTopicAttributes"),
  SetTopicAttributes: onTopic("sns:SetTopicAttributes"),
  ListTopics: star("sns:ListTopics"),
  DeleteTopic: onTopic("sns:DeleteTopic"),
  Publish: onTopic("sns:Publish"),
};

// ---- DynamoDB: table actions on the table ARN (a TableName may be a name or an ARN), exports on theirs ---

const dynamoTable = (r: AuthzRequest, ref: string | undefined) =>
  ref && (ref.startsWith("arn:") ? ref : `arn:aws:dynamodb:${r.region}:${r.account}:table/${ref}`);
const onTable = (action: string): Entry =>
  json((r, i) => checks(on(action, dynamoTable(r, field.str(i, "TableName")))));

const IMPORT_LOGS = [
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:DescribeLogGroups",
  "logs:DescribeLogStreams",
  "logs:PutLogEvents",
  "logs:PutRetentionPolicy",
];

const dynamodb: Record<string, Entry> = {
  ListTables: star("dynamodb:ListTables"),
  DescribeTable: onTable("dynamodb:DescribeTable"),
  DescribeTimeToLive: onTable("dynamodb:DescribeTimeToLive"),
  DescribeContinuousBackups: onTable("dynamodb:DescribeContinuousBackups"),
  UpdateContinuousBackups: onTable("dynamodb:UpdateContinuousBackups"),
  // Scan of an index: dynamodb:Scan on the index ARN.
  Scan: json((r, i) => {
    const table = dynamoTable(r, field.str(i, "TableName"));
    const index = field.str(i, "IndexName");
    return checks(on("dynamodb:Scan", table && (index ? `${table}/index/${index}` : table)));
  }),
  // The caller also writes the files: s3:PutObject under the export's prefix (DynamoDB Developer Guide,
  // "Requesting a table export": s3:PutObject, s3:AbortMultipartUpload, s3:PutObjectAcl on the bucket).
  ExportTableToPointInTime: json((_, i) => {
    const bucket = field.str(i, "S3Bucket");
    const prefix = field.str(i, "S3Prefix")?.replace(/\/+$/, "");
    return checks(
      on("dynamodb:ExportTableToPointInTime", field.str(i, "TableArn")),
      on("s3:PutObject", bucket && s3ObjectArn(bucket, `${prefix ? `${prefix}/` : ""}AWSDynamoDB/*`)),
    );
  }),
  // The export ARN is arn:aws:dynamodb:<region>:<account>:table/<name>/export/<id>.
  DescribeExport: json((_, i) => checks(on("dynamodb:DescribeExport", field.str(i, "ExportArn")))),
  ListExports: star("dynamodb:ListExports"),
  // ImportTable on the ARN of the table it creates; it reads the source as the caller and logs the lines it
  // could not import in CloudWatch Logs, also as the caller (DynamoDB Developer Guide, "Requesting a table
  // import": s3:GetObject and s3:ListBucket on the source; logs:CreateLogGroup, CreateLogStream,
  // DescribeLogGroups, DescribeLogStreams, PutLogEvents, PutRetentionPolicy on its log group).
  ImportTable: json((r, i) => {
    const creation = i.TableCreationParameters as JsonInput | undefined;
    const source = i.S3BucketSource as JsonInput | undefined;
    const bucket = source && field.str(source, "S3Bucket");
    const prefix = (source && field.str(source, "S3KeyPrefix")) ?? "";
    return checks(
      on("dynamodb:ImportTable", creation && dynamoTable(r, field.str(creation, "TableName"))),
      on("s3:ListBucket", bucket && s3BucketArn(bucket)),
      on("s3:GetObject", bucket && s3ObjectArn(bucket, `${prefix}*`)),
      ...IMPORT_LOGS.map((action) =>
        on(action, `arn:aws:logs:${r.region}:${r.account}:log-group:/aws-dynamodb/imports:*`),
      ),
    );
  }),
  // The import ARN is arn:aws:dynamodb:<region>:<account>:table/<name>/import/<id>.
  DescribeImport: json((_, i) => checks(on("dynamodb:DescribeImport", field.str(i, "ImportArn")))),
  ListImports: star("dynamodb:ListImports"),
  DeleteTable: onTable("dynamodb:DeleteTable"),
  UpdateTimeToLive: onTable("dynamodb:UpdateTimeToLive"),
  UpdateTable: onTable("dynamodb:UpdateTable"),
  TagResource: json((_, i) => checks(on("dynamodb:TagResource", field.str(i, "ResourceArn")))),
  UntagResource: json((_, i) => checks(on("dynamodb:UntagResource", field.str(i, "ResourceArn")))),
  ListTagsOfResource: json((_, i) => checks(on("dynamodb:ListTagsOfResource", field.str(i, "ResourceArn")))),
  PutItem: onTable("dynamodb:PutItem"),
  GetItem: onTable("dynamodb:GetItem"),
  DeleteItem: onTable("dynamodb:DeleteItem"),
};

// ---- ElastiCache: arn:aws:elasticache:<region>:<account>:{replicationgroup,cluster,snapshot,serverlesscache,
// serverlesscachesnapshot}:<name> (Service Authorization Reference, "Actions defined by Amazon ElastiCache") --

const cacheArnOf = (r: AuthzRequest, type: string, name: string | undefined) =>
  name && `arn:aws:elasticache:${r.region}:${r.account}:${type}:${name}`;
/** Tags in a creating request also need elasticache:AddTagsToResource on the new resource. */
const cacheTagging = (r: AuthzRequest, i: QueryInput, type: string, name: string | undefined) =>
  i.structs("Tags").length > 0 && on("elasticache:AddTagsToResource", cacheArnOf(r, type, name));
const onCacheName = (action: string, type: string, param: string): Entry =>
  query((r, i) => checks(on(action, cacheArnOf(r, type, i.str(param)))));
const onCacheResource = (action: string): Entry => query((_, i) => checks(on(action, i.str("ResourceName"))));

const elasticache: Record<string, Entry> = {
  DescribeReplicationGroups: star("elasticache:DescribeReplicationGroups"),
  DescribeCacheClusters: star("elasticache:DescribeCacheClusters"),
  DescribeServerlessCaches: star("elasticache:DescribeServerlessCaches"),
  DescribeSnapshots: star("elasticache:DescribeSnapshots"),
  DescribeServerlessCacheSnapshots: star("elasticache:DescribeServerlessCacheSnapshots"),
  // CreateSnapshot → on the replication group or cluster AND the new snapshot.
  CreateSnapshot: query((r, i) => {
    const name = i.str("SnapshotName");
    return checks(
      on("elasticache:CreateSnapshot", cacheArnOf(r, "replicationgroup", i.str("ReplicationGroupId")?.toLowerCase())),
      on("elasticache:CreateSnapshot", cacheArnOf(r, "cluster", i.str("CacheClusterId")?.toLowerCase())),
      on("elasticache:CreateSnapshot", cacheArnOf(r, "snapshot", name)),
      cacheTagging(r, i, "snapshot", name),
    );
  }),
  // CopySnapshot → on the source and the target snapshot; an export (TargetBucket) also needs
  // s3:GetBucketLocation on the bucket and s3:ListAllMyBuckets (ElastiCache User Guide, "ElastiCache API
  // permissions: Actions, resources, and conditions reference").
  CopySnapshot: query((r, i) => {
    const target = i.str("TargetSnapshotName");
    const bucket = i.str("TargetBucket");
    return checks(
      on("elasticache:CopySnapshot", cacheArnOf(r, "snapshot", i.str("SourceSnapshotName"))),
      on("elasticache:CopySnapshot", cacheArnOf(r, "snapshot", target)),
      !!bucket && on("s3:GetBucketLocation", s3BucketArn(bucket)),
      !!bucket && on("s3:ListAllMyBuckets", "*"),
      cacheTagging(r, i, "snapshot", target),
    );
  }),
  DeleteSnapshot: onCacheName("elasticache:DeleteSnapshot", "snapshot", "SnapshotName"),
  // CreateServerlessCacheSnapshot → on the serverless cache and the new serverless cache snapshot.
  CreateServerlessCacheSnapshot: query((r, i) => {
    const name = i.str("ServerlessCacheSnapshotName");
    return checks(
      on("elasticache:CreateServerlessCacheSnapshot", cacheArnOf(r, "serverlesscache", i.str("ServerlessCacheName"))),
      on("elasticache:CreateServerlessCacheSnapshot", cacheArnOf(r, "serverlesscachesnapshot", name)),
      cacheTagging(r, i, "serverlesscachesnapshot", name),
    );
  }),
  ExportServerlessCacheSnapshot: onCacheName(
    "elasticache:ExportServerlessCacheSnapshot",
    "serverlesscachesnapshot",
    "ServerlessCacheSnapshotName",
  ),
  DeleteServerlessCacheSnapshot: onCacheName(
    "elasticache:DeleteServerlessCacheSnapshot",
    "serverlesscachesnapshot",
    "ServerlessCacheSnapshotName",
  ),
  AddTagsToResource: onCacheResource("elasticache:AddTagsToResource"),
  RemoveTagsFromResource: onCacheResource("elasticache:RemoveTagsFromResource"),
  ListTagsForResource: onCacheResource("elasticache:ListTagsForResource"),
};

/** The table: service → API action → what it needs. */
export const AUTHORIZATION: Record<string, Record<string, Entry>> = {
  sts,
  iam,
  kms,
  rds,
  ec2,
  s3,
  s3control,
  sns,
  dynamodb,
  elasticache,
};

export function entryFor(service: string, action: string): Entry | undefined {
  const table = AUTHORIZATION[service];
  return table && Object.hasOwn(table, action) ? table[action] : undefined;
}
