/**
 * The `cleanup` step's parameters: lists of intermediates per kind (every list optional, at least one
 * non-empty) and the KMS waiting period. Also how a list item becomes one target (ARN, id, kind), and
 * the plan-time collapse of items whose fields are still unresolved.
 */
import { z } from "zod";
import { partitionOf } from "../../aws/permissions.js";
import { type AccountRef, isUnresolved, type Unresolved } from "../define.js";
import { isArn, type SnapshotKind, snapshotArn, snapshotIdOf } from "../rds/read.js";
import { bucketArn, bucketNameSchema } from "../s3/basics.js";

const rdsItem = z.union([
  z.string().min(1),
  z.strictObject({
    snapshot: z.string().min(1).describe("Snapshot identifier or ARN in the step's account."),
    kind: z.enum(["instance", "cluster"]).describe('"instance" (RDS DB snapshot) or "cluster" (Aurora).'),
  }),
]);

const objectsItem = z.strictObject({
  bucket: bucketNameSchema.describe("Bucket of the step's account holding the objects (it stays)."),
  prefix: z
    .string()
    .min(1)
    .describe("Every version under this prefix is deleted; the prefix must contain this run's id."),
});

export const cleanupParams = z
  .strictObject({
    rdsSnapshots: z
      .array(rdsItem)
      .optional()
      .describe(
        'Manual RDS snapshots this run created: identifier or ARN ("cluster-snapshot" ARNs are Aurora), or { snapshot, kind }.',
      ),
    ebsSnapshots: z
      .array(z.string().regex(/^snap-[0-9a-f]{8,17}$/, "an EBS snapshot id: snap-…"))
      .optional()
      .describe("EBS snapshots this run created (EC2 DeleteSnapshot)."),
    images: z
      .array(z.string().regex(/^ami-[0-9a-f]{8,17}$/, "an AMI id: ami-…"))
      .optional()
      .describe(
        "AMIs this run created: deregistered first, then their backing snapshots that carry this run's tags are deleted.",
      ),
    buckets: z
      .array(bucketNameSchema)
      .optional()
      .describe("Buckets this run created (tagged hikkoshi:run): emptied (versions, markers, uploads) and deleted."),
    objects: z
      .array(objectsItem)
      .optional()
      .describe("Prefixes (manifests, reports) whose every version is deleted; the bucket itself stays."),
    runObjects: z
      .array(bucketNameSchema)
      .optional()
      .describe(
        "Buckets (e.g. the manifest bucket) where everything this run wrote — manifests, completion and verify reports, all under hikkoshi/<runbook>/hk-<run>-… — is deleted; the buckets stay. Put the step after the last copy and verify.",
      ),
    kmsKeys: z
      .array(z.string().min(1))
      .optional()
      .describe("KMS keys this run created (id, ARN or alias): scheduled for deletion LAST, never deleted at once."),
    keyDeletionWindowDays: z
      .number()
      .int()
      .min(7)
      .max(30)
      .default(30)
      .describe("KMS waiting period in days (7–30); until it ends `aws kms cancel-key-deletion` undoes it."),
  })
  .refine(
    (p) =>
      [p.rdsSnapshots, p.ebsSnapshots, p.images, p.buckets, p.objects, p.runObjects, p.kmsKeys].some(
        (list) => list !== undefined && list.length > 0,
      ),
    {
      message:
        "name at least one thing to clean up: rdsSnapshots, ebsSnapshots, images, buckets, objects, runObjects or kmsKeys (a cleanup step with empty lists does nothing)",
    },
  );
export type CleanupParams = z.infer<typeof cleanupParams>;

export const LIST_FIELDS = ["rdsSnapshots", "ebsSnapshots", "images", "buckets", "objects", "kmsKeys"] as const;
export type ListField = (typeof LIST_FIELDS)[number];

export type TargetKind = "rds-snapshot" | "ebs-snapshot" | "image" | "bucket" | "objects" | "kms-key";

export const KIND_OF: Record<ListField, TargetKind> = {
  rdsSnapshots: "rds-snapshot",
  ebsSnapshots: "ebs-snapshot",
  images: "image",
  buckets: "bucket",
  objects: "objects",
  kmsKeys: "kms-key",
};

export const NOUNS: Record<TargetKind, string> = {
  "rds-snapshot": "RDS snapshot",
  "ebs-snapshot": "EBS snapshot",
  image: "AMI",
  bucket: "bucket",
  objects: "object prefix",
  "kms-key": "KMS key",
};

/** One thing to remove, as named by the params (before anything is looked up). */
export interface TargetRef {
  kind: TargetKind;
  /** What the API takes: snapshot / image id, bucket, key reference. */
  id: string;
  /** The name used in resources, outputs, progress and the journal. */
  arn: string;
  rdsKind?: SnapshotKind;
  bucket?: string;
  prefix?: string;
}

export function ec2Arn(region: string, type: "snapshot" | "image", id: string): string {
  return `arn:${partitionOf(region)}:ec2:${region}::${type}/${id}`;
}

export function objectsArn(bucket: string, prefix: string, region: string): string {
  return `${bucketArn(bucket, region)}/${prefix}*`;
}

type RdsItem = z.infer<typeof rdsItem>;
type ObjectsItem = z.infer<typeof objectsItem>;

function rdsRef(item: RdsItem, account: AccountRef): TargetRef {
  const given = typeof item === "string" ? item : item.snapshot;
  const kind: SnapshotKind =
    typeof item === "string"
      ? isArn(item) && item.includes(":cluster-snapshot:")
        ? "cluster"
        : "instance"
      : item.kind;
  return { kind: "rds-snapshot", id: snapshotIdOf(given), arn: snapshotArn(account, kind, given), rdsKind: kind };
}

/** The targets of one list field, for items that are known (a plan may still hold Unresolved ones). */
export function targetsOf(field: ListField, items: readonly unknown[], account: AccountRef): TargetRef[] {
  const out: TargetRef[] = [];
  for (const item of items) {
    if (isUnresolved(item)) continue;
    switch (field) {
      case "rdsSnapshots":
        out.push(rdsRef(item as RdsItem, account));
        break;
      case "ebsSnapshots":
        out.push({ kind: "ebs-snapshot", id: String(item), arn: ec2Arn(account.region, "snapshot", String(item)) });
        break;
      case "images":
        out.push({ kind: "image", id: String(item), arn: ec2Arn(account.region, "image", String(item)) });
        break;
      case "buckets":
        out.push({
          kind: "bucket",
          id: String(item),
          arn: bucketArn(String(item), account.region),
          bucket: String(item),
        });
        break;
      case "objects": {
        const { bucket, prefix } = item as ObjectsItem;
        out.push({ kind: "objects", id: prefix, arn: objectsArn(bucket, prefix, account.region), bucket, prefix });
        break;
      }
      case "kmsKeys":
        out.push({ kind: "kms-key", id: String(item), arn: String(item) });
        break;
    }
  }
  // The same resource named twice is one target.
  return out.filter((t, i) => out.findIndex((o) => o.arn === t.arn) === i);
}

/** All targets of parsed params, in list order. */
export function allTargets(params: CleanupParams, account: AccountRef): TargetRef[] {
  return LIST_FIELDS.flatMap((field) => targetsOf(field, params[field] ?? [], account));
}

function holdsUnresolved(value: unknown): boolean {
  if (isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(holdsUnresolved);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsUnresolved);
  return false;
}

/**
 * At plan time an item may be an object with an unresolved field ({ bucket, prefix: from a manifest
 * step }): such items become one Unresolved marker, so field validation skips them and the summary can
 * count them as "to be known at run time".
 */
export function collapseUnresolved(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const field of LIST_FIELDS) {
    const list = raw[field];
    if (!Array.isArray(list)) continue;
    out[field] = list.map((item): unknown =>
      !isUnresolved(item) && holdsUnresolved(item)
        ? ({ $unresolved: `${field} item from another step` } satisfies Unresolved)
        : item,
    );
  }
  return out;
}
