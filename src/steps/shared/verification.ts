/**
 * The gate of destructive steps that remove source data: `verification` must be the outputs of a verify
 * step that passed and whose `source` is the very resource about to be emptied or deleted (a bucket name
 * for s3.verify, a table ARN for dynamodb.verify). Checked by the schema (shape) and again before any AWS
 * call (that it covers this resource).
 */
import { z } from "zod";
import { HikkoshiError } from "../../core/errors.js";
import { isUnresolved, type Precondition } from "../define.js";
import { failed } from "./plan.js";

export interface VerificationGate {
  schema: z.ZodType<{ passed: true; source: string }>;
  /** Throws VERIFY_REQUIRED unless `verification` is a passed verify of `resource`. Makes no call. */
  require(resource: string, verification: unknown): void;
  /**
   * At plan time the verification usually comes from a verify that has not run: each field may be an
   * Unresolved marker. Returns the raw params with such a verification collapsed into one marker (so
   * field validation skips it), and a precondition when what is known already fails the gate.
   */
  plan(
    raw: Record<string, unknown>,
    resource: unknown,
  ): { raw: Record<string, unknown>; problem: Precondition | undefined; pending: boolean };
}

function holdsUnresolved(value: unknown): boolean {
  if (isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(holdsUnresolved);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsUnresolved);
  return false;
}

/** The gate for resources checked by `verifyType` (e.g. "s3.verify"), `what` naming them ("bucket"). */
export function verificationGate(verifyType: string, what: string, example: string): VerificationGate {
  const an = /^(s3|[aeiou])/.test(verifyType) ? "an" : "a";
  const schema = z
    .looseObject({
      passed: z.literal(true, { message: `must come from ${an} ${verifyType} that passed` }),
      source: z.string().min(1),
    })
    .describe(`The outputs of a passed ${verifyType} whose \`source\` is this ${what}, e.g. ${example}.`);
  const hint = `destructive steps act only after ${an} ${verifyType} of this ${what} passed in this run: pass its outputs as \`verification\` (passed and source)`;

  const require = (resource: string, verification: unknown) => {
    const parsed = schema.safeParse(verification);
    if (!parsed.success) {
      throw new HikkoshiError("VERIFY_REQUIRED", `refusing to touch ${resource}: no passed ${verifyType} given`, {
        hint,
        resource,
      });
    }
    if (parsed.data.source !== resource) {
      throw new HikkoshiError(
        "VERIFY_REQUIRED",
        `refusing to touch ${resource}: the verification given covers ${parsed.data.source}, not ${resource}`,
        { hint, resource },
      );
    }
  };

  const plan: VerificationGate["plan"] = (raw, resource) => {
    const v = raw.verification;
    if (v !== undefined && holdsUnresolved(v)) {
      const source = (v as { source?: unknown }).source;
      const mismatch = typeof source === "string" && typeof resource === "string" && source !== resource;
      return {
        raw: { ...raw, verification: { $unresolved: `verification (from ${verifyType})` } },
        problem: mismatch
          ? failed("VERIFY_REQUIRED", `the verification given covers ${source}, not ${resource}`, hint)
          : undefined,
        pending: true,
      };
    }
    if (typeof resource !== "string") return { raw, problem: undefined, pending: false };
    try {
      require(resource, v);
      return { raw, problem: undefined, pending: false };
    } catch (err) {
      const e = err as HikkoshiError;
      return { raw, problem: failed(e.code, e.message, e.hint), pending: false };
    }
  };

  return { schema: schema as VerificationGate["schema"], require, plan };
}
