/**
 * DynamoDB over awsJson1_0 (issue 16): table descriptions, changes and deletion, continuous backups, tags, Scan
 * with parallel segments, PutItem / GetItem / DeleteItem, exports to S3 and imports from it. Errors as DynamoDB
 * spells them (`ResourceNotFoundException`, `TableNotFoundException`, `ResourceInUseException`,
 * `ValidationException`, `PointInTimeRecoveryUnavailableException`, `ImportNotFoundException`…).
 */
import type { JsonInput } from "../protocol/json.js";
import type { Handler } from "../protocol/types.js";
import { exportActions } from "./exports.js";
import { importActions } from "./imports.js";
import { Scan } from "./scan.js";
import { tableActions } from "./tables.js";
import { tagActions } from "./tags.js";
import { updateActions } from "./updates.js";
import { writeActions } from "./writes.js";

export const dynamodbActions: Record<string, Handler<JsonInput>> = {
  ...tableActions,
  ...updateActions,
  ...tagActions,
  Scan,
  ...writeActions,
  ...exportActions,
  ...importActions,
};
