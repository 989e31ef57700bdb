import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { CopyObjectCommand, CreateBucketCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { AccountRef, AwsWriter } from "../../src/steps/define.js";
import { knownOwners, withBucketOwners } from "../../src/steps/shared/bucket-owner.js";

const accounts: Record<string, AccountRef> = {
  source: { alias: "source", id: "111111111111", region: "ap-northeast-1" },
  target: { alias: "target", id: "222222222222", region: "ap-northeast-1" },
};
const ctx = { account: accounts.target!, accounts };

/** What the access layer was handed: the command inputs, as the SDK would serialise them. */
function recorder() {
  const sent: Array<Record<string, unknown>> = [];
  const take = async (_alias: string, _service: string, command: unknown) => {
    sent.push({ ...(command as { input: Record<string, unknown> }).input });
    return {} as never;
  };
  const aws: AwsWriter = { read: take, mutate: take, dryRun: async () => ({ verdict: "allowed" }) };
  return { aws, sent };
}

describe("ExpectedBucketOwner from the buckets a step declares", () => {
  it("maps each declared bucket to its owner: the named account, the step's own, unknown when unset", () => {
    const declared = [
      { bucket: "sourceBucket", owner: "sourceAccount" },
      { bucket: "destinationBucket" },
      { bucket: "manifest.manifestBucket" },
      { bucket: "objects.bucket" },
      { bucket: "other", owner: "otherAccount" },
    ];
    const params = {
      sourceBucket: "src",
      sourceAccount: "source",
      destinationBucket: "dst",
      manifest: { manifestBucket: "man" },
      objects: [{ bucket: "o1" }, { bucket: "o2" }],
      other: "nobody-knows",
    };
    expect(Object.fromEntries(knownOwners(declared, params, ctx))).toEqual({
      src: "111111111111",
      dst: "222222222222",
      man: "222222222222",
      o1: "222222222222",
      o2: "222222222222",
    });
    // A name claimed for two owners in one task is left unstamped rather than stamped wrong.
    const both = knownOwners(
      [{ bucket: "a", owner: "x" }, { bucket: "b" }],
      { a: "same", b: "same", x: "source" },
      ctx,
    );
    expect(both.size).toBe(0);
  });

  it("stamps S3 commands on known buckets (and the source of a copy), leaves other services and explicit values alone", async () => {
    const { aws, sent } = recorder();
    const owners = new Map([
      ["src", "111111111111"],
      ["dst", "222222222222"],
    ]);
    const stamped = withBucketOwners(aws, owners);
    await stamped.read("target", "s3", new ListObjectVersionsCommand({ Bucket: "src" }));
    await stamped.mutate(
      "target",
      "s3",
      new CopyObjectCommand({ Bucket: "dst", Key: "k", CopySource: "src/a%20b.txt?versionId=v1" }),
      "dst/k",
    );
    await stamped.read("target", "s3", new ListObjectVersionsCommand({ Bucket: "unknown" }));
    await stamped.read(
      "target",
      "s3",
      new ListObjectVersionsCommand({ Bucket: "src", ExpectedBucketOwner: "333333333333" }),
    );
    await stamped.mutate("target", "s3", new CreateBucketCommand({ Bucket: "dst" }), "dst");
    await stamped.read("target", "kms", new DescribeKeyCommand({ KeyId: "src" }));
    expect(sent.map((i) => [i.ExpectedBucketOwner, i.ExpectedSourceBucketOwner])).toEqual([
      ["111111111111", undefined],
      ["222222222222", "111111111111"],
      [undefined, undefined],
      ["333333333333", undefined],
      ["222222222222", undefined], // CreateBucket has no such member: the SDK does not send it
      [undefined, undefined],
    ]);
  });
});

describe("ExpectedBucketOwner against the simulator", () => {
  it("a bucket claimed for the wrong account is refused with 403 before anything is read or written", async () => {
    const { startDataWorld, SOURCE, MANIFESTS } = await import("./s3/data-world.js");
    const { s3Manifest } = await import("../../src/steps/s3/manifest/manifest.js");
    const w = await startDataWorld();
    try {
      // The target may list the source through its bucket policy: without an owner claim the listing works.
      const base = { bucket: SOURCE, manifestBucket: MANIFESTS };
      await expect(w.h.run(s3Manifest, "target", base, "open")).resolves.toMatchObject({ totals: { versions: 23 } });
      // Claimed as the target's own (the wrong account): S3 refuses the listing, nothing is uploaded.
      w.sim.resetStats();
      await expect(
        w.h.run(s3Manifest, "target", { ...base, sourceAccount: "target" }, "claimed"),
      ).rejects.toMatchObject({
        code: "AWS_ACCESS_DENIED",
      });
      expect(w.sim.stats().calls["s3:PutObject"] ?? 0).toBe(0);
    } finally {
      await w.close();
    }
  });
});
