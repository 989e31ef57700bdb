/** rds.move-cluster-snapshot (recipe): the same move for an Aurora cluster. */
import { z } from "zod";
import { defineRecipe } from "../define.js";
import { expandMove, MOVE_OUTPUTS, moveCommonParams } from "./move.js";

export const rdsMoveClusterSnapshotParams = z
  .strictObject({
    ...moveCommonParams,
    cluster: z.string().min(1).describe("Aurora DB cluster identifier in `from`."),
  })
  .refine((p) => p.from !== p.to, { message: "from and to must be different accounts", path: ["to"] });
export type RdsMoveClusterSnapshotParams = z.infer<typeof rdsMoveClusterSnapshotParams>;

export const rdsMoveClusterSnapshot = defineRecipe<RdsMoveClusterSnapshotParams>({
  type: "rds.move-cluster-snapshot",
  description:
    "Snapshot an Aurora cluster, re-encrypt it under a shareable key, share it, and copy it into the target account under the target's key.",
  params: rdsMoveClusterSnapshotParams,
  outputs: MOVE_OUTPUTS,
  accountParams: { single: ["from", "to"] },
  expand: (withRaw, { selfRef }) => expandMove(withRaw, selfRef, { kind: "cluster", key: "cluster" }),
});
