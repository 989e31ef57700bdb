import { describe, expect, it } from "vitest";
import { parseRunbook } from "../../../src/runbook/index.js";
import { builtinSteps } from "../../../src/steps/index.js";
import { createRegistry } from "../../../src/steps/registry.js";
import { s3CaptureConfig } from "../../../src/steps/s3/bucket/capture-config.js";
import { s3CreateBucket } from "../../../src/steps/s3/bucket/create-bucket.js";
import { s3WaitBucketName } from "../../../src/steps/s3/bucket/wait-bucket-name.js";
import { s3BatchCopy } from "../../../src/steps/s3/copy/batch-copy.js";
import { s3Copy } from "../../../src/steps/s3/copy/copy.js";
import { s3RestoreDeleteMarkers } from "../../../src/steps/s3/copy/restore-delete-markers.js";
import { s3DeleteBucket } from "../../../src/steps/s3/empty/delete-bucket.js";
import { s3EmptyBucket } from "../../../src/steps/s3/empty/empty-bucket.js";
import { s3Manifest } from "../../../src/steps/s3/manifest/manifest.js";
import { s3MoveBucket, tempBucketName } from "../../../src/steps/s3/move-bucket.js";
import { s3Verify } from "../../../src/steps/s3/verify/verify.js";

const s3Steps = [
  s3CaptureConfig,
  s3CreateBucket,
  s3WaitBucketName,
  s3EmptyBucket,
  s3DeleteBucket,
  s3Manifest,
  s3BatchCopy,
  s3Copy,
  s3RestoreDeleteMarkers,
  s3Verify,
  s3MoveBucket,
];
const known = new Set(builtinSteps.map((s) => s.type));
const registry = createRegistry([...builtinSteps, ...s3Steps.filter((s) => !known.has(s.type))]);

const header = `version: 1
name: split
accounts:
  old: { id: "111111111111", region: ap-northeast-1 }
  new: { id: "222222222222", region: ap-northeast-1 }
params:
  buckets: [assets, logs-archive]
steps:
`;

function load(steps: string) {
  try {
    return parseRunbook(header + steps, "rb.yaml", registry);
  } catch (err) {
    const diagnostics = (err as { diagnostics?: unknown[] }).diagnostics;
    throw new Error(`${String(err)}: ${JSON.stringify(diagnostics)}`);
  }
}

const local = (id: string) => id.replace(/^move\./, "");

describe("s3.move-bucket", () => {
  it("keepName: true goes through a temporary bucket and waits for the name", () => {
    const rb = load(`  - id: move
    type: s3.move-bucket
    with:
      from: old
      to: new
      bucket: assets
      manifestBucket: hk-manifests
      batchRoleArn: arn:aws:iam::222222222222:role/batch-ops
`);
    const tasks = new Map(rb.tasks.map((t) => [local(t.id), t]));
    expect([...tasks.keys()]).toEqual([
      "capture",
      "grant-read",
      "temp",
      "manifest",
      "copy",
      "markers",
      "verify",
      "empty-source",
      "delete-source",
      "final",
      "manifest-back",
      "copy-back",
      "markers-back",
      "verify-final",
      "empty-temp",
      "delete-temp",
    ]);
    const at = (id: string) => tasks.get(id)!;
    expect([...tasks.values()].map((t) => `${local(t.id)}@${t.account}`)).toEqual(
      expect.arrayContaining([
        "capture@old",
        "temp@new",
        "empty-source@old",
        "delete-source@old",
        "final@new",
        "delete-temp@new",
      ]),
    );
    expect(at("temp").with).toMatchObject({ bucket: "assets-hk-tmp", rewriteAccountIds: true });
    expect(at("manifest").with).toMatchObject({
      bucket: "assets",
      sourceAccount: "old",
      manifestBucket: "hk-manifests",
    });
    expect(at("copy").with).toMatchObject({
      sourceBucket: "assets",
      mode: "auto",
      roleArn: expect.stringContaining("batch-ops"),
    });
    expect(at("final")).toMatchObject({ type: "s3.wait-bucket-name", with: { bucket: "assets", timeout: "72h" } });
    // The read grant comes after the capture (the re-created bucket must not inherit it) and before
    // the first copy; the copy's plan knows read is granted by then.
    expect(at("grant-read")).toMatchObject({ type: "s3.grant-read", account: "old", with: { accounts: ["new"] } });
    expect(at("grant-read").needs).toContain("move.capture");
    expect(at("manifest").needs).toContain("move.grant-read");
    expect(at("copy").with).toMatchObject({ readGranted: true });
    expect(at("copy-back").with.readGranted).toBeUndefined();
    // Order: the source goes only after a verify; the name wait only after the delete; the way back
    // copies into the re-claimed bucket and verifies before the temporary bucket goes.
    expect(at("empty-source").needs).toContain("move.verify");
    expect(at("delete-source").needs).toEqual(expect.arrayContaining(["move.empty-source", "move.verify"]));
    expect(at("final").needs).toContain("move.delete-source");
    expect(at("manifest-back").needs).toEqual(expect.arrayContaining(["move.verify", "move.temp"]));
    expect(at("copy-back").needs).toEqual(expect.arrayContaining(["move.final", "move.manifest-back"]));
    expect(at("empty-temp").needs).toContain("move.verify-final");
    expect(at("verify-final").with).toMatchObject({
      destination: expect.stringContaining("move.final.outputs.bucket"),
    });
  });

  it("keepName: false copies to the new name and leaves the source alone", () => {
    const rb = load(`  - id: move
    type: s3.move-bucket
    with: { from: old, to: new, bucket: assets, keepName: false, newName: assets-new, manifestBucket: hk-manifests, mode: direct }
`);
    expect(rb.tasks.map((t) => `${local(t.id)}:${t.type}@${t.account}`)).toEqual([
      "capture:s3.capture-config@old",
      "grant-read:s3.grant-read@old",
      "final:s3.create-bucket@new",
      "manifest:s3.manifest@new",
      "copy:s3.copy@new",
      "markers:s3.restore-delete-markers@new",
      "verify-final:s3.verify@new",
      "revoke-read:s3.grant-read@old",
    ]);
    const revoke = rb.tasks.find((t) => local(t.id) === "revoke-read")!;
    expect(revoke.with).toMatchObject({ revoke: true, grantedEarlier: true });
    expect(revoke.needs).toContain("move.verify-final");
  });

  it("grantRead: false leaves the source policy to the operator", () => {
    const rb = load(`  - id: move
    type: s3.move-bucket
    with: { from: old, to: new, bucket: assets, manifestBucket: hk-manifests, mode: direct, grantRead: false }
`);
    expect(rb.tasks.some((t) => t.type === "s3.grant-read")).toBe(false);
    expect(rb.tasks.find((t) => local(t.id) === "copy")!.with.readGranted).toBeUndefined();
  });

  it("runs once per bucket with forEach", () => {
    const rb = load(`  - id: move
    type: s3.move-bucket
    forEach: \${{ params.buckets }}
    with: { from: old, to: new, bucket: "\${{ item }}", manifestBucket: hk-manifests, mode: direct }
`);
    const temps = rb.tasks.filter((t) => t.stepId === "move.temp").map((t) => [t.id, t.with.bucket]);
    expect(temps).toEqual([
      ["move.temp[assets]", "assets-hk-tmp"],
      ["move.temp[logs-archive]", "logs-archive-hk-tmp"],
    ]);
  });

  it("refuses keepName: false without newName", () => {
    expect(
      s3MoveBucket.params.safeParse({ from: "a", to: "b", bucket: "x-y-z", keepName: false, manifestBucket: "m-m" })
        .success,
    ).toBe(false);
  });

  it("names the temporary bucket within 63 characters", () => {
    expect(tempBucketName("assets")).toBe("assets-hk-tmp");
    const long = `a${"b".repeat(61)}c`;
    const temp = tempBucketName(long);
    expect(temp.length).toBeLessThanOrEqual(63);
    expect(temp).toMatch(/^ab+-[0-9a-f]{6}-hk-tmp$/);
    expect(tempBucketName(long)).toBe(temp);
  });
});
