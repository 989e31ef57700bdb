/** ec2.move-snapshot (recipe): move an EBS volume's data (or a snapshot) to another account. */
import { z } from "zod";
import { defineRecipe } from "../define.js";
import { ec2MoveCommonParams, expandSnapshotMove } from "./move.js";
import { ebsSnapshotIdSchema, volumeIdSchema } from "./schemas.js";

export const ec2MoveSnapshotParams = z
  .strictObject({
    ...ec2MoveCommonParams,
    volumeId: volumeIdSchema
      .optional()
      .describe("Volume in `from` to snapshot. Give exactly one of volumeId / snapshotId."),
    snapshotId: ebsSnapshotIdSchema
      .optional()
      .describe("Existing snapshot in `from` to move. Give exactly one of volumeId / snapshotId."),
  })
  .refine((p) => (p.volumeId === undefined) !== (p.snapshotId === undefined), {
    message: "give exactly one of volumeId or snapshotId",
  })
  .refine((p) => p.from !== p.to, { message: "from and to must be different accounts", path: ["to"] });
export type Ec2MoveSnapshotParams = z.infer<typeof ec2MoveSnapshotParams>;

export const ec2MoveSnapshot = defineRecipe<Ec2MoveSnapshotParams>({
  type: "ec2.move-snapshot",
  description:
    "Snapshot an EBS volume (or take a snapshot), re-encrypt it under a shareable key, share it, and copy it into the target account under the target's key.",
  params: ec2MoveSnapshotParams,
  outputs: { snapshotId: "copy.snapshotId", snapshotArn: "copy.snapshotArn", kmsKeyId: "copy.kmsKeyId" },
  accountParams: { single: ["from", "to"] },
  expand: (withRaw, { selfRef }) => expandSnapshotMove(withRaw, selfRef),
});
