/** The ElastiCache actions of the simulator (awsQuery, Version 2015-02-02), by API name. */
import type { QueryInput } from "../protocol/query.js";
import type { Handler } from "../protocol/types.js";
import { describeCacheClusters, describeReplicationGroups, describeServerlessCaches } from "./describe.js";
import {
  createServerlessSnapshot,
  deleteServerlessSnapshot,
  describeServerlessSnapshots,
  exportServerlessSnapshot,
} from "./serverless.js";
import { copySnapshot, createSnapshot, deleteSnapshot, describeSnapshots } from "./snapshots.js";
import { addTags, listTags, removeTags } from "./tags.js";

export const elasticacheActions: Record<string, Handler<QueryInput>> = {
  DescribeReplicationGroups: describeReplicationGroups,
  DescribeCacheClusters: describeCacheClusters,
  DescribeServerlessCaches: describeServerlessCaches,
  CreateSnapshot: createSnapshot,
  CopySnapshot: copySnapshot,
  DeleteSnapshot: deleteSnapshot,
  DescribeSnapshots: describeSnapshots,
  CreateServerlessCacheSnapshot: createServerlessSnapshot,
  DescribeServerlessCacheSnapshots: describeServerlessSnapshots,
  ExportServerlessCacheSnapshot: exportServerlessSnapshot,
  DeleteServerlessCacheSnapshot: deleteServerlessSnapshot,
  AddTagsToResource: addTags,
  RemoveTagsFromResource: removeTags,
  ListTagsForResource: listTags,
};
