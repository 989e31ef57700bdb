/** ec2.move-image (recipe): move an AMI to another account, which then owns the AMI and its snapshots. */
import { z } from "zod";
import { defineRecipe } from "../define.js";
import { ec2CopyImageParams } from "./copy-image.js";
import { ec2MoveCommonParams, expandImageMove } from "./move.js";
import { amiIdSchema } from "./schemas.js";

export const ec2MoveImageParams = z
  .strictObject({
    ...ec2MoveCommonParams,
    image: amiIdSchema.describe("AMI in `from` to move."),
    name: ec2CopyImageParams.shape.name.describe("Name of the final AMI in `to`. Default: a deterministic name."),
  })
  .refine((p) => p.from !== p.to, { message: "from and to must be different accounts", path: ["to"] });
export type Ec2MoveImageParams = z.infer<typeof ec2MoveImageParams>;

export const ec2MoveImage = defineRecipe<Ec2MoveImageParams>({
  type: "ec2.move-image",
  description:
    "Copy an AMI under a shareable key (re-encrypting every snapshot), share it, and copy it into the target account under the target's key.",
  params: ec2MoveImageParams,
  outputs: { imageId: "copy.imageId", snapshotIds: "copy.snapshotIds", kmsKeyId: "copy.kmsKeyId" },
  accountParams: { single: ["from", "to"] },
  expand: (withRaw, { selfRef }) => expandImageMove(withRaw, selfRef),
});
