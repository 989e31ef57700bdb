/** The built-in step types. Adding one = one file + one line here. */

import { manual } from "./basic/manual.js";
import { noop } from "./basic/noop.js";
import { sleep } from "./basic/sleep.js";
import { cleanup } from "./cleanup/cleanup.js";
import type { AnyStepDefinition } from "./define.js";
import { dynamodbDeleteTable } from "./dynamodb/delete-table.js";
import { dynamodbExportTable } from "./dynamodb/export-table.js";
import { dynamodbImportTable } from "./dynamodb/import-table.js";
import { dynamodbMoveTable } from "./dynamodb/move-table.js";
import { dynamodbRestorePitr } from "./dynamodb/restore-pitr.js";
import { dynamodbVerify } from "./dynamodb/verify.js";
import { ec2CopyImage } from "./ec2/copy-image.js";
import { ec2CopySnapshot } from "./ec2/copy-snapshot.js";
import { ec2CreateSnapshot } from "./ec2/create-snapshot.js";
import { ec2DeleteSnapshot } from "./ec2/delete-snapshot.js";
import { ec2DeregisterImage } from "./ec2/deregister-image.js";
import { ec2MoveImage } from "./ec2/move-image.js";
import { ec2MoveSnapshot } from "./ec2/move-snapshot.js";
import { ec2ShareImage } from "./ec2/share-image.js";
import { ec2ShareSnapshot } from "./ec2/share-snapshot.js";
import { elasticacheCreateSnapshot } from "./elasticache/create-snapshot.js";
import { elasticacheDeleteSnapshot } from "./elasticache/delete-snapshot.js";
import { elasticacheExportSnapshot } from "./elasticache/export-snapshot.js";
import { elasticacheMoveSnapshot } from "./elasticache/move-snapshot.js";
import { kmsCreateKey } from "./kms/create-key.js";
import { rdsCopySnapshot } from "./rds/copy-snapshot.js";
import { rdsCreateSnapshot } from "./rds/create-snapshot.js";
import { rdsDeleteSnapshot } from "./rds/delete-snapshot.js";
import { rdsMoveClusterSnapshot } from "./rds/move-cluster-snapshot.js";
import { rdsMoveSnapshot } from "./rds/move-snapshot.js";
import { rdsShareSnapshot } from "./rds/share-snapshot.js";
import { rdsWaitSnapshot } from "./rds/wait-snapshot.js";
import { createRegistry, DEFAULT_CONCURRENCY_LIMITS, type StepRegistry } from "./registry.js";
import { s3CaptureConfig } from "./s3/bucket/capture-config.js";
import { s3CreateBucket } from "./s3/bucket/create-bucket.js";
import { s3GrantRead } from "./s3/bucket/grant-read.js";
import { s3WaitBucketName } from "./s3/bucket/wait-bucket-name.js";
import { s3BatchCopy } from "./s3/copy/batch-copy.js";
import { s3Copy } from "./s3/copy/copy.js";
import { s3RestoreDeleteMarkers } from "./s3/copy/restore-delete-markers.js";
import { s3DeleteBucket } from "./s3/empty/delete-bucket.js";
import { s3EmptyBucket } from "./s3/empty/empty-bucket.js";
import { s3Manifest } from "./s3/manifest/manifest.js";
import { s3MoveBucket } from "./s3/move-bucket.js";
import { s3Verify } from "./s3/verify/verify.js";

export const builtinSteps: AnyStepDefinition[] = [
  kmsCreateKey,
  rdsCreateSnapshot,
  rdsCopySnapshot,
  rdsShareSnapshot,
  rdsWaitSnapshot,
  rdsDeleteSnapshot,
  rdsMoveSnapshot,
  rdsMoveClusterSnapshot,
  ec2CreateSnapshot,
  ec2CopySnapshot,
  ec2ShareSnapshot,
  ec2ShareImage,
  ec2CopyImage,
  ec2DeleteSnapshot,
  ec2DeregisterImage,
  ec2MoveSnapshot,
  ec2MoveImage,
  s3CaptureConfig,
  s3CreateBucket,
  s3GrantRead,
  s3WaitBucketName,
  s3EmptyBucket,
  s3DeleteBucket,
  s3Manifest,
  s3BatchCopy,
  s3Copy,
  s3RestoreDeleteMarkers,
  s3Verify,
  s3MoveBucket,
  dynamodbExportTable,
  dynamodbImportTable,
  dynamodbVerify,
  dynamodbDeleteTable,
  dynamodbRestorePitr,
  dynamodbMoveTable,
  elasticacheCreateSnapshot,
  elasticacheExportSnapshot,
  elasticacheDeleteSnapshot,
  elasticacheMoveSnapshot,
  cleanup,
  manual,
  noop,
  sleep,
];

export function builtinRegistry(limits: Record<string, number> = DEFAULT_CONCURRENCY_LIMITS): StepRegistry {
  return createRegistry(builtinSteps, limits);
}

export { manualParams } from "./basic/manual.js";
export { noopParams } from "./basic/noop.js";
export { sleepParams } from "./basic/sleep.js";
export { cleanupParams } from "./cleanup/cleanup.js";
export { ec2CopyImageParams } from "./ec2/copy-image.js";
export { ec2CopySnapshotParams } from "./ec2/copy-snapshot.js";
export { ec2CreateSnapshotParams } from "./ec2/create-snapshot.js";
export { ec2DeleteSnapshotParams } from "./ec2/delete-snapshot.js";
export { ec2DeregisterImageParams } from "./ec2/deregister-image.js";
export { ec2MoveImageParams } from "./ec2/move-image.js";
export { ec2MoveSnapshotParams } from "./ec2/move-snapshot.js";
export { ec2ShareImageParams } from "./ec2/share-image.js";
export { ec2ShareSnapshotParams } from "./ec2/share-snapshot.js";
export { kmsCreateKeyParams } from "./kms/create-key.js";
export { rdsCopySnapshotParams } from "./rds/copy-snapshot.js";
export { rdsCreateSnapshotParams } from "./rds/create-snapshot.js";
export { rdsDeleteSnapshotParams } from "./rds/delete-snapshot.js";
export { rdsMoveClusterSnapshotParams } from "./rds/move-cluster-snapshot.js";
export { rdsMoveSnapshotParams } from "./rds/move-snapshot.js";
export { rdsShareSnapshotParams } from "./rds/share-snapshot.js";
export { rdsWaitSnapshotParams } from "./rds/wait-snapshot.js";
export { s3CaptureConfigParams } from "./s3/bucket/capture-config.js";
export { s3CreateBucketParams } from "./s3/bucket/create-bucket.js";
export { s3GrantReadParams } from "./s3/bucket/grant-read.js";
export { s3WaitBucketNameParams } from "./s3/bucket/wait-bucket-name.js";
export { s3BatchCopyParams } from "./s3/copy/batch-copy.js";
export { s3CopyParams } from "./s3/copy/copy.js";
export { s3RestoreDeleteMarkersParams } from "./s3/copy/restore-delete-markers.js";
export { s3DeleteBucketParams } from "./s3/empty/delete-bucket.js";
export { s3EmptyBucketParams } from "./s3/empty/empty-bucket.js";
export { s3ManifestParams } from "./s3/manifest/manifest.js";
export { s3MoveBucketParams } from "./s3/move-bucket.js";
export { s3VerifyParams } from "./s3/verify/verify.js";
