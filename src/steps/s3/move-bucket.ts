/**
 * s3.move-bucket (recipe): move a bucket with every version to another account.
 *
 * keepName: true — the name is global, so the data takes a detour through a temporary bucket:
 *   capture → temp bucket in `to` (captured settings) → manifest → copy → delete markers → verify
 *   → empty + delete the source → wait for the name in `to` (re-created with the captured settings)
 *   → copy back from the temp bucket (its manifest is made while the name wait runs) → delete markers
 *   → verify → empty + delete the temp bucket.
 * keepName: false — capture → `newName` in `to` → manifest → copy → delete markers → verify; the source
 *   stays untouched.
 *
 * Listing runs as `from` for the source (sourceAccount), every copy as `to`: the source bucket's policy
 * must let `to` (and so its Batch Operations role) read its objects. `grantRead` (default) adds that
 * statement after the settings were captured (so the new bucket does not inherit it) and, with
 * keepName: false, removes it again once the copy is verified.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineRecipe, type ExpandedStep } from "../define.js";
import { roleArnSchema } from "./copy/batch-params.js";

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TEMP_SUFFIX = "-hk-tmp";
/** What a temporary bucket keeps of the source's settings: protection, not behaviour (no lifecycle, events, replication). */
const TEMP_SETTINGS = ["ownershipControls", "publicAccessBlock", "versioning", "encryption", "tags"] as const;

export const s3MoveBucketParams = z
  .strictObject({
    from: z.string().min(1).describe("Account alias that owns the bucket."),
    to: z.string().min(1).describe("Account alias that receives it."),
    bucket: z.string().min(3).max(63).describe("The bucket to move."),
    keepName: z
      .boolean()
      .default(true)
      .describe(
        "true: the bucket keeps its name in `to` (the source is deleted and the name re-claimed; another account could take it meanwhile). false: copy to `newName` and leave the source alone.",
      ),
    newName: z.string().min(3).max(63).optional().describe("keepName: false — the bucket to create in `to`."),
    tempBucket: z
      .string()
      .min(3)
      .max(63)
      .optional()
      .describe(
        `keepName: true — temporary bucket in \`to\` (default: <bucket>${TEMP_SUFFIX}, shortened with a hash past 63 characters).`,
      ),
    batchRoleArn: roleArnSchema
      .optional()
      .describe("IAM role in `to` for S3 Batch Operations (needed unless mode is direct or auto picks direct)."),
    manifestBucket: z
      .string()
      .min(3)
      .max(63)
      .describe("Existing bucket in `to` for manifests, completion reports and verify reports."),
    nameWaitTimeout: z.string().default("72h").describe("How long to wait for the name to become free again."),
    mode: z.enum(["auto", "batch", "direct"]).default("auto").describe("Copy engine (see s3.copy)."),
    concurrency: z.number().int().min(1).max(64).default(8).describe("Direct engine: copies in flight."),
    grantRead: z
      .boolean()
      .default(true)
      .describe(
        "Add a statement to the source bucket's policy that lets `to` read every version (s3.grant-read), after capturing the settings; with keepName: false it is removed again after the verify. false: the policy already allows it.",
      ),
  })
  .refine((p) => p.keepName || p.newName !== undefined, { message: "keepName: false needs newName", path: ["newName"] })
  .refine((p) => p.from !== p.to, { message: "from and to must be different accounts", path: ["to"] });
export type S3MoveBucketParams = z.infer<typeof s3MoveBucketParams>;

/** `<bucket>-hk-tmp`, or a shortened name with a hash when that would pass 63 characters. */
export function tempBucketName(bucket: string): string {
  const plain = `${bucket}${TEMP_SUFFIX}`;
  if (plain.length <= 63) return plain;
  const digest = createHash("sha256").update(bucket).digest("hex").slice(0, 6);
  const head = bucket.slice(0, 63 - TEMP_SUFFIX.length - digest.length - 1).replace(/[.-]+$/, "");
  return `${head}-${digest}${TEMP_SUFFIX}`;
}

function tempOf(withRaw: Record<string, unknown>): string {
  if (typeof withRaw.tempBucket === "string") return withRaw.tempBucket;
  const bucket = String(withRaw.bucket);
  // A templated name (forEach) is only known per task: interpolate; names over 56 need tempBucket.
  return bucket.includes("${{") || !BUCKET.test(bucket) ? `${bucket}${TEMP_SUFFIX}` : tempBucketName(bucket);
}

interface Leg {
  source: string;
  destination: string;
  /** Alias that lists `source` (the source account on the first leg). */
  sourceAccount?: string;
}

/** manifest → copy → delete markers → verify, with local ids suffixed by `tag`. */
function copyLeg(
  withRaw: Record<string, unknown>,
  ref: (localId: string, output: string) => string,
  leg: Leg,
  ids: { manifest: string; copy: string; markers: string; verify: string },
  manifestNeeds: string[],
): ExpandedStep[] {
  const to = String(withRaw.to);
  const source = leg.sourceAccount ? { sourceAccount: leg.sourceAccount } : {};
  const manifest = ref(ids.manifest, "manifest");
  return [
    {
      localId: ids.manifest,
      type: "s3.manifest",
      account: to,
      with: { bucket: leg.source, manifestBucket: withRaw.manifestBucket, ...source },
      needs: manifestNeeds,
      description: "list every version into manifests",
    },
    {
      localId: ids.copy,
      type: "s3.copy",
      account: to,
      with: {
        manifest,
        sourceBucket: leg.source,
        destinationBucket: leg.destination,
        mode: withRaw.mode ?? "auto",
        concurrency: withRaw.concurrency ?? 8,
        reportBucket: withRaw.manifestBucket,
        ...(withRaw.batchRoleArn !== undefined ? { roleArn: withRaw.batchRoleArn } : {}),
        ...(leg.sourceAccount && withRaw.grantRead !== false ? { readGranted: true } : {}),
        ...source,
      },
      description: "copy the versions wave by wave",
    },
    {
      localId: ids.markers,
      type: "s3.restore-delete-markers",
      account: to,
      with: { bucket: leg.destination, manifest },
      needs: [ids.copy],
      description: "re-create the delete markers of deleted keys",
    },
    {
      localId: ids.verify,
      type: "s3.verify",
      account: to,
      with: {
        source: leg.source,
        destination: leg.destination,
        manifestBucket: withRaw.manifestBucket,
        ...source,
      },
      needs: [ids.markers],
      description: "compare every key and version",
    },
  ];
}

function verification(ref: (localId: string, output: string) => string, verifyId: string) {
  return {
    passed: ref(verifyId, "passed"),
    source: ref(verifyId, "source"),
    destination: ref(verifyId, "destination"),
  };
}

export const s3MoveBucket = defineRecipe<S3MoveBucketParams>({
  type: "s3.move-bucket",
  description:
    "Move a bucket with all its versions and settings to another account, keeping its name (through a temporary bucket) or under a new one.",
  params: s3MoveBucketParams,
  outputs: {
    bucket: "final.bucket",
    arn: "final.arn",
    verified: "verify-final.passed",
    versions: "verify-final.versions",
    bytes: "verify-final.bytes",
  },
  accountParams: { single: ["from", "to"] },

  expand(withRaw, { selfRef }) {
    const from = String(withRaw.from);
    const to = String(withRaw.to);
    const bucket = withRaw.bucket as string;
    const config = selfRef("capture", "config");
    const capture: ExpandedStep = {
      localId: "capture",
      type: "s3.capture-config",
      account: from,
      with: { bucket },
      description: "capture the bucket's settings",
    };
    const granting = withRaw.grantRead !== false;
    const grant = (revoke: boolean, needs: string[]): ExpandedStep => ({
      localId: revoke ? "revoke-read" : "grant-read",
      type: "s3.grant-read",
      account: from,
      with: { bucket, accounts: [to], ...(revoke ? { revoke: true, grantedEarlier: true } : {}) },
      needs,
      description: revoke
        ? `remove ${to}'s read statement from the source's policy`
        : `let ${to} read every version (bucket policy statement, after the capture)`,
    });
    const grantSteps = granting ? [grant(false, ["capture"])] : [];
    const afterGrant = granting ? ["grant-read"] : [];
    if (withRaw.keepName === false) {
      const final: ExpandedStep = {
        localId: "final",
        type: "s3.create-bucket",
        account: to,
        with: { bucket: withRaw.newName, config, rewriteAccountIds: true },
        description: "create the new bucket with the captured settings",
      };
      const leg = { source: bucket, destination: selfRef("final", "bucket"), sourceAccount: from };
      const ids = { manifest: "manifest", copy: "copy", markers: "markers", verify: "verify-final" };
      return [
        capture,
        ...grantSteps,
        final,
        ...copyLeg(withRaw, selfRef, leg, ids, afterGrant),
        ...(granting ? [grant(true, ["verify-final"])] : []),
      ];
    }

    const temp = selfRef("temp", "bucket");
    const there = { source: bucket, destination: temp, sourceAccount: from };
    const back = { source: temp, destination: selfRef("final", "bucket") };
    return [
      capture,
      ...grantSteps,
      {
        localId: "temp",
        type: "s3.create-bucket",
        account: to,
        with: { bucket: tempOf(withRaw), config, rewriteAccountIds: true, only: [...TEMP_SETTINGS] },
        description: "create the temporary bucket",
      },
      ...copyLeg(
        withRaw,
        selfRef,
        there,
        { manifest: "manifest", copy: "copy", markers: "markers", verify: "verify" },
        afterGrant,
      ),
      {
        localId: "empty-source",
        type: "s3.empty-bucket",
        account: from,
        with: { bucket, verification: verification(selfRef, "verify") },
        description: "empty the source (verified copy in the temporary bucket)",
      },
      {
        localId: "delete-source",
        type: "s3.delete-bucket",
        account: from,
        with: { bucket, verification: verification(selfRef, "verify") },
        needs: ["empty-source"],
        description: "delete the source: its name becomes free after a while",
      },
      {
        localId: "final",
        type: "s3.wait-bucket-name",
        account: to,
        with: { bucket, config, rewriteAccountIds: true, timeout: withRaw.nameWaitTimeout ?? "72h" },
        needs: ["delete-source"],
        description: "wait until the name is free and re-create the bucket with the captured settings",
      },
      // The temporary bucket's manifest is made while the name wait runs.
      ...copyLeg(
        withRaw,
        selfRef,
        back,
        { manifest: "manifest-back", copy: "copy-back", markers: "markers-back", verify: "verify-final" },
        ["verify"],
      ),
      {
        localId: "empty-temp",
        type: "s3.empty-bucket",
        account: to,
        with: { bucket: temp, verification: verification(selfRef, "verify-final"), temporary: true },
        description: "empty the temporary bucket",
      },
      {
        localId: "delete-temp",
        type: "s3.delete-bucket",
        account: to,
        with: { bucket: temp, verification: verification(selfRef, "verify-final"), temporary: true },
        needs: ["empty-temp"],
        description: "delete the temporary bucket",
      },
    ];
  },
});
