/**
 * The cross-account EBS moves the ec2.move-* recipes expand to. Snapshot: [snapshot the volume] →
 * re-encrypt under the share key → share with `to` → copy in `to` under the target key → [cleanup].
 * AMI: copy under the share key (re-encrypts every snapshot) → share AMI + snapshots → copy in `to`
 * under the target key → [cleanup].
 */
import { z } from "zod";
import type { ExpandedStep } from "../define.js";
import { namesAwsManagedAlias } from "../kms/keys.js";

export const ec2MoveCommonParams = {
  from: z.string().min(1).describe("Account alias that owns the source."),
  to: z.string().min(1).describe("Account alias that receives it."),
  shareKey: z
    .string()
    .min(1)
    .refine((k) => !namesAwsManagedAlias(k), {
      message: "an AWS managed key (alias/aws/...) cannot be used for sharing",
    })
    .describe(
      "Customer managed KMS key in `from` whose policy admits `to` (e.g. the keyArn of a kms.create-key step).",
    ),
  targetKey: z.string().min(1).describe("KMS key in `to` that encrypts the final copy."),
  cleanup: z
    .boolean()
    .default(false)
    .describe(
      "After the target's copy is complete, delete the intermediates this run made in `from`. Destructive: confirmed before it acts.",
    ),
};

type SelfRef = (localId: string, output: string) => string;

/** `${{ accounts.<alias>.region }}`: resolved by the runbook layer like any other reference. */
function regionOf(alias: string): string {
  return `\${{ accounts.${alias}.region }}`;
}

export function expandSnapshotMove(withRaw: Record<string, unknown>, selfRef: SelfRef): ExpandedStep[] {
  const from = String(withRaw.from);
  const to = String(withRaw.to);
  const fromVolume = withRaw.volumeId !== undefined;
  const first: ExpandedStep[] = fromVolume
    ? [
        {
          localId: "snapshot",
          type: "ec2.create-snapshot",
          account: from,
          with: { volumeId: withRaw.volumeId },
          description: `snapshot volume ${String(withRaw.volumeId)} in ${from}`,
        },
      ]
    : [];
  const source = fromVolume ? selfRef("snapshot", "snapshotId") : withRaw.snapshotId;
  const cleanup: ExpandedStep[] =
    withRaw.cleanup === true
      ? [
          {
            localId: "cleanup-reencrypt",
            type: "ec2.delete-snapshot",
            account: from,
            with: { snapshot: selfRef("reencrypt", "snapshotId") },
            needs: ["copy"],
            description: "delete the re-encrypted shared copy (the target has its own now)",
          },
          ...(fromVolume
            ? [
                {
                  localId: "cleanup-snapshot",
                  type: "ec2.delete-snapshot",
                  account: from,
                  with: { snapshot: selfRef("snapshot", "snapshotId") },
                  needs: ["copy"],
                  description: "delete the snapshot this run took of the volume",
                },
              ]
            : []),
        ]
      : [];
  return [
    ...first,
    {
      localId: "reencrypt",
      type: "ec2.copy-snapshot",
      account: from,
      with: { source, kmsKeyId: withRaw.shareKey, forSharing: true },
      description: "re-encrypt under the share key",
    },
    {
      localId: "share",
      type: "ec2.share-snapshot",
      account: from,
      with: { snapshot: selfRef("reencrypt", "snapshotId"), accounts: [to], kmsKeyId: withRaw.shareKey },
      description: `share with ${to}`,
    },
    {
      localId: "copy",
      type: "ec2.copy-snapshot",
      account: to,
      // The shared snapshot lives in `from`'s region; the copy may cross into `to`'s.
      with: { source: selfRef("share", "snapshotId"), sourceRegion: regionOf(from), kmsKeyId: withRaw.targetKey },
      description: `copy into ${to} under the target key`,
    },
    ...cleanup,
  ];
}

export function expandImageMove(withRaw: Record<string, unknown>, selfRef: SelfRef): ExpandedStep[] {
  const from = String(withRaw.from);
  const to = String(withRaw.to);
  const cleanup: ExpandedStep[] =
    withRaw.cleanup === true
      ? [
          {
            localId: "cleanup-reencrypt",
            type: "ec2.deregister-image",
            account: from,
            with: { image: selfRef("reencrypt", "imageId") },
            needs: ["copy"],
            description: "deregister the re-encrypted shared AMI and delete its snapshots",
          },
        ]
      : [];
  return [
    {
      localId: "reencrypt",
      type: "ec2.copy-image",
      account: from,
      with: { source: withRaw.image, kmsKeyId: withRaw.shareKey, forSharing: true },
      description: "copy the AMI under the share key (re-encrypts every snapshot)",
    },
    {
      localId: "share",
      type: "ec2.share-image",
      account: from,
      with: { image: selfRef("reencrypt", "imageId"), accounts: [to], kmsKeyId: withRaw.shareKey },
      description: `share the AMI and its snapshots with ${to}`,
    },
    {
      localId: "copy",
      type: "ec2.copy-image",
      account: to,
      with: {
        source: selfRef("share", "imageId"),
        sourceRegion: regionOf(from),
        kmsKeyId: withRaw.targetKey,
        ...(withRaw.name !== undefined ? { name: withRaw.name } : {}),
      },
      description: `copy into ${to} under the target key`,
    },
    ...cleanup,
  ];
}
