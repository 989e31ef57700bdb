import { z } from "zod";

export const snapshotKindSchema = z
  .enum(["instance", "cluster"])
  .default("instance")
  .describe('"instance" for an RDS DB snapshot, "cluster" for an Aurora DB cluster snapshot.');

export const snapshotIdSchema = z
  .string()
  .max(255)
  .regex(/^[A-Za-z](?:-?[A-Za-z0-9])*$/, "letters, digits and single hyphens, starting with a letter");

/** RDS names the queues of snapshot creations and copies per account and region. */
export function rdsQueue(prefix: "rds-copy" | "rds-snapshot", account: { id: string; region: string }): string {
  return `${prefix}:${account.id}:${account.region}`;
}
