/**
 * The cross-account snapshot move both recipes expand to: snapshot in `from` → re-encrypt under the
 * share key → share with `to` → copy in `to` under the target key.
 */
import { z } from "zod";
import type { ExpandedStep } from "../define.js";
import { namesAwsManagedAlias } from "../kms/keys.js";
import { snapshotIdSchema } from "./schemas.js";

export const moveCommonParams = {
  from: z.string().min(1).describe("Account alias that owns the database."),
  to: z.string().min(1).describe("Account alias that receives the snapshot."),
  fromAutomated: z
    .boolean()
    .default(false)
    .describe("Start from the latest automated snapshot instead of taking a new one."),
  shareKey: z
    .string()
    .min(1)
    .refine((k) => !namesAwsManagedAlias(k), {
      message: "an AWS managed key (alias/aws/...) cannot be used for sharing",
    })
    .describe(
      "Customer managed KMS key in `from` whose policy admits `to` (e.g. the keyArn output of a kms.create-key step).",
    ),
  targetKey: z.string().min(1).describe("KMS key in `to` that encrypts the final copy."),
  cleanup: z
    .boolean()
    .default(false)
    .describe(
      "After the target's copy is available, delete the intermediates this run made in `from` (the manual snapshot and the re-encrypted shared copy). Destructive: confirmed before it acts.",
    ),
  targetSnapshotId: snapshotIdSchema
    .optional()
    .describe("Identifier of the final snapshot in `to`. Default: a deterministic name."),
};

export const MOVE_OUTPUTS: Record<string, string> = {
  snapshotArn: "copy.snapshotArn",
  snapshotId: "copy.snapshotId",
  kmsKeyId: "copy.kmsKeyId",
};

export function expandMove(
  withRaw: Record<string, unknown>,
  selfRef: (localId: string, output: string) => string,
  source: { kind: "instance" | "cluster"; key: "instance" | "cluster" },
): ExpandedStep[] {
  const { from, to, shareKey, targetKey } = withRaw;
  const kind = source.kind;
  const cleanup: ExpandedStep[] =
    withRaw.cleanup === true
      ? [
          {
            localId: "cleanup-reencrypt",
            type: "rds.delete-snapshot",
            account: String(from),
            with: { snapshot: selfRef("reencrypt", "snapshotId"), kind },
            needs: ["copy"],
            description: "delete the re-encrypted shared copy (the target has its own now)",
          },
          {
            localId: "cleanup-snapshot",
            type: "rds.delete-snapshot",
            account: String(from),
            with: { snapshot: selfRef("snapshot", "snapshotId"), kind },
            needs: ["copy"],
            description: "delete the manual snapshot this run took (or copied from the automated one)",
          },
        ]
      : [];
  return [
    {
      localId: "snapshot",
      type: "rds.create-snapshot",
      account: String(from),
      with: { [source.key]: withRaw[source.key], fromAutomated: withRaw.fromAutomated ?? false },
      description: `snapshot the ${kind} in ${String(from)}`,
    },
    {
      localId: "reencrypt",
      type: "rds.copy-snapshot",
      account: String(from),
      with: { source: selfRef("snapshot", "snapshotId"), kind, kmsKeyId: shareKey, forSharing: true },
      description: "re-encrypt under the share key",
    },
    {
      localId: "share",
      type: "rds.share-snapshot",
      account: String(from),
      with: { snapshot: selfRef("reencrypt", "snapshotId"), kind, accounts: [to], kmsKeyId: shareKey },
      description: `share with ${String(to)}`,
    },
    {
      localId: "copy",
      type: "rds.copy-snapshot",
      account: String(to),
      with: {
        source: selfRef("share", "snapshotArn"),
        kind,
        kmsKeyId: targetKey,
        ...(withRaw.targetSnapshotId !== undefined ? { targetId: withRaw.targetSnapshotId } : {}),
      },
      description: `copy into ${String(to)} under the target key`,
    },
    ...cleanup,
  ];
}
