/**
 * DynamoDB over awsJson1_0 (the export half of issue 16): table descriptions, continuous backups, Scan with
 * parallel segments, and exports to S3. Errors as DynamoDB spells them (`ResourceNotFoundException`,
 * `TableNotFoundException`, `ValidationException`, `PointInTimeRecoveryUnavailableException`…).
 */
import type { JsonInput } from "../protocol/json.js";
import type { Handler } from "../protocol/types.js";
import { exportActions } from "./exports.js";
import { Scan } from "./scan.js";
import { tableActions } from "./tables.js";

export const dynamodbActions: Record<string, Handler<JsonInput>> = { ...tableActions, Scan, ...exportActions };
