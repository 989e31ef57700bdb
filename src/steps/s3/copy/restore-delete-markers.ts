/**
 * s3.restore-delete-markers: for manifests that place every delete marker (`deleteMarkers.positions`),
 * the copy step already re-created each one at its place in its key's history, and this step only says
 * so. For a manifest made before that (a run started by an earlier hikkoshi), it does what it did then:
 * keys whose current state in the source is a delete marker get one in the destination (DeleteObject
 * without a version id), so deleted keys stay deleted; markers between older versions are not placed.
 * Idempotent: a key whose current version is already gone (HeadObject 404) is left alone.
 */
import { z } from "zod";
import { awsCategory } from "../../../aws/errors.js";
import { s3 } from "../../../aws/sdk.js";
import type { Json } from "../../../core/json.js";
import { defineStep, type PlanResult, type RunContext } from "../../define.js";
import { describeValue, known, planParams } from "../../shared/plan.js";
import { parseManifestRow } from "../manifest/csv.js";
import { readLines } from "../manifest/io.js";
import { manifestSchema } from "../manifest/types.js";
import { orderedPool } from "./pool.js";

export const s3RestoreDeleteMarkersParams = z.strictObject({
  bucket: z
    .string()
    .min(3)
    .max(63)
    .describe("Destination bucket (of this step's account) the versions were copied to."),
  manifest: manifestSchema,
  concurrency: z.number().int().min(1).max(64).default(8).describe("Requests in flight."),
});
export type S3RestoreDeleteMarkersParams = z.infer<typeof s3RestoreDeleteMarkersParams>;

interface Progress {
  offset: number;
  rows: number;
  created: number;
  alreadyDeleted: number;
}

const CHECKPOINT_ROWS = 64;

/** True when `key` has a current version (it is not deleted) in `bucket`. */
async function isCurrent(ctx: RunContext, bucket: string, key: string): Promise<boolean> {
  try {
    await ctx.aws.read(ctx.account.alias, "s3", new s3.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (awsCategory(err) === "not-found") return false;
    throw err;
  }
}

export const s3RestoreDeleteMarkers = defineStep<S3RestoreDeleteMarkersParams>({
  type: "s3.restore-delete-markers",
  description: "Re-create delete markers in the destination for keys that are deleted in the source.",
  params: s3RestoreDeleteMarkersParams,
  bucketOwners: [{ bucket: "bucket" }, { bucket: "manifest.manifestBucket" }],
  outputs: {
    bucket: "the destination bucket",
    markers: "keys whose source state is a delete marker",
    created: "delete markers created by this step (0 when the copy re-created them in place)",
    alreadyDeleted: "keys that were already deleted in the destination",
  },

  async plan(_ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<S3RestoreDeleteMarkersParams>(s3RestoreDeleteMarkersParams, raw);
    const latest = known(params.manifest) ? (params.manifest.deleteMarkers?.latest ?? 0) : undefined;
    if (known(params.manifest) && params.manifest.deleteMarkers?.positions) {
      return {
        action: "noop",
        summary: `${params.manifest.deleteMarkers.count} delete marker(s) are re-created in place by the copy`,
        resources: [`s3://${describeValue(params.bucket)}`],
        preconditions: problems,
      };
    }
    return {
      action: latest === 0 ? "noop" : "modify",
      summary:
        latest === undefined
          ? `re-create the delete markers of deleted keys in s3://${describeValue(params.bucket)} (count known once the manifest exists)`
          : `re-create ${latest} delete marker(s) in s3://${describeValue(params.bucket)}`,
      resources: [`s3://${describeValue(params.bucket)}`],
      preconditions: problems,
    };
  },

  async run(ctx, params) {
    const list = params.manifest.deleteMarkers;
    const saved = ctx.progress as unknown as Progress | undefined;
    const p: Progress = saved ?? { offset: 0, rows: 0, created: 0, alreadyDeleted: 0 };
    const outputs = (): Record<string, Json> => ({
      bucket: params.bucket,
      markers: list?.latest ?? 0,
      created: p.created,
      alreadyDeleted: p.alreadyDeleted,
    });
    if (!list || list.latest === 0 || list.positions) return outputs();
    const save = () => ctx.saveProgress({ ...p });
    const start = p.rows;
    let last = p.rows;
    const rows = (async function* () {
      for await (const { line, end } of readLines(
        ctx.aws,
        ctx.account.alias,
        params.manifest.manifestBucket,
        list.key,
        p.offset,
      )) {
        const row = parseManifestRow(line);
        if (row) yield { ...row, end };
      }
    })();
    await orderedPool(rows, {
      concurrency: params.concurrency,
      window: 256,
      signal: ctx.signal,
      worker: async (row) => {
        const [, latest, versions] = row.extra;
        if (latest !== "1" || Number(versions) === 0) return;
        if (!(await isCurrent(ctx, params.bucket, row.key))) {
          p.alreadyDeleted++;
          return;
        }
        await ctx.aws.mutate(
          ctx.account.alias,
          "s3",
          new s3.DeleteObjectCommand({ Bucket: params.bucket, Key: row.key }),
          `s3://${params.bucket}/${row.key}`,
        );
        p.created++;
      },
      onAdvance: (count, end) => {
        p.rows = start + count;
        p.offset = end;
        if (p.rows - last >= CHECKPOINT_ROWS) {
          last = p.rows;
          save();
        }
      },
    });
    save();
    return outputs();
  },
});
