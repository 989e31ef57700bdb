/** Parameter schemas shared by the EC2 steps, and the concurrency keys of EBS snapshot copies. */
import { z } from "zod";
import { IMAGE_ID, SNAPSHOT_ID, VOLUME_ID } from "./read.js";

export const ebsSnapshotIdSchema = z
  .string()
  .regex(SNAPSHOT_ID, 'an EBS snapshot id: "snap-" and 8 or 17 hex digits')
  .describe("EBS snapshot id (snap-…).");

export const amiIdSchema = z
  .string()
  .regex(IMAGE_ID, 'an AMI id: "ami-" and 8 or 17 hex digits')
  .describe("AMI id (ami-…).");

export const volumeIdSchema = z
  .string()
  .regex(VOLUME_ID, 'an EBS volume id: "vol-" and 8 or 17 hex digits')
  .describe("EBS volume id (vol-…).");

export const regionSchema = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "a region name such as ap-northeast-1")
  .optional()
  .describe("Region of the source. Default: the step account's region.");

/**
 * EBS limits in-progress snapshot copies per destination region and account (20 is the commonly cited
 * figure; 5 for copies from another region). Copies queue on these keys instead of failing.
 */
export function ec2CopyQueues(account: { id: string; region: string }, sourceRegion: string | undefined): string[] {
  const keys = [`ec2-copy:${account.id}:${account.region}`];
  if (sourceRegion !== undefined && sourceRegion !== account.region) {
    keys.push(`ec2-copy-cross-region:${account.id}:${account.region}`);
  }
  return keys;
}
