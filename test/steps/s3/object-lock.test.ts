/**
 * Object Lock buckets: each version's retention and legal hold are carried by the direct copier (which
 * `auto` picks for them: a Batch Operations job sets one retention for all its objects), a batch copy is
 * refused before any job, and verify at full depth catches a version whose hold or retention differs.
 */
import { CopyObjectCommand, DeleteObjectCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { s3Copy } from "../../../src/steps/s3/copy/copy.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import type { Manifest } from "../../../src/steps/s3/manifest/types.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";
import { type DataWorld, MANIFESTS, ROLE_ARN, SOURCE, seedWith, startDataWorld } from "./data-world.js";

const LOCKED = "hk-dst-locked";
const KEY = "ledger/2026.csv";
const UNTIL = "2030-01-01T00:00:00.000Z";

let world: DataWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(): Promise<{ w: DataWorld; manifest: Manifest }> {
  const w = await startDataWorld(
    seedWith({
      source: { objectLock: true },
      extraObjects: [
        {
          key: KEY,
          versions: [
            { body: "v1", objectLock: { mode: "GOVERNANCE", retainUntil: UNTIL } },
            { body: "v2", objectLock: { mode: "COMPLIANCE", retainUntil: UNTIL, legalHold: true } },
          ],
        },
      ],
      buckets: [{ name: LOCKED, versioning: "Enabled", objectLock: true }],
    }),
  );
  world = w;
  const out = await w.h.run(
    s3Manifest,
    "target",
    { bucket: SOURCE, manifestBucket: MANIFESTS, sourceAccount: "source" },
    "m",
  );
  return { w, manifest: out.manifest as unknown as Manifest };
}

const copyParams = (manifest: Manifest, mode: string) => ({
  manifest,
  sourceBucket: SOURCE,
  destinationBucket: LOCKED,
  sourceAccount: "source",
  mode,
  roleArn: ROLE_ARN,
});

const verify = (w: DataWorld) =>
  w.h.run(s3Verify, "target", { source: SOURCE, destination: LOCKED, sourceAccount: "source" }, "v");

describe("Object Lock buckets", () => {
  it("the manifest says so; auto copies directly, carrying every version's retention and hold; verify passes", async () => {
    const { w, manifest } = await start();
    expect(manifest.objectLock).toBe(true);
    const plan = await w.h.plan(s3Copy, "target", copyParams(manifest, "auto"));
    expect(plan.summary).toMatch(/\(direct; auto: the source has Object Lock/);
    const out = await w.h.run(s3Copy, "target", copyParams(manifest, "auto"), "c");
    expect(out.engine).toBe("direct");
    await expect(verify(w)).resolves.toMatchObject({ passed: true, depth: "full" });
  });

  it("mode: batch is blocked in the plan and refused before any job", async () => {
    const { w, manifest } = await start();
    const plan = await w.h.plan(s3Copy, "target", copyParams(manifest, "batch"));
    expect(plan.preconditions).toContainEqual(expect.objectContaining({ ok: false, code: "S3_BATCH_OBJECT_LOCK" }));
    w.sim.resetStats();
    await expect(w.h.run(s3Copy, "target", copyParams(manifest, "batch"), "c")).rejects.toMatchObject({
      code: "S3_BATCH_OBJECT_LOCK",
    });
    expect(w.sim.stats().calls["s3control:CreateJob"] ?? 0).toBe(0);
  });

  it("verify fails on a version copied without its legal hold", async () => {
    const { w, manifest } = await start();
    await w.h.run(s3Copy, "target", copyParams(manifest, "direct"), "c");
    // Planted: the latest rewritten in place with its retention but without the hold.
    const s3 = w.h.session.client("target", "s3");
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: LOCKED, Prefix: KEY }));
    const latest = listed.Versions!.find((v) => v.IsLatest)!.VersionId!;
    await s3.send(
      new CopyObjectCommand({
        Bucket: LOCKED,
        Key: KEY,
        CopySource: `${LOCKED}/${KEY}?versionId=${latest}`,
        ObjectLockMode: "COMPLIANCE",
        ObjectLockRetainUntilDate: new Date(UNTIL),
      }),
    );
    await s3.send(
      new DeleteObjectCommand({ Bucket: LOCKED, Key: KEY, VersionId: latest, BypassGovernanceRetention: true }),
    );
    const err = await verify(w).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VERIFY_FAILED" });
    expect((err as Error).message).toMatch(/"ledger\/2026\.csv" object-lock-legal-hold of version \S+ \(2 of 2\)/);
  });
});
