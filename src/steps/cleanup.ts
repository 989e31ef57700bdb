/**
 * cleanup: remove what a run created only as intermediates — RDS and EBS snapshots, AMIs (and their
 * backing snapshots tagged by the run), temporary buckets, manifest/report prefixes — in one account,
 * and schedule this run's KMS keys for deletion last. Destructive and irreversible, except the KMS part:
 * a key is only scheduled, and `aws kms cancel-key-deletion` undoes that during its 7–30 day waiting
 * period. Refuses everything (before touching anything) when one resource is not this run's.
 */
import { defineStep } from "./define.js";
import { type CleanupParams, cleanupParams } from "./lib/cleanup-params.js";
import { planCleanup } from "./lib/cleanup-plan.js";
import { runCleanup } from "./lib/cleanup-run.js";

export type { CleanupParams } from "./lib/cleanup-params.js";
export { cleanupParams } from "./lib/cleanup-params.js";

export const cleanup = defineStep<CleanupParams>({
  type: "cleanup",
  description:
    "Delete this run's intermediates in one account (snapshots, AMIs, temporary buckets, manifest prefixes) and schedule its KMS keys for deletion last (cancellable during the 7–30 day waiting period). Refuses anything this run did not create.",
  params: cleanupParams,
  outputs: {
    deleted: "ARNs of every listed resource that is gone now (deleted by this step, or already gone)",
    keysScheduled:
      "KMS keys scheduled for deletion: [{ keyArn, deletionDate }]; `aws kms cancel-key-deletion --key-id <key>` undoes one until its date",
  },
  destructive: true,
  // Everything but the KMS keys: those are only scheduled and can be cancelled until their deletion date.
  irreversible: true,
  plan: planCleanup,
  run: runCleanup,
});
