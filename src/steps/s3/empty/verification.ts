/**
 * The gate of the destructive S3 steps: `verification` must be the outputs of an s3.verify that passed
 * and whose `source` is the bucket about to be emptied or deleted. Checked by the schema (shape) and
 * again before any AWS call (that it covers this very bucket).
 */
import { z } from "zod";
import { HikkoshiError } from "../../../core/errors.js";
import { isUnresolved, type Precondition } from "../../define.js";
import { failed } from "../../shared/plan.js";

export const verificationSchema = z
  .looseObject({
    passed: z.literal(true, { message: "must come from an s3.verify that passed" }),
    source: z.string().min(1),
  })
  .describe(
    "The outputs of a passed s3.verify whose `source` is this bucket, e.g. { passed: ${{ steps.verify.outputs.passed }}, source: ${{ steps.verify.outputs.source }} }.",
  );

export type Verification = z.infer<typeof verificationSchema>;

const HINT =
  "destructive S3 steps act only after an s3.verify of this bucket passed in this run: pass its outputs as `verification` (passed and source)";

/** Throws VERIFY_REQUIRED unless `verification` is a passed verify of `bucket`. Makes no call. */
export function requireVerification(bucket: string, verification: unknown): void {
  const parsed = verificationSchema.safeParse(verification);
  if (!parsed.success) {
    throw new HikkoshiError("VERIFY_REQUIRED", `refusing to touch ${bucket}: no passed s3.verify given`, {
      hint: HINT,
      resource: bucket,
    });
  }
  if (parsed.data.source !== bucket) {
    throw new HikkoshiError(
      "VERIFY_REQUIRED",
      `refusing to touch ${bucket}: the verification given covers ${parsed.data.source}, not ${bucket}`,
      { hint: HINT, resource: bucket },
    );
  }
}

function holdsUnresolved(value: unknown): boolean {
  if (isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(holdsUnresolved);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsUnresolved);
  return false;
}

/**
 * At plan time the verification usually comes from a verify that has not run: each field may be an
 * Unresolved marker. Returns the raw params with such a verification collapsed into one marker (so field
 * validation skips it), and a precondition when what is known already fails the gate.
 */
export function planVerification(
  raw: Record<string, unknown>,
  bucket: unknown,
): { raw: Record<string, unknown>; problem: Precondition | undefined; pending: boolean } {
  const v = raw.verification;
  if (v !== undefined && holdsUnresolved(v)) {
    const source = (v as { source?: unknown }).source;
    const mismatch = typeof source === "string" && typeof bucket === "string" && source !== bucket;
    return {
      raw: { ...raw, verification: { $unresolved: "verification (from s3.verify)" } },
      problem: mismatch
        ? failed("VERIFY_REQUIRED", `the verification given covers ${source}, not ${bucket}`, HINT)
        : undefined,
      pending: true,
    };
  }
  if (typeof bucket !== "string") return { raw, problem: undefined, pending: false };
  try {
    requireVerification(bucket, v);
    return { raw, problem: undefined, pending: false };
  } catch (err) {
    const e = err as HikkoshiError;
    return { raw, problem: failed(e.code, e.message, e.hint), pending: false };
  }
}
