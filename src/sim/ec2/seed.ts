/**
 * Seed schema of EC2 resources (per account and region): EBS volumes, EBS snapshots of them, AMIs backed
 * by snapshots of them. Ids are optional (deterministic when absent).
 */
import { z } from "zod";

const AccountId = z.string().regex(/^\d{12}$/, "an account id is 12 digits");
const Tags = z.record(z.string(), z.string()).default({});
/** `aws/ebs` (the AWS managed key), `alias/<name>` (a kmsKeys entry of the same region) or `none`. */
const EbsKeyRef = z.union([z.literal("none"), z.string().regex(/^(aws\/[a-z0-9-]+|alias\/.+)$/)]);
const Shares = z.array(z.union([AccountId, z.literal("all")])).default([]);

const id = (prefix: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${prefix}-[0-9a-f]{8,17}$`),
      `must look like ${prefix}- followed by 8 to 17 lowercase hex digits`,
    )
    .optional();

export const VolumeSeed = z.strictObject({
  id: id("vol"),
  sizeGb: z.number().int().positive(),
  kmsKey: EbsKeyRef.default("aws/ebs"),
  tags: Tags,
});

export const EbsSnapshotSeed = z.strictObject({
  id: id("snap"),
  /** Id of a volume of the same account and region. */
  volume: z.string().min(1),
  description: z.string().default(""),
  /** Default: the volume's key. */
  kmsKey: EbsKeyRef.optional(),
  sharedWith: Shares,
  /** completed = finished an hour ago; pending = starts now. */
  state: z.enum(["completed", "pending"]).default("completed"),
  tags: Tags,
});

export const ImageSeed = z.strictObject({
  id: id("ami"),
  name: z.string().min(1),
  description: z.string().default(""),
  /** One snapshot per volume is created behind the image; the first is the root device /dev/xvda. */
  volumes: z.array(z.string().min(1)).min(1),
  sharedWith: Shares,
  tags: Tags,
});

/** IAM actions denied to every principal of an account: `ec2:CopySnapshot`, `ec2:*`. */
export const DenyActions = z.array(z.string().regex(/^[a-z0-9-]+:(\*|[A-Za-z0-9]+\*?)$/, "service:Action")).default([]);

export type VolumeSeedData = z.output<typeof VolumeSeed>;
export type EbsSnapshotSeedData = z.output<typeof EbsSnapshotSeed>;
export type ImageSeedData = z.output<typeof ImageSeed>;
export type EbsKeyRefSeed = z.output<typeof EbsKeyRef>;
