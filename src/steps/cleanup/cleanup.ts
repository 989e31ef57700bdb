/**
 * cleanup: remove what a run created only as intermediates — RDS and EBS snapshots, AMIs (and their
 * backing snapshots tagged by the run), temporary buckets, manifest/report prefixes — in one account,
 * and schedule this run's KMS keys for deletion last. Destructive and irreversible, except the KMS part:
 * a key is only scheduled, and `aws kms cancel-key-deletion` undoes that during its 7–30 day waiting
 * period. Refuses everything (before touching anything) when one resource is not this run's.
 */
import { defineStep, type PlanContext } from "../define.js";
import { runbookPrefix } from "../s3/manifest/types.js";
import { type CleanupParams, cleanupParams } from "./params.js";
import { planCleanup } from "./plan.js";
import { runCleanup } from "./run.js";

export type { CleanupParams } from "./params.js";
export { cleanupParams } from "./params.js";

export const cleanup = defineStep<CleanupParams>({
  type: "cleanup",
  description:
    "Delete this run's intermediates in one account (snapshots, AMIs, temporary buckets, manifest prefixes) and schedule its KMS keys for deletion last (cancellable during the 7–30 day waiting period). Refuses anything this run did not create.",
  params: cleanupParams,
  bucketOwners: [{ bucket: "buckets" }, { bucket: "objects.bucket" }, { bucket: "runObjects" }],
  outputs: {
    deleted: "ARNs of every listed resource that is gone now (deleted by this step, or already gone)",
    keysScheduled:
      "KMS keys scheduled for deletion: [{ keyArn, deletionDate }]; `aws kms cancel-key-deletion --key-id <key>` undoes one until its date",
  },
  destructive: true,
  // Everything but the KMS keys: those are only scheduled and can be cancelled until their deletion date.
  irreversible: true,
  plan: (ctx, raw) => planCleanup(ctx, withRunObjects(ctx, raw)),
  run: (ctx, params) => runCleanup(ctx, withRunObjects(ctx, params) as CleanupParams),
});

/**
 * `runObjects: [bucket]` → one `objects` entry per bucket with this run's key prefix: every task of a run
 * writes under `hikkoshi/<runbook>/hk-<run>-<task>/` (s3.manifest, s3.copy, s3.verify), so
 * `hikkoshi/<runbook>/hk-<run>-` holds exactly this run's objects.
 */
function withRunObjects<P extends Record<string, unknown>>(
  ctx: Pick<PlanContext, "runbookName" | "tags">,
  params: P,
): P {
  const buckets = params.runObjects;
  if (!Array.isArray(buckets) || buckets.length === 0) return params;
  const run = (ctx.tags()["hikkoshi:run"] ?? "run").toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const prefix = `${runbookPrefix(ctx.runbookName)}hk-${run}-`;
  const objects = Array.isArray(params.objects) ? params.objects : [];
  const { runObjects: _, ...rest } = params;
  return { ...rest, objects: [...objects, ...buckets.map((bucket) => ({ bucket, prefix }))] } as unknown as P;
}
