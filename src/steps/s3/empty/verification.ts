/** The gate of the destructive S3 steps: a passed s3.verify whose `source` is the bucket (shared/verification.ts). */
import { verificationGate } from "../../shared/verification.js";

const gate = verificationGate(
  "s3.verify",
  "bucket",
  "{ passed: ${{ steps.verify.outputs.passed }}, source: ${{ steps.verify.outputs.source }} }",
);

export const verificationSchema = gate.schema;
export const requireVerification = gate.require;
export const planVerification = gate.plan;
