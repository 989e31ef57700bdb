/** The built-in step types. Adding one = one file + one line here. */
import type { AnyStepDefinition } from "./define.js";
import { kmsCreateKey } from "./kms-create-key.js";
import { manual } from "./manual.js";
import { noop } from "./noop.js";
import { rdsCopySnapshot } from "./rds-copy-snapshot.js";
import { rdsCreateSnapshot } from "./rds-create-snapshot.js";
import { rdsDeleteSnapshot } from "./rds-delete-snapshot.js";
import { rdsMoveClusterSnapshot } from "./rds-move-cluster-snapshot.js";
import { rdsMoveSnapshot } from "./rds-move-snapshot.js";
import { rdsShareSnapshot } from "./rds-share-snapshot.js";
import { rdsWaitSnapshot } from "./rds-wait-snapshot.js";
import { createRegistry, DEFAULT_CONCURRENCY_LIMITS, type StepRegistry } from "./registry.js";
import { s3CaptureConfig } from "./s3-capture-config.js";
import { s3CreateBucket } from "./s3-create-bucket.js";
import { s3DeleteBucket } from "./s3-delete-bucket.js";
import { s3EmptyBucket } from "./s3-empty-bucket.js";
import { s3WaitBucketName } from "./s3-wait-bucket-name.js";
import { sleep } from "./sleep.js";

export const builtinSteps: AnyStepDefinition[] = [
  kmsCreateKey,
  rdsCreateSnapshot,
  rdsCopySnapshot,
  rdsShareSnapshot,
  rdsWaitSnapshot,
  rdsDeleteSnapshot,
  rdsMoveSnapshot,
  rdsMoveClusterSnapshot,
  s3CaptureConfig,
  s3CreateBucket,
  s3WaitBucketName,
  s3EmptyBucket,
  s3DeleteBucket,
  manual,
  noop,
  sleep,
];

export function builtinRegistry(limits: Record<string, number> = DEFAULT_CONCURRENCY_LIMITS): StepRegistry {
  return createRegistry(builtinSteps, limits);
}

export { kmsCreateKeyParams } from "./kms-create-key.js";
export { manualParams } from "./manual.js";
export { noopParams } from "./noop.js";
export { rdsCopySnapshotParams } from "./rds-copy-snapshot.js";
export { rdsCreateSnapshotParams } from "./rds-create-snapshot.js";
export { rdsDeleteSnapshotParams } from "./rds-delete-snapshot.js";
export { rdsMoveClusterSnapshotParams } from "./rds-move-cluster-snapshot.js";
export { rdsMoveSnapshotParams } from "./rds-move-snapshot.js";
export { rdsShareSnapshotParams } from "./rds-share-snapshot.js";
export { rdsWaitSnapshotParams } from "./rds-wait-snapshot.js";
export { s3CaptureConfigParams } from "./s3-capture-config.js";
export { s3CreateBucketParams } from "./s3-create-bucket.js";
export { s3DeleteBucketParams } from "./s3-delete-bucket.js";
export { s3EmptyBucketParams } from "./s3-empty-bucket.js";
export { s3WaitBucketNameParams } from "./s3-wait-bucket-name.js";
export { sleepParams } from "./sleep.js";
