/** The EC2 actions the simulator implements (EBS snapshots, volumes, AMIs), each run through ec2Action. */
import type { QueryInput } from "../protocol/query.js";
import type { Handler } from "../protocol/types.js";
import { answer, ec2Action, type Prepare } from "./action.js";
import { describeImages, describeSnapshots, describeVolumes } from "./describe.js";
import { copyImage, deregisterImage } from "./images.js";
import { DEFAULT_EBS_KEY_ALIAS } from "./keys.js";
import {
  describeImageAttribute,
  describeSnapshotAttribute,
  modifyImageAttribute,
  modifySnapshotAttribute,
  resetSnapshotAttribute,
} from "./sharing.js";
import { copySnapshot, createSnapshot, deleteSnapshot } from "./snapshots.js";
import { createTags, deleteTags } from "./tags.js";

const prepares: Record<string, Prepare> = {
  CreateSnapshot: createSnapshot,
  CopySnapshot: copySnapshot,
  DeleteSnapshot: deleteSnapshot,
  DescribeSnapshots: describeSnapshots,
  ModifySnapshotAttribute: modifySnapshotAttribute,
  DescribeSnapshotAttribute: describeSnapshotAttribute,
  ResetSnapshotAttribute: resetSnapshotAttribute,
  DescribeVolumes: describeVolumes,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeImages: describeImages,
  DescribeImageAttribute: describeImageAttribute,
  ModifyImageAttribute: modifyImageAttribute,
  CopyImage: copyImage,
  DeregisterImage: deregisterImage,
  // Encryption by default is off and the default key is the AWS managed aws/ebs (AWS's defaults).
  GetEbsEncryptionByDefault: () => answer({ ebsEncryptionByDefault: false, sseType: "sse-ebs" }),
  GetEbsDefaultKmsKeyId: () => answer({ kmsKeyId: DEFAULT_EBS_KEY_ALIAS }),
};

export const ec2Actions: Record<string, Handler<QueryInput>> = Object.fromEntries(
  Object.entries(prepares).map(([action, prepare]) => [action, ec2Action(action, prepare)]),
);
