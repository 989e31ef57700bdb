/**
 * rds.create-snapshot: a manual snapshot of an instance or an Aurora cluster under a deterministic
 * identifier, either taken now or copied from the latest automated snapshot. Waits until available.
 */
import { z } from "zod";
import { HikkoshiError } from "../../core/errors.js";
import { defineStep, type PlanResult } from "../define.js";
import { looksOurs } from "../shared/ownership.js";
import { describeValue, failed, known, planParams, rdsEstimate, warning } from "../shared/plan.js";
import { savedString } from "../shared/progress.js";
import {
  describeSnapshot,
  describeSource,
  isValidSnapshotId,
  latestAutomated,
  NOUN,
  type SnapshotKind,
  snapshotArn,
  snapshotObservation,
} from "./read.js";
import { rdsQueue, snapshotIdSchema } from "./schemas.js";
import { createOrAdoptSnapshot, SNAPSHOT_COMMANDS, SNAPSHOT_OUTPUTS, snapshotOutputs, waitAvailable } from "./write.js";

export const rdsCreateSnapshotParams = z
  .strictObject({
    instance: z.string().min(1).optional().describe("DB instance identifier. Give exactly one of instance / cluster."),
    cluster: z
      .string()
      .min(1)
      .optional()
      .describe("Aurora DB cluster identifier. Give exactly one of instance / cluster."),
    fromAutomated: z
      .boolean()
      .default(false)
      .describe("Copy the latest automated snapshot into a manual one instead of taking a new snapshot."),
    snapshotId: snapshotIdSchema
      .optional()
      .describe("Identifier of the new snapshot. Default: a deterministic name for this run and task."),
  })
  .refine((p) => (p.instance === undefined) !== (p.cluster === undefined), {
    message: "give exactly one of instance or cluster",
  });
export type RdsCreateSnapshotParams = z.infer<typeof rdsCreateSnapshotParams>;

function kindOf(p: { instance?: unknown; cluster?: unknown }): SnapshotKind {
  return p.cluster !== undefined ? "cluster" : "instance";
}

export const rdsCreateSnapshot = defineStep<RdsCreateSnapshotParams>({
  type: "rds.create-snapshot",
  description: "Manual snapshot of an RDS instance or Aurora cluster (new, or a copy of the latest automated one).",
  params: rdsCreateSnapshotParams,
  outputs: SNAPSHOT_OUTPUTS,
  concurrencyKeys: (p, { account }) => [rdsQueue(p.fromAutomated ? "rds-copy" : "rds-snapshot", account)],

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<RdsCreateSnapshotParams>(rdsCreateSnapshotParams, raw);
    const kind = kindOf(params);
    const source = params.instance ?? params.cluster;
    const id = known(params.snapshotId) ? params.snapshotId : ctx.name("", 63);
    const base = { resources: [snapshotArn(ctx.account, kind, id)], preconditions: problems };
    if (!known(source) || !known(params.fromAutomated)) {
      return { ...base, action: "create", summary: `snapshot ${describeValue(source)} as ${id}` };
    }

    const db = await describeSource(ctx.aws, ctx.account, kind, source);
    if (!db) {
      problems.push(
        failed("SOURCE_NOT_FOUND", `${kind} ${source} not found in ${ctx.account.alias} (${ctx.account.region})`),
      );
    } else if (db.status !== "available" && !params.fromAutomated) {
      problems.push(
        warning("SOURCE_NOT_AVAILABLE", `${kind} ${source} is ${db.status}; RDS snapshots it only when available`),
      );
    }
    const automated = params.fromAutomated ? await latestAutomated(ctx.aws, ctx.account, kind, source) : undefined;
    if (params.fromAutomated && !automated) {
      problems.push(
        failed(
          "NO_AUTOMATED_SNAPSHOT",
          `${kind} ${source} has no available automated snapshot`,
          "set fromAutomated: false",
        ),
      );
    }

    const existing = isValidSnapshotId(id) ? await describeSnapshot(ctx.aws, ctx.account, kind, id) : undefined;
    if (existing && !looksOurs(existing.tags, ctx.tags())) {
      problems.push(failed("SNAPSHOT_ID_TAKEN", `${NOUN[kind]} ${id} already exists and is not this task's`));
    }
    const sizeGb = existing?.sizeGb ?? automated?.sizeGb ?? db?.sizeGb;
    const kmsKeyId = existing?.kmsKeyId ?? db?.kmsKeyId;
    const verb = params.fromAutomated ? `copy ${automated?.id ?? "the latest automated snapshot"} of` : "snapshot";
    const estimate = rdsEstimate(sizeGb);
    return {
      ...base,
      action: existing ? "already-done" : params.fromAutomated ? "copy" : "create",
      summary: existing ? `${NOUN[kind]} ${id} exists` : `${verb} ${kind} ${source} as ${id}`,
      ...(estimate ? { estimate } : {}),
      predictedOutputs: {
        snapshotId: id,
        snapshotArn: existing?.arn || snapshotArn(ctx.account, kind, id),
        kind,
        kmsKeyId: kmsKeyId ?? null,
        encrypted: existing?.encrypted ?? db?.encrypted ?? false,
        sizeGb: sizeGb ?? null,
      },
      observations: {
        source: db ? { id: db.id, encrypted: db.encrypted, kmsKeyId: db.kmsKeyId ?? null } : null,
        automatedSource: automated?.id ?? null,
        snapshot: snapshotObservation(existing),
      },
    };
  },

  async run(ctx, params) {
    const kind = kindOf(params);
    const source = (params.instance ?? params.cluster)!;
    const id = params.snapshotId ?? ctx.name("", 63);
    const commands = SNAPSHOT_COMMANDS[kind];

    await createOrAdoptSnapshot(ctx, kind, id, async () => {
      if (!params.fromAutomated) {
        ctx.saveProgress({ snapshotId: id, kind });
        return ctx.aws.mutate(ctx.account.alias, "rds", commands.create(id, source, ctx.tags()), id);
      }
      // A retry copies the same automated snapshot the first attempt chose.
      const chosen =
        savedString(ctx, "automatedSource") ?? (await latestAutomated(ctx.aws, ctx.account, kind, source))?.id;
      if (!chosen) {
        throw new HikkoshiError("NO_AUTOMATED_SNAPSHOT", `${kind} ${source} has no available automated snapshot`, {
          hint: "set fromAutomated: false to take a new snapshot",
          resource: source,
        });
      }
      ctx.saveProgress({ snapshotId: id, kind, automatedSource: chosen });
      return ctx.aws.mutate(ctx.account.alias, "rds", commands.copy(chosen, id, undefined, ctx.tags()), id);
    });

    const info = await waitAvailable(ctx, kind, id);
    if (info.sourceId !== undefined && info.sourceId !== source) {
      throw new HikkoshiError(
        "SNAPSHOT_SOURCE_MISMATCH",
        `${NOUN[kind]} ${id} was taken from ${info.sourceId}, not ${source}`,
        {
          resource: info.arn,
        },
      );
    }
    return snapshotOutputs(info);
  },
});
