/**
 * The IAM actions each primitive step type's code calls, and on what, per the AWS Service Authorization
 * Reference (API → IAM action: ListObjectVersions is s3:ListBucketVersions, HeadObject s3:GetObject, a
 * multipart upload s3:PutObject, CreateJob s3:CreateJob + iam:PassRole…). Reads that plan makes are here
 * too: the policy is what plan and run need. Resources are as narrow as validation knows them: this run's
 * snapshots are `hk-*`, named buckets are named, keys the run creates are the account's `key/*`.
 * `test/policy/coverage.test.ts` checks that every primitive step type has an entry.
 */
import { arns, type Need, type TaskView } from "./context.js";

type Permissions = (v: TaskView) => Need[];

const need = (account: string, actions: string[], resources: string[]): Need => ({ account, actions, resources });

/** What RDS and EBS copies need on a KMS key (RDS_COPY_KEY_ACTIONS / EBS_COPY_KEY_ACTIONS and the data keys). */
const RDS_KEY = [
  "kms:DescribeKey",
  "kms:CreateGrant",
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
];
const EBS_KEY = [...RDS_KEY, "kms:GenerateDataKeyWithoutPlaintext"];

/** The key a param names: a known ARN or alias, else the account's keys (a key this run creates). */
function keyResources(v: TaskView, name: string, account = v.alias): string[] {
  const a = arns(v.spec(account));
  const value = v.known(name);
  if (!value) return [a.keys];
  if (value.startsWith("arn:")) return [value];
  if (value.startsWith("alias/")) return [a.alias(value), a.keys];
  return [`${a.keys.slice(0, -1)}${value}`];
}

// ---- RDS ------------------------------------------------------------------------------------------

const RDS_READS = [
  "rds:DescribeDBInstances",
  "rds:DescribeDBClusters",
  "rds:DescribeDBSnapshots",
  "rds:DescribeDBClusterSnapshots",
  "rds:DescribeDBSnapshotAttributes",
  "rds:DescribeDBClusterSnapshotAttributes",
  "rds:ListTagsForResource",
];

function rdsKind(v: TaskView): "snapshot" | "cluster-snapshot" {
  return v.known("kind") === "cluster" || v.known("cluster") !== undefined ? "cluster-snapshot" : "snapshot";
}

/** A snapshot param: a known id or ARN, else this run's `hk-*` in the account of the task that made it. */
function rdsSnapshot(v: TaskView, name: string): string {
  const value = v.param(name);
  const kind = rdsKind(v);
  if (typeof value === "string" && value.startsWith("arn:")) return value;
  const id = typeof value === "string" && !value.includes("${{") ? value : "hk-*";
  return arns(v.spec(v.ownerOf(value))).rds(kind, id);
}

const rdsReads = (v: TaskView) => need(v.alias, RDS_READS, ["*"]);

const RDS: Record<string, Permissions> = {
  "rds.create-snapshot": (v) => {
    const a = arns(v.spec());
    const cluster = v.known("cluster");
    const source = cluster ? a.rds("cluster", cluster) : a.rds("db", v.known("instance") ?? "*");
    const kind = cluster ? "cluster-snapshot" : "snapshot";
    const out = [
      rdsReads(v),
      need(
        v.alias,
        [cluster ? "rds:CreateDBClusterSnapshot" : "rds:CreateDBSnapshot", "rds:AddTagsToResource"],
        [source, a.rds(kind, "hk-*")],
      ),
    ];
    if (v.param("fromAutomated") === true) {
      // The latest automated snapshot (rds:<id>-<time>) copied to a manual one of this run.
      out.push(
        need(
          v.alias,
          [cluster ? "rds:CopyDBClusterSnapshot" : "rds:CopyDBSnapshot"],
          [a.rds(kind, "rds:*"), a.rds(kind, "hk-*")],
        ),
      );
    }
    return out;
  },
  "rds.copy-snapshot": (v) => {
    const a = arns(v.spec());
    const kind = rdsKind(v);
    const copy = kind === "cluster-snapshot" ? "rds:CopyDBClusterSnapshot" : "rds:CopyDBSnapshot";
    const source = rdsSnapshot(v, "source");
    const sourceAccount = v.ownerOf(v.param("source"));
    const keys = keyResources(v, "kmsKeyId");
    // Copying a snapshot shared from another account uses that account's key through the share.
    if (sourceAccount !== v.alias) keys.push(arns(v.spec(sourceAccount)).keys);
    return [
      rdsReads(v),
      need(v.alias, [copy, "rds:AddTagsToResource"], [source, a.rds(kind, "hk-*")]),
      need(v.alias, [...RDS_KEY, "kms:GetKeyPolicy"], keys),
    ];
  },
  "rds.share-snapshot": (v) => {
    const kind = rdsKind(v);
    return [
      rdsReads(v),
      need(
        v.alias,
        [kind === "cluster-snapshot" ? "rds:ModifyDBClusterSnapshotAttribute" : "rds:ModifyDBSnapshotAttribute"],
        [rdsSnapshot(v, "snapshot")],
      ),
      need(v.alias, ["kms:DescribeKey", "kms:GetKeyPolicy"], keyResources(v, "kmsKeyId")),
    ];
  },
  "rds.wait-snapshot": (v) => [rdsReads(v)],
  "rds.delete-snapshot": (v) => [
    rdsReads(v),
    need(
      v.alias,
      [rdsKind(v) === "cluster-snapshot" ? "rds:DeleteDBClusterSnapshot" : "rds:DeleteDBSnapshot"],
      [rdsSnapshot(v, "snapshot")],
    ),
  ],
};

// ---- EC2 (EBS snapshots, AMIs) ----------------------------------------------------------------------

const EC2_READS = [
  "ec2:DescribeVolumes",
  "ec2:DescribeSnapshots",
  "ec2:DescribeSnapshotAttribute",
  "ec2:DescribeImages",
  "ec2:DescribeImageAttribute",
];
const ec2Reads = (v: TaskView) => need(v.alias, EC2_READS, ["*"]);

/** An EBS copy's keys: the destination key, and the keys of the account the source comes from (own or shared). */
function ebsCopyKeys(v: TaskView): string[] {
  return [...new Set([...keyResources(v, "kmsKeyId"), arns(v.spec(v.ownerOf(v.param("source")))).keys])];
}

const EC2: Record<string, Permissions> = {
  "ec2.create-snapshot": (v) => {
    const a = arns(v.spec());
    return [
      ec2Reads(v),
      need(v.alias, ["ec2:CreateSnapshot"], [a.volume(v.known("volumeId") ?? "*"), a.snapshots]),
      need(v.alias, ["ec2:CreateTags"], [a.snapshots]),
    ];
  },
  "ec2.copy-snapshot": (v) => {
    const a = arns(v.spec());
    return [
      ec2Reads(v),
      need(v.alias, ["ec2:CopySnapshot", "ec2:CreateTags"], [a.snapshots]),
      need(v.alias, [...EBS_KEY, "kms:GetKeyPolicy"], ebsCopyKeys(v)),
    ];
  },
  "ec2.share-snapshot": (v) => [
    ec2Reads(v),
    need(v.alias, ["ec2:ModifySnapshotAttribute"], [arns(v.spec()).snapshots]),
    need(v.alias, ["kms:DescribeKey", "kms:GetKeyPolicy"], keyResources(v, "kmsKeyId")),
  ],
  "ec2.share-image": (v) => {
    const a = arns(v.spec());
    return [
      ec2Reads(v),
      need(v.alias, ["ec2:ModifyImageAttribute"], [a.images]),
      need(v.alias, ["ec2:ModifySnapshotAttribute"], [a.snapshots]),
      need(v.alias, ["kms:DescribeKey", "kms:GetKeyPolicy"], keyResources(v, "kmsKeyId")),
    ];
  },
  "ec2.copy-image": (v) => {
    const a = arns(v.spec());
    return [
      ec2Reads(v),
      need(v.alias, ["ec2:CopyImage", "ec2:CreateTags"], [a.images, a.snapshots]),
      need(v.alias, [...EBS_KEY, "kms:GetKeyPolicy"], ebsCopyKeys(v)),
    ];
  },
  "ec2.delete-snapshot": (v) => [ec2Reads(v), need(v.alias, ["ec2:DeleteSnapshot"], [arns(v.spec()).snapshots])],
  "ec2.deregister-image": (v) => {
    const a = arns(v.spec());
    return [
      ec2Reads(v),
      need(v.alias, ["ec2:DeregisterImage"], [a.images]),
      need(v.alias, ["ec2:DeleteSnapshot"], [a.snapshots]),
    ];
  },
};

// ---- KMS ------------------------------------------------------------------------------------------

const KMS: Record<string, Permissions> = {
  "kms.create-key": (v) => {
    const a = arns(v.spec());
    const alias = v.known("alias");
    const allow = v.param("allowAccounts");
    const admits = Array.isArray(allow) ? allow.length > 0 : allow !== undefined;
    return [
      // Tags in CreateKey need kms:TagResource, checked before the key (and its ARN) exists.
      need(v.alias, ["kms:CreateKey", "kms:TagResource", "kms:ListKeys", "kms:ListAliases"], ["*"]),
      // ListResourceTags: after a crash between CreateKey and CreateAlias, the key is found by its tags.
      need(
        v.alias,
        ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListResourceTags", ...(admits ? ["kms:PutKeyPolicy"] : [])],
        [a.keys],
      ),
      need(v.alias, ["kms:CreateAlias"], [a.keys, alias ? a.alias(alias) : a.alias("*")]),
    ];
  },
};

// ---- S3 -------------------------------------------------------------------------------------------

/** What every S3 step reads about a bucket it names (presence, region, Object Lock). */
const BUCKET_READS = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketObjectLockConfiguration"];
const LIST = ["s3:ListAllMyBuckets"];

/** Every setting capture reads and create re-applies (bucket/config.ts SETTINGS). */
const SETTINGS_GET = [
  "s3:GetBucketVersioning",
  "s3:GetEncryptionConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetBucketTagging",
  "s3:GetBucketCORS",
  "s3:GetBucketWebsite",
  "s3:GetBucketOwnershipControls",
  "s3:GetBucketPublicAccessBlock",
  "s3:GetBucketPolicy",
  "s3:GetBucketNotification",
  "s3:GetReplicationConfiguration",
  "s3:GetBucketLogging",
  "s3:GetBucketRequestPayment",
];
const SETTINGS_PUT = [
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketTagging",
  "s3:PutBucketCORS",
  "s3:PutBucketWebsite",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketPolicy",
  "s3:PutBucketNotification",
  "s3:PutReplicationConfiguration",
  "s3:PutBucketLogging",
  "s3:PutBucketRequestPayment",
  "s3:PutBucketObjectLockConfiguration",
];

/** This run's manifests and reports in a bucket (`hikkoshi/<runbook>/…`). */
const RUN_OBJECTS = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

function bucketReads(v: TaskView, bucket: string, account = v.alias): Need {
  return need(account, BUCKET_READS, [arns(v.spec(account)).bucket(bucket)]);
}

function runObjects(v: TaskView, bucket: string | undefined, account = v.alias): Need[] {
  if (!bucket) return [];
  const a = arns(v.spec(account));
  return [need(account, RUN_OBJECTS, [a.objects(bucket, "hikkoshi/")]), bucketReads(v, bucket, account)];
}

/** The manifest bucket of a `manifest` param (a reference to an s3.manifest task). */
function manifestBucketOf(v: TaskView, name = "manifest"): string | undefined {
  const r = v.ref(v.param(name));
  const bucket = r?.task.with.manifestBucket;
  return typeof bucket === "string" && !bucket.includes("${{") ? bucket : undefined;
}

/** Reading every version of a bucket's objects, with tags (direct copies, full verify). */
const READ_VERSIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"];

const S3: Record<string, Permissions> = {
  "s3.capture-config": (v) => {
    const a = arns(v.spec());
    const b = v.bucket(v.param("bucket"));
    return [
      need(v.alias, LIST, ["*"]),
      need(v.alias, [...BUCKET_READS, ...SETTINGS_GET], [a.bucket(b)]),
      // A few objects' encryption is sampled (HeadObject).
      need(v.alias, ["s3:GetObject"], [a.objects(b)]),
      need(v.alias, ["kms:DescribeKey"], [a.keys]),
    ];
  },
  "s3.grant-read": (v) => {
    const b = v.bucket(v.param("bucket"));
    return [
      need(v.alias, LIST, ["*"]),
      need(
        v.alias,
        [...BUCKET_READS, "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
        [arns(v.spec()).bucket(b)],
      ),
    ];
  },
  "s3.create-bucket": createBucket,
  "s3.wait-bucket-name": createBucket,
  "s3.manifest": (v) => {
    const lister = v.aliasParam("sourceAccount");
    const b = v.bucket(v.param("bucket"));
    return [
      need(lister, ["s3:ListBucketVersions", ...BUCKET_READS], [arns(v.spec(lister)).bucket(b)]),
      ...runObjects(v, v.known("manifestBucket")),
    ];
  },
  "s3.copy": copy,
  "s3.batch-copy": copy,
  "s3.restore-delete-markers": (v) => {
    const a = arns(v.spec());
    const b = v.bucket(v.param("bucket"));
    return [
      need(v.alias, [...BUCKET_READS, "s3:ListBucketVersions"], [a.bucket(b)]),
      need(v.alias, ["s3:GetObject", "s3:DeleteObject"], [a.objects(b)]),
      ...runObjects(v, manifestBucketOf(v)),
    ];
  },
  "s3.verify": (v) => {
    const out: Need[] = [];
    const full = v.param("depth") !== "listing";
    for (const [bucketParam, accountParam] of [
      ["source", "sourceAccount"],
      ["destination", "destinationAccount"],
    ] as const) {
      const lister = v.aliasParam(accountParam);
      const a = arns(v.spec(lister));
      const b = v.bucket(v.param(bucketParam));
      out.push(need(lister, ["s3:ListBucketVersions", ...BUCKET_READS], [a.bucket(b)]));
      if (full) {
        out.push(need(lister, READ_VERSIONS, [a.objects(b)]));
        out.push(need(lister, ["s3:GetEncryptionConfiguration"], [a.bucket(b)]));
      }
    }
    out.push(...runObjects(v, v.known("manifestBucket")));
    return out;
  },
  "s3.empty-bucket": (v) => emptyBucket(v, false),
  "s3.delete-bucket": (v) => emptyBucket(v, true),
};

function createBucket(v: TaskView): Need[] {
  const a = arns(v.spec());
  const b = v.bucket(v.param("bucket"));
  return [
    need(v.alias, LIST, ["*"]),
    need(v.alias, ["s3:CreateBucket", ...BUCKET_READS, ...SETTINGS_GET, ...SETTINGS_PUT], [a.bucket(b)]),
    // Replication re-applied (a bucket that has it, rewriteAccountIds) passes its role to S3, and only to S3.
    {
      ...need(v.alias, ["iam:PassRole"], [a.role("*")]),
      condition: { StringEquals: { "iam:PassedToService": "s3.amazonaws.com" } },
    },
  ];
}

function copy(v: TaskView): Need[] {
  const a = arns(v.spec());
  const source = v.bucket(v.param("sourceBucket"));
  const dest = v.bucket(v.param("destinationBucket"));
  const owner = v.aliasParam("sourceAccount");
  const out: Need[] = [
    // The copies read the source with this account's credentials (the grant-read statement admits it); the
    // plan looks at the source bucket itself (its Object Lock) as its owner, `sourceAccount` when given.
    need(v.alias, READ_VERSIONS, [arns(v.spec(owner)).objects(source)]),
    need(owner, BUCKET_READS, [arns(v.spec(owner)).bucket(source)]),
    need(
      v.alias,
      [
        "s3:PutObject",
        "s3:PutObjectTagging",
        "s3:DeleteObject",
        "s3:ListMultipartUploadParts",
        "s3:AbortMultipartUpload",
      ],
      [a.objects(dest)],
    ),
    need(v.alias, [...BUCKET_READS, "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"], [a.bucket(dest)]),
    ...runObjects(v, manifestBucketOf(v)),
    ...runObjects(v, v.known("reportBucket")),
  ];
  const role = v.known("roleArn");
  if (role && v.param("mode") !== "direct") {
    out.push(
      need(v.alias, ["s3:CreateJob"], ["*"]),
      need(v.alias, ["s3:DescribeJob"], [a.jobs]),
      need(v.alias, ["iam:PassRole", "iam:GetRole"], [role]),
    );
  }
  return out;
}

function emptyBucket(v: TaskView, deleteIt: boolean): Need[] {
  const a = arns(v.spec());
  const b = v.bucket(v.param("bucket"));
  return [
    need(v.alias, LIST, ["*"]),
    need(
      v.alias,
      [
        ...BUCKET_READS,
        "s3:ListBucketVersions",
        "s3:ListBucketMultipartUploads",
        "s3:GetBucketTagging",
        ...(deleteIt ? ["s3:DeleteBucket"] : []),
      ],
      [a.bucket(b)],
    ),
    need(v.alias, ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload"], [a.objects(b)]),
  ];
}

// ---- cleanup --------------------------------------------------------------------------------------

const CLEANUP: Record<string, Permissions> = {
  cleanup: (v) => {
    const a = arns(v.spec());
    const list = (name: string): unknown[] => {
      const value = v.param(name);
      return Array.isArray(value) ? value : [];
    };
    const out: Need[] = [];
    if (list("rdsSnapshots").length > 0) {
      out.push(
        need(v.alias, RDS_READS, ["*"]),
        need(
          v.alias,
          ["rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot"],
          [a.rds("snapshot", "hk-*"), a.rds("cluster-snapshot", "hk-*")],
        ),
      );
    }
    if (list("ebsSnapshots").length > 0 || list("images").length > 0) {
      out.push(
        need(v.alias, EC2_READS, ["*"]),
        need(
          v.alias,
          ["ec2:DeleteSnapshot", "ec2:DeregisterImage", "ec2:ModifySnapshotAttribute", "ec2:ModifyImageAttribute"],
          [a.snapshots, a.images],
        ),
      );
    }
    const buckets = [...list("buckets"), ...list("runObjects")].map((b) => v.bucket(b));
    for (const b of list("objects")) {
      const bucket = (b as { bucket?: unknown }).bucket;
      buckets.push(v.bucket(bucket));
    }
    if (buckets.length > 0) {
      out.push(need(v.alias, LIST, ["*"]));
      for (const b of new Set(buckets)) {
        out.push(
          need(
            v.alias,
            [...BUCKET_READS, "s3:ListBucketVersions", "s3:ListBucketMultipartUploads", "s3:GetBucketTagging"],
            [a.bucket(b)],
          ),
          need(v.alias, ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload"], [a.objects(b)]),
        );
      }
      if (list("buckets").length > 0) {
        out.push(
          need(
            v.alias,
            ["s3:DeleteBucket"],
            list("buckets").map((b) => a.bucket(v.bucket(b))),
          ),
        );
      }
    }
    if (list("kmsKeys").length > 0) {
      // Before a key is scheduled, the survey asks what still uses it (databases, volumes, snapshots).
      out.push(
        need(v.alias, ["kms:ListAliases"], ["*"]),
        need(
          v.alias,
          ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListResourceTags", "kms:ScheduleKeyDeletion"],
          [a.keys],
        ),
        need(v.alias, [...RDS_READS, ...EC2_READS], ["*"]),
      );
    }
    return out;
  },
};

// ---- DynamoDB -------------------------------------------------------------------------------------

/** A table's ARN in `alias`'s account: a known name, the name an import task creates, or `*`. */
function tableResource(v: TaskView, name: string, alias = v.alias): string {
  const spec = v.spec(alias);
  let table = v.known(name);
  const r = table ? undefined : v.ref(v.param(name));
  if (r?.output === "table") {
    const made = r.task.with.table ?? r.task.with.sourceTable;
    if (typeof made === "string" && !made.includes("${{")) table = made;
  }
  return `arn:aws:dynamodb:${spec.region}:${spec.id}:table/${table ?? "*"}`;
}

const TABLE_SETTINGS_READS = [
  "dynamodb:DescribeTable",
  "dynamodb:DescribeTimeToLive",
  "dynamodb:DescribeContinuousBackups",
  "dynamodb:ListTagsOfResource",
];

const DYNAMODB: Record<string, Permissions> = {
  "dynamodb.export-table": (v) => {
    const spec = v.spec();
    const table = tableResource(v, "table");
    const bucket = v.bucket(v.param("bucket"));
    return [
      need(
        v.alias,
        ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:ExportTableToPointInTime"],
        [table],
      ),
      ...(v.param("enablePitr") === true ? [need(v.alias, ["dynamodb:UpdateContinuousBackups"], [table])] : []),
      need(v.alias, ["dynamodb:DescribeExport"], [`${table}/export/*`]),
      // ListExports has no resource-level permission; a resume looks for its own export with it.
      need(v.alias, ["dynamodb:ListExports"], ["*"]),
      // The export writes with the caller's identity (the bucket's policy must admit it too).
      need(v.alias, ["s3:PutObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl"], [arns(spec).objects(bucket)]),
    ];
  },
  "dynamodb.import-table": (v) => {
    const spec = v.spec();
    const sourceAlias = v.aliasParam("sourceAccount");
    const source = tableResource(v, "sourceTable", sourceAlias);
    const table = v.known("table") ? tableResource(v, "table") : tableResource(v, "sourceTable");
    const bucket = v.bucket(v.param("bucket"));
    const settings = v.param("applySettings") !== false;
    return [
      need(sourceAlias, TABLE_SETTINGS_READS, [source]),
      need(v.alias, ["dynamodb:DescribeTable", "dynamodb:ImportTable"], [table]),
      need(v.alias, ["dynamodb:DescribeImport"], [`${table}/import/*`]),
      // ListImports has no resource-level permission; a resume looks for its own import with it.
      need(v.alias, ["dynamodb:ListImports"], ["*"]),
      // ImportTable reads the files and logs its bad lines with the caller's identity.
      need(v.alias, ["s3:GetObject", "s3:ListBucket"], [arns(spec).bucket(bucket), arns(spec).objects(bucket)]),
      need(
        v.alias,
        [
          "logs:CreateLogGroup",
          "logs:CreateLogStream",
          "logs:DescribeLogGroups",
          "logs:DescribeLogStreams",
          "logs:PutLogEvents",
          "logs:PutRetentionPolicy",
        ],
        [`arn:aws:logs:${spec.region}:${spec.id}:log-group:/aws-dynamodb/*`],
      ),
      ...(v.param("kmsKeyId") !== undefined
        ? [
            need(
              v.alias,
              ["kms:DescribeKey", "kms:CreateGrant", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
              keyResources(v, "kmsKeyId"),
            ),
          ]
        : []),
      need(
        v.alias,
        settings
          ? [
              ...TABLE_SETTINGS_READS,
              "dynamodb:TagResource",
              "dynamodb:UpdateTimeToLive",
              "dynamodb:UpdateTable",
              "dynamodb:UpdateContinuousBackups",
            ]
          : ["dynamodb:ListTagsOfResource", "dynamodb:TagResource"],
        [table],
      ),
    ];
  },
  "dynamodb.verify": (v) => {
    const sourceAlias = v.aliasParam("sourceAccount");
    return [
      need(sourceAlias, ["dynamodb:DescribeTable", "dynamodb:Scan"], [tableResource(v, "sourceTable", sourceAlias)]),
      need(v.alias, ["dynamodb:DescribeTable", "dynamodb:Scan"], [tableResource(v, "table")]),
    ];
  },
  "dynamodb.restore-pitr": (v) =>
    v.param("wasOn") === true
      ? []
      : [
          need(
            v.alias,
            ["dynamodb:DescribeContinuousBackups", "dynamodb:UpdateContinuousBackups"],
            [tableResource(v, "table")],
          ),
        ],
  "dynamodb.delete-table": (v) => [
    need(v.alias, ["dynamodb:DescribeTable", "dynamodb:DeleteTable"], [tableResource(v, "table")]),
  ],
};

// ---- ElastiCache ----------------------------------------------------------------------------------

const CACHE_READS = [
  "elasticache:DescribeReplicationGroups",
  "elasticache:DescribeCacheClusters",
  "elasticache:DescribeServerlessCaches",
  "elasticache:DescribeSnapshots",
  "elasticache:DescribeServerlessCacheSnapshots",
];

function cacheArn(v: TaskView, type: string, name: string): string {
  const spec = v.spec();
  return `arn:aws:elasticache:${spec.region}:${spec.id}:${type}:${name}`;
}

/** This run's snapshots (`hk-*`) of the kind a task names (serverless or node-based). */
function runSnapshots(v: TaskView, serverless: boolean): string {
  return cacheArn(v, serverless ? "serverlesscachesnapshot" : "snapshot", "hk-*");
}

function isServerless(v: TaskView): boolean {
  if (v.param("serverlessCache") !== undefined) return true;
  const kind = v.param("kind");
  if (kind === "serverless") return true;
  // From a create-snapshot output: serverless when that task snapshots a serverless cache.
  const r = v.ref(kind);
  return r !== undefined && r.task.with.serverlessCache !== undefined;
}

const ELASTICACHE: Record<string, Permissions> = {
  "elasticache.create-snapshot": (v) => {
    const serverless = isServerless(v);
    const snapshots = runSnapshots(v, serverless);
    const group = v.known("replicationGroup");
    const cluster = v.known("cacheCluster");
    const source = serverless
      ? cacheArn(v, "serverlesscache", v.known("serverlessCache") ?? "*")
      : group !== undefined
        ? cacheArn(v, "replicationgroup", group.toLowerCase())
        : cacheArn(v, "cluster", (cluster ?? "*").toLowerCase());
    const out = [
      need(v.alias, CACHE_READS, ["*"]),
      need(v.alias, ["elasticache:ListTagsForResource", "elasticache:AddTagsToResource"], [snapshots]),
    ];
    if (serverless) out.push(need(v.alias, ["elasticache:CreateServerlessCacheSnapshot"], [source, snapshots]));
    else if (v.param("fromAutomated") === true)
      out.push(need(v.alias, ["elasticache:CopySnapshot"], [cacheArn(v, "snapshot", "automatic.*"), snapshots]));
    else out.push(need(v.alias, ["elasticache:CreateSnapshot"], [source, snapshots]));
    return out;
  },
  "elasticache.export-snapshot": (v) => {
    const serverless = isServerless(v);
    const bucket = v.bucket(v.param("bucket"));
    const a = arns(v.spec());
    return [
      need(v.alias, CACHE_READS, ["*"]),
      serverless
        ? need(v.alias, ["elasticache:ExportServerlessCacheSnapshot"], [runSnapshots(v, true)])
        : need(v.alias, ["elasticache:CopySnapshot"], [runSnapshots(v, false)]),
      // The plan's bucket checks and the wait's listing; CopySnapshot to S3 also asks for these two.
      need(
        v.alias,
        ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:GetBucketAcl"],
        [a.bucket(bucket)],
      ),
      need(v.alias, ["s3:ListAllMyBuckets"], ["*"]),
    ];
  },
  "elasticache.delete-snapshot": (v) => {
    const serverless = isServerless(v);
    return [
      need(v.alias, CACHE_READS, ["*"]),
      need(
        v.alias,
        [
          "elasticache:ListTagsForResource",
          serverless ? "elasticache:DeleteServerlessCacheSnapshot" : "elasticache:DeleteSnapshot",
        ],
        [runSnapshots(v, serverless)],
      ),
    ];
  },
};

const NOTHING: Record<string, Permissions> = { manual: () => [], noop: () => [], sleep: () => [] };

export const PERMISSIONS: Readonly<Record<string, Permissions>> = {
  ...KMS,
  ...RDS,
  ...EC2,
  ...S3,
  ...CLEANUP,
  ...DYNAMODB,
  ...ELASTICACHE,
  ...NOTHING,
};
