import type { CommandIO, MetadataBearer } from "@smithy/types";

/** The services hikkoshi talks to. Keys of the client factory and of the simulator's routing. */
export type ServiceName =
  | "sts"
  | "iam"
  | "kms"
  | "rds"
  | "ec2"
  | "s3"
  | "s3control"
  | "sns"
  | "dynamodb"
  | "elasticache";

/**
 * Any AWS SDK v3 command instance (e.g. `new DescribeDBSnapshotsCommand({...})`); `O` is inferred from
 * the command's output type.
 */
export type AwsCommand<O extends MetadataBearer> = CommandIO<any, O>;

/** Prefixes of read-only actions: anything else is mutating and gets journaled (plan refuses it). */
export const READ_ONLY_PREFIXES = ["Describe", "List", "Get", "Head", "Scan"] as const;

export function actionName(command: object): string {
  return command.constructor.name.replace(/Command$/, "");
}

export function isReadOnlyAction(action: string): boolean {
  return READ_ONLY_PREFIXES.some((p) => action.startsWith(p));
}
