/**
 * The AWS SDK's packages, each loaded on first use: `new rds.DescribeDBSnapshotsCommand(…)`, `sts.STSClient`.
 * A client package costs 70–360 ms of CPU to load (EC2's the most) and every step module names commands:
 * imported at the top, they made `validate` and `schema` (which only need the step types' params) load
 * all of them, and `plan` load EC2 for a runbook that moves databases. The packages are CommonJS, so the
 * first use loads one synchronously; it is the same module instance an `import` of it gets (`require` and
 * `import` share Node's cache), so `instanceof` holds.
 */
import { createRequire } from "node:module";

type Credentials = typeof import("@aws-sdk/credential-providers");
type Ec2 = typeof import("@aws-sdk/client-ec2");
type Iam = typeof import("@aws-sdk/client-iam");
type Kms = typeof import("@aws-sdk/client-kms");
type Rds = typeof import("@aws-sdk/client-rds");
type S3 = typeof import("@aws-sdk/client-s3");
type S3Control = typeof import("@aws-sdk/client-s3-control");
type Sns = typeof import("@aws-sdk/client-sns");
type DynamoDb = typeof import("@aws-sdk/client-dynamodb");
type ElastiCache = typeof import("@aws-sdk/client-elasticache");
type Sts = typeof import("@aws-sdk/client-sts");

const require = createRequire(import.meta.url);

function onFirstUse<T extends object>(id: string): T {
  let loaded: T | undefined;
  const load = (): T => {
    loaded ??= require(id) as T;
    return loaded;
  };
  return new Proxy({} as T, {
    get: (_target, name) => Reflect.get(load(), name),
    has: (_target, name) => Reflect.has(load(), name),
  });
}

export const credentialProviders = onFirstUse<Credentials>("@aws-sdk/credential-providers");
export const ec2 = onFirstUse<Ec2>("@aws-sdk/client-ec2");
export const iam = onFirstUse<Iam>("@aws-sdk/client-iam");
export const kms = onFirstUse<Kms>("@aws-sdk/client-kms");
export const rds = onFirstUse<Rds>("@aws-sdk/client-rds");
export const s3 = onFirstUse<S3>("@aws-sdk/client-s3");
export const s3control = onFirstUse<S3Control>("@aws-sdk/client-s3-control");
/** `run --notify sns:…` only (cli/notify): no step type publishes. */
export const sns = onFirstUse<Sns>("@aws-sdk/client-sns");
export const sts = onFirstUse<Sts>("@aws-sdk/client-sts");

/** The dynamodb.* step types (issue 16). */
export const dynamodb = onFirstUse<DynamoDb>("@aws-sdk/client-dynamodb");
/** The elasticache.* step types (issue 16). */
export const elasticache = onFirstUse<ElastiCache>("@aws-sdk/client-elasticache");
