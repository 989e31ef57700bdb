/**
 * The cleanup step's plan, from the survey: one resource per target, counts per kind in the summary
 * with the KMS waiting period said out loud, a CLEANUP_NOT_OURS error for anything not tagged by
 * hikkoshi for this runbook, a passed note for what is already gone, and the key guard (a key that
 * still encrypts a snapshot the step keeps is refused).
 */

import { ec2 } from "../../aws/sdk.js";
import { isUnresolved, type PlanContext, type PlanResult, type Precondition } from "../define.js";
import { dryRunPreflight } from "../ec2/dry-run.js";
import { PLACEHOLDER } from "../ec2/share.js";
import { failed, known, laterOutput, passed, planParams, warning } from "../shared/plan.js";
import { keyUsers, shortList } from "./key-users.js";
import { ownerOf } from "./ownership.js";
import {
  type CleanupParams,
  cleanupParams,
  collapseUnresolved,
  KIND_OF,
  LIST_FIELDS,
  NOUNS,
  type TargetKind,
  type TargetRef,
  targetsOf,
} from "./params.js";
import { KEY_IN_USE_HINT, keyConflicts, REMOVAL_ORDER, type Surveyed, surveyAll } from "./survey.js";

const PLURAL: Record<TargetKind, string> = {
  image: "AMI(s)",
  "ebs-snapshot": "EBS snapshot(s)",
  "rds-snapshot": "RDS snapshot(s)",
  objects: "object prefix(es) (every version)",
  bucket: "bucket(s) (emptied: all versions, markers and uploads)",
  "kms-key": "KMS key(s)",
};

interface Known {
  targets: TargetRef[];
  /** Per kind: how many items only a run will know (from other steps' outputs). */
  later: Partial<Record<TargetKind, number>>;
  problems: Precondition[];
  windowDays: number;
}

/** The targets known at plan time, with items still to come from other steps counted apart. */
function knownTargets(ctx: PlanContext, raw: Record<string, unknown>): Known {
  const { params, problems } = planParams<CleanupParams>(cleanupParams, collapseUnresolved(raw));
  const out: Known = { targets: [], later: {}, problems, windowDays: 30 };
  if (known(params.keyDeletionWindowDays)) out.windowDays = params.keyDeletionWindowDays;
  for (const field of LIST_FIELDS) {
    const kind = KIND_OF[field];
    const value: unknown = params[field];
    if (value === undefined) continue;
    if (!Array.isArray(value)) {
      out.later[kind] = (out.later[kind] ?? 0) + 1;
      continue;
    }
    const items = value.filter((v) => !isUnresolved(v));
    if (items.length < value.length) {
      out.later[kind] = (out.later[kind] ?? 0) + value.length - items.length;
      // planParams leaves a list holding markers unvalidated: check the known items here.
      const checked = cleanupParams.shape[field].safeParse(items);
      if (!checked.success) {
        problems.push(failed("PARAM_INVALID", `with.${field}: ${checked.error.issues[0]?.message ?? "invalid"}`));
        continue;
      }
    }
    out.targets.push(...targetsOf(field, items, ctx.account));
  }
  return out;
}

function preconditionsOf(surveyed: Surveyed[]): Precondition[] {
  const out: Precondition[] = [];
  for (const s of surveyed) {
    if (s.verdict === "blocked" && s.problem) out.push(failed(s.problem.code, s.problem.message, s.problem.hint));
    else if (s.kept) {
      out.push(
        warning(
          "CLEANUP_BACKING_SNAPSHOT_KEPT",
          `EBS snapshot ${s.id} backs AMI ${s.backingOf} but does not carry this run's tags: it is kept`,
          "delete it by hand if it is garbage",
        ),
      );
    } else if (s.verdict === "gone") {
      out.push(passed("CLEANUP_ALREADY_GONE", `${NOUNS[s.kind]} ${s.id} is already gone: nothing to do`));
    } else if (s.key?.state === "PendingDeletion") {
      out.push(
        passed(
          "CLEANUP_KEY_ALREADY_SCHEDULED",
          `KMS key ${s.key.arn} is already pending deletion (${s.key.deletionDate})`,
        ),
      );
    }
  }
  for (const { key, snapshots } of keyConflicts(surveyed)) {
    out.push(
      failed(
        "CLEANUP_KEY_STILL_IN_USE",
        `KMS key ${key.arn} still encrypts ${snapshots.join(", ")}, which this cleanup does not delete: once the key is gone they can never be read`,
        KEY_IN_USE_HINT,
      ),
    );
  }
  return out;
}

function summaryOf(surveyed: Surveyed[], later: Known["later"], windowDays: number): string {
  const parts: string[] = [];
  let keys = "";
  for (const kind of REMOVAL_ORDER) {
    const mine = surveyed.filter((s) => s.kind === kind && !s.kept && !s.backingOf);
    const backing = surveyed.filter((s) => s.kind === kind && !s.kept && s.backingOf).length;
    const total = mine.length + (later[kind] ?? 0);
    if (total === 0 && backing === 0) continue;
    const gone = mine.filter((s) => s.verdict === "gone").length;
    const notes = [
      ...(gone > 0 ? [`${gone} already gone`] : []),
      ...(later[kind] ? [`${later[kind]} from other steps`] : []),
      ...(backing > 0 ? [`+${backing} backing the AMIs`] : []),
    ];
    const text = `${total} ${PLURAL[kind]}${notes.length > 0 ? ` [${notes.join(", ")}]` : ""}`;
    if (kind === "kms-key") keys = text;
    else parts.push(text);
  }
  const deletes = parts.length > 0 ? `delete ${parts.join(", ")}` : "";
  const schedule = keys
    ? `schedule ${keys} for deletion LAST, after a ${windowDays}-day waiting period (cancellable until then with aws kms cancel-key-deletion)`
    : "";
  return [deletes, schedule].filter((s) => s).join("; then ") || "nothing to clean up";
}

/**
 * Whatever else in the account a key to schedule still encrypts. A warning here (an earlier step of the
 * run may delete it first, e.g. a recipe's cleanup); the run re-checks right before scheduling and refuses.
 */
async function keyUserWarnings(ctx: PlanContext, surveyed: Surveyed[]): Promise<Precondition[]> {
  // What the step deletes is excluded; what it keeps is already a blocking CLEANUP_KEY_STILL_IN_USE.
  const listed = new Set(surveyed.filter((s) => s.kind !== "kms-key").map((s) => s.id));
  const out: Precondition[] = [];
  for (const s of surveyed) {
    if (s.kind !== "kms-key" || s.verdict !== "present" || !s.key || s.key.state === "PendingDeletion") continue;
    const users = await keyUsers(ctx.aws, ctx.account, s.key, listed);
    if (users.length === 0) continue;
    out.push(
      warning(
        "CLEANUP_KEY_STILL_IN_USE",
        `KMS key ${s.key.arn} still encrypts ${shortList(users)} in ${ctx.account.alias}: unless an earlier step deletes them, the run refuses to schedule the key`,
        KEY_IN_USE_HINT,
      ),
    );
  }
  return out;
}

/** EC2 deletions are dry-run like every EC2 mutation: a missing permission blocks the plan, not the run. */
async function ec2DryRuns(ctx: PlanContext, surveyed: Surveyed[], later: Known["later"]): Promise<Precondition[]> {
  const out: Precondition[] = [];
  // A snapshot behind an AMI answers InvalidSnapshot.InUse until the AMI goes: dry-run a free one.
  const present = (kind: TargetKind) =>
    surveyed.find((s) => s.kind === kind && s.verdict === "present" && !s.kept && !s.backingOf);
  const wanted = (kind: TargetKind) => present(kind) !== undefined || (later[kind] ?? 0) > 0;
  if (wanted("image")) {
    const id = present("image")?.id ?? PLACEHOLDER.image;
    out.push(
      await dryRunPreflight(ctx.aws, ctx.account, new ec2.DeregisterImageCommand({ ImageId: id, DryRun: true })),
    );
  }
  if (wanted("ebs-snapshot") || wanted("image")) {
    const id = present("ebs-snapshot")?.id ?? PLACEHOLDER.snapshot;
    out.push(
      await dryRunPreflight(ctx.aws, ctx.account, new ec2.DeleteSnapshotCommand({ SnapshotId: id, DryRun: true })),
    );
  }
  return out;
}

export async function planCleanup(ctx: PlanContext, raw: Record<string, unknown>): Promise<PlanResult> {
  const k = knownTargets(ctx, raw);
  const surveyed = await surveyAll(ctx.aws, ctx.account, ownerOf(ctx), k.targets);
  k.problems.push(...(await ec2DryRuns(ctx, surveyed, k.later)));
  k.problems.push(...(await keyUserWarnings(ctx, surveyed)));
  // Keys only are scheduled, not deleted: cancellable until the window ends.
  const onlyKeys = (Object.keys(raw) as string[]).every(
    (name) =>
      name === "kmsKeys" || name === "keyDeletionWindowDays" || !Array.isArray(raw[name]) || raw[name].length === 0,
  );
  return {
    action: "delete",
    summary: summaryOf(surveyed, k.later, k.windowDays),
    resources: surveyed.filter((s) => !s.kept).map((s) => s.key?.arn ?? s.arn),
    destructive: true,
    irreversible: !onlyKeys,
    danger: onlyKeys ? "reversible" : "intermediate",
    preconditions: [...k.problems, ...preconditionsOf(surveyed)],
    predictedOutputs: { deleted: laterOutput(ctx, "deleted"), keysScheduled: laterOutput(ctx, "keysScheduled") },
    observations: Object.fromEntries(surveyed.map((s) => [s.arn, s.kept ? "kept" : s.verdict])),
  };
}
