/** rds.move-snapshot (recipe): move an RDS instance's data to another account as a snapshot. */
import { z } from "zod";
import { defineRecipe } from "../define.js";
import { expandMove, MOVE_OUTPUTS, moveCommonParams } from "./move.js";

export const rdsMoveSnapshotParams = z
  .strictObject({
    ...moveCommonParams,
    instance: z.string().min(1).describe("DB instance identifier in `from`."),
  })
  .refine((p) => p.from !== p.to, { message: "from and to must be different accounts", path: ["to"] });
export type RdsMoveSnapshotParams = z.infer<typeof rdsMoveSnapshotParams>;

export const rdsMoveSnapshot = defineRecipe<RdsMoveSnapshotParams>({
  type: "rds.move-snapshot",
  description:
    "Snapshot an RDS instance, re-encrypt it under a shareable key, share it, and copy it into the target account under the target's key.",
  params: rdsMoveSnapshotParams,
  outputs: MOVE_OUTPUTS,
  accountParams: { single: ["from", "to"] },
  expand: (withRaw, { selfRef }) => expandMove(withRaw, selfRef, { kind: "instance", key: "instance" }),
});
