/** Run-side snapshot helpers: the mutating commands per kind, adopt-or-create, wait, outputs. */
import { awsCategory } from "../../aws/errors.js";
import { rds } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import type { Json } from "../../core/json.js";
import type { RunContext } from "../define.js";
import { isOurs, notOurs, tagList } from "../shared/ownership.js";
import { RDS_SECONDS_PER_GB } from "../shared/plan.js";
import { describeSnapshot, isFailedStatus, NOUN, type SnapshotInfo, type SnapshotKind } from "./read.js";

export function snapshotOutputs(info: SnapshotInfo): Record<string, Json> {
  return {
    snapshotId: info.id,
    snapshotArn: info.arn,
    kind: info.kind,
    kmsKeyId: info.kmsKeyId ?? null,
    encrypted: info.encrypted,
    sizeGb: info.sizeGb ?? null,
  };
}

export const SNAPSHOT_OUTPUTS: Record<string, string> = {
  snapshotId: "Snapshot identifier (in the step's account)",
  snapshotArn: "Snapshot ARN (what another account copies from)",
  kind: '"instance" or "cluster"',
  kmsKeyId: "KMS key ARN the snapshot is encrypted with (null when unencrypted)",
  encrypted: "Whether the snapshot is encrypted",
  sizeGb: "Allocated storage in GB",
};

/** The mutating RDS calls, per snapshot kind. */
export const SNAPSHOT_COMMANDS = {
  instance: {
    create: (id: string, sourceId: string, tags: Record<string, string>) =>
      new rds.CreateDBSnapshotCommand({
        DBSnapshotIdentifier: id,
        DBInstanceIdentifier: sourceId,
        Tags: tagList(tags),
      }),
    copy: (source: string, target: string, kmsKeyId: string | undefined, tags: Record<string, string>) =>
      new rds.CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: source,
        TargetDBSnapshotIdentifier: target,
        ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
        CopyTags: false,
        Tags: tagList(tags),
      }),
    share: (id: string, accountIds: string[]) =>
      new rds.ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: id,
        AttributeName: "restore",
        ValuesToAdd: accountIds,
      }),
  },
  cluster: {
    create: (id: string, sourceId: string, tags: Record<string, string>) =>
      new rds.CreateDBClusterSnapshotCommand({
        DBClusterSnapshotIdentifier: id,
        DBClusterIdentifier: sourceId,
        Tags: tagList(tags),
      }),
    copy: (source: string, target: string, kmsKeyId: string | undefined, tags: Record<string, string>) =>
      new rds.CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: source,
        TargetDBClusterSnapshotIdentifier: target,
        ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
        CopyTags: false,
        Tags: tagList(tags),
      }),
    share: (id: string, accountIds: string[]) =>
      new rds.ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: id,
        AttributeName: "restore",
        ValuesToAdd: accountIds,
      }),
  },
} as const;

/** Generous: four times the ~24 s/GB heuristic, never under two hours. */
export function snapshotWaitTimeoutMs(sizeGb: number | undefined): number {
  const estimate = (sizeGb ?? 0) * RDS_SECONDS_PER_GB * 1000;
  return Math.max(2 * 60 * 60 * 1000, 4 * estimate);
}

export async function waitAvailable(
  ctx: RunContext,
  kind: SnapshotKind,
  idOrArn: string,
  sizeGb?: number,
): Promise<SnapshotInfo> {
  return ctx.wait<SnapshotInfo>({
    what: `${NOUN[kind]} ${idOrArn} available`,
    timeoutMs: snapshotWaitTimeoutMs(sizeGb),
    intervalMs: 10_000,
    maxIntervalMs: 60_000,
    poll: async () => {
      const info = await describeSnapshot(ctx.aws, ctx.account, kind, idOrArn);
      if (!info) return { done: false, message: "not visible yet" };
      if (info.status === "available") return { done: true, value: info, percent: 100 };
      if (isFailedStatus(info.status)) {
        throw new HikkoshiError(
          "SNAPSHOT_FAILED",
          `${NOUN[kind]} ${info.id} is ${info.status}; it will never be available`,
          {
            hint:
              info.encrypted && info.kmsKeyId
                ? `check that ${ctx.account.alias} may use KMS key ${info.kmsKeyId}; delete the failed snapshot and resume`
                : "delete the failed snapshot and resume",
            resource: info.arn || info.id,
          },
        );
      }
      return {
        done: false,
        ...(info.percent !== undefined ? { percent: info.percent } : {}),
        message: info.status,
      };
    },
  });
}

/**
 * Observe first: adopt a snapshot with our tags, refuse someone else's, else create it. An
 * already-exists answer (a race, or a crash between the call and its answer) is adoption too.
 */
export async function createOrAdoptSnapshot(
  ctx: RunContext,
  kind: SnapshotKind,
  id: string,
  create: () => Promise<unknown>,
): Promise<"created" | "adopted"> {
  const ours = ctx.tags();
  const existing = await describeSnapshot(ctx.aws, ctx.account, kind, id);
  if (existing) {
    if (!isOurs(existing.tags, ours)) throw notOurs(NOUN[kind], id, ctx.account.alias, existing.tags);
    ctx.log.info(`${NOUN[kind]} ${id} already exists and is ours: adopting it`);
    return "adopted";
  }
  try {
    await create();
    return "created";
  } catch (err) {
    if (awsCategory(err) !== "already-exists") throw err;
    const raced = await describeSnapshot(ctx.aws, ctx.account, kind, id);
    if (!raced) throw err;
    if (!isOurs(raced.tags, ours)) throw notOurs(NOUN[kind], id, ctx.account.alias, raced.tags);
    ctx.log.info(`${NOUN[kind]} ${id} appeared meanwhile and is ours: adopting it`);
    return "adopted";
  }
}
