import { GetBucketPolicyCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { s3GrantRead, wantedPolicy } from "../../../src/steps/s3/bucket/grant-read.js";
import { mutations, PROD, STAGING, type World } from "../setup.js";
import { startS3World } from "./bucket-helpers.js";

const OPS = {
  Sid: "OpsRead",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${PROD}:role/ops` },
  Action: "s3:GetObject",
  Resource: "arn:aws:s3:::hk-private/*",
};

let world: World;
beforeEach(async () => {
  world = await startS3World({
    sourceBuckets: [
      {
        name: "hk-private",
        versioning: "Enabled",
        policy: { Version: "2012-10-17", Statement: [OPS] },
        objects: [{ key: "a.txt", versions: [{ body: "old" }, { body: "new" }] }],
      },
    ],
  });
});
afterEach(() => world.close());

const as = (alias: string): S3Client => world.h.session.client(alias, "s3");
const policy = async () =>
  JSON.parse((await as("source").send(new GetBucketPolicyCommand({ Bucket: "hk-private" }))).Policy ?? "null");
const targetReads = () =>
  as("target")
    .send(new GetObjectCommand({ Bucket: "hk-private", Key: "a.txt" }))
    .then(
      () => true,
      () => false,
    );

describe("s3.grant-read", () => {
  it("adds one statement for the target, keeps the others, and lets the target read; plan shows it first", async () => {
    expect(await targetReads()).toBe(false);
    const plan = await world.h.plan(s3GrantRead, "source", { bucket: "hk-private", accounts: ["target"] });
    expect(plan).toMatchObject({ action: "modify" });
    expect(plan.summary).toContain(`HikkoshiReadFor${STAGING}`);
    expect(plan.summary).toContain("other statements kept");
    expect(mutations(world.h)).toEqual([]);

    const out = await world.h.run(s3GrantRead, "source", { bucket: "hk-private", accounts: ["target"] });
    expect(out).toMatchObject({ changed: true, statements: [`HikkoshiReadFor${STAGING}`] });
    const after = await policy();
    expect(after.Statement).toHaveLength(2);
    expect(after.Statement[0]).toEqual(OPS);
    expect(after.Statement[1]).toMatchObject({ Principal: { AWS: `arn:aws:iam::${STAGING}:root` } });
    expect(await targetReads()).toBe(true);

    // Idempotent: a second run (a resume after a crash right after PutBucketPolicy) writes nothing.
    const again = await world.h.run(s3GrantRead, "source", { bucket: "hk-private", accounts: ["target"] });
    expect(again).toMatchObject({ changed: false });
    expect(mutations(world.h)).toEqual(["s3:PutBucketPolicy"]);
    expect((await world.h.plan(s3GrantRead, "source", { bucket: "hk-private", accounts: ["target"] })).action).toBe(
      "already-done",
    );
  });

  it("revoke removes exactly its statements and leaves the original policy as it was", async () => {
    await world.h.run(s3GrantRead, "source", { bucket: "hk-private", accounts: ["target"] });
    await world.h.run(s3GrantRead, "source", { bucket: "hk-private", accounts: ["target"], revoke: true });
    expect(await policy()).toEqual({ Version: "2012-10-17", Statement: [OPS] });
    expect(await targetReads()).toBe(false);
  });

  it("plans a revoke that follows a grant of the same run as a change, not as already done", async () => {
    const revoke = { bucket: "hk-private", accounts: ["target"], revoke: true };
    // Today the policy lacks the statement: on its own, the revoke has nothing to do.
    expect((await world.h.plan(s3GrantRead, "source", revoke)).action).toBe("already-done");
    const after = await world.h.plan(s3GrantRead, "source", { ...revoke, grantedEarlier: true });
    expect(after.action).toBe("modify");
    expect(after.summary).toMatch(
      /remove HikkoshiReadFor222222222222 from the policy of hk-private .*added earlier in this run/,
    );
  });

  it("refuses `all` at validation", async () => {
    const attempt = Promise.resolve().then(() =>
      world.h.run(s3GrantRead, "source", { bucket: "hk-private", accounts: ["all"] }),
    );
    await expect(attempt).rejects.toThrow(/public/);
    expect(mutations(world.h)).toEqual([]);
  });
});

describe("wantedPolicy", () => {
  it("creates a policy when there is none, and deletes it when revoking leaves nothing", () => {
    const made = wantedPolicy(null, "b", ["222222222222"], false);
    expect(made?.Statement).toHaveLength(1);
    expect(wantedPolicy(made, "b", ["222222222222"], true)).toBeNull();
  });

  it("accepts a single Statement object (not an array) and keeps it", () => {
    const single = { Version: "2012-10-17", Statement: { Sid: "X", Effect: "Deny" } };
    const out = wantedPolicy(single, "b", ["222222222222"], false);
    expect(out?.Statement).toEqual([
      { Sid: "X", Effect: "Deny" },
      expect.objectContaining({ Sid: "HikkoshiReadFor222222222222" }),
    ]);
  });
});
