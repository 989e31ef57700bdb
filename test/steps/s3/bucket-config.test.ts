import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketPolicyCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketRequestPaymentCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutBucketWebsiteCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Json } from "../../../src/core/json.js";
import { s3CaptureConfig } from "../../../src/steps/s3/bucket/capture-config.js";
import { type BucketConfig, SETTINGS } from "../../../src/steps/s3/bucket/config.js";
import { s3CreateBucket } from "../../../src/steps/s3/bucket/create-bucket.js";
import { rewriteJson } from "../../../src/steps/s3/bucket/rewrite.js";
import { mutations, PROD, REGION, STAGING, type World } from "../setup.js";
import { startS3World } from "./bucket-helpers.js";

let world: World;
beforeEach(async () => {
  world = await startS3World();
});
afterEach(() => world.close());

const s3 = (alias: string): S3Client => world.h.session.client(alias, "s3");
const BUCKET = "hk-photos";
const POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Readers",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${PROD}:role/photo-reader` },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: { StringEquals: { "aws:PrincipalAccount": PROD } },
    },
  ],
};

/** A source bucket with most settings a move must carry over. */
async function richBucket(): Promise<void> {
  const c = s3("source");
  const Bucket = BUCKET;
  const location = { CreateBucketConfiguration: { LocationConstraint: REGION as never } };
  await c.send(new CreateBucketCommand({ Bucket, ...location }));
  await c.send(new CreateBucketCommand({ Bucket: "hk-photo-logs", ...location }));
  await c.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
  await c.send(
    new PutBucketEncryptionCommand({
      Bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
    }),
  );
  await c.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket,
      LifecycleConfiguration: {
        Rules: [
          {
            ID: "tmp",
            Status: "Enabled",
            Filter: { Prefix: "tmp/" },
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          },
          {
            ID: "sunset",
            Status: "Enabled",
            Filter: { Prefix: "old/" },
            Expiration: { Date: new Date("2030-01-01T00:00:00Z") },
          },
        ],
      },
    }),
  );
  await c.send(
    new PutBucketTaggingCommand({
      Bucket,
      Tagging: {
        TagSet: [
          { Key: "team", Value: "photos" },
          { Key: "env", Value: "prod" },
        ],
      },
    }),
  );
  await c.send(
    new PutBucketCorsCommand({
      Bucket,
      CORSConfiguration: {
        CORSRules: [{ AllowedMethods: ["GET"], AllowedOrigins: ["https://example.com"], MaxAgeSeconds: 600 }],
      },
    }),
  );
  await c.send(
    new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } } }),
  );
  await c.send(
    new PutBucketOwnershipControlsCommand({
      Bucket,
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] },
    }),
  );
  await c.send(
    new PutPublicAccessBlockCommand({
      Bucket,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    }),
  );
  await c.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(POLICY) }));
  await c.send(
    new PutBucketLoggingCommand({
      Bucket,
      BucketLoggingStatus: { LoggingEnabled: { TargetBucket: "hk-photo-logs", TargetPrefix: "photos/" } },
    }),
  );
  await c.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket,
      NotificationConfiguration: {
        TopicConfigurations: [
          { TopicArn: `arn:aws:sns:${REGION}:${PROD}:photo-events`, Events: ["s3:ObjectCreated:*"] },
        ],
      },
    }),
  );
  await c.send(new PutBucketRequestPaymentCommand({ Bucket, RequestPaymentConfiguration: { Payer: "Requester" } }));
}

const codes = (plan: { preconditions: Array<{ code: string; ok: boolean }> }) =>
  plan.preconditions.filter((p) => !p.ok).map((p) => p.code);

describe("s3.capture-config → s3.create-bucket", () => {
  it("with `only`, a temporary bucket gets protection settings and no lifecycle, notifications or policy", async () => {
    await richBucket();
    const captured = await world.h.run(s3CaptureConfig, "source", { bucket: BUCKET });
    const only = ["ownershipControls", "publicAccessBlock", "versioning", "encryption", "tags"];
    const params = { bucket: "hk-photos-tmp", config: captured.config, rewriteAccountIds: true, only };
    const plan = await world.h.plan(s3CreateBucket, "target", params);
    // Left out on purpose: not reported as settings that could not follow.
    expect(plan.preconditions.filter((p) => p.code === "S3_SETTING_NOT_REAPPLIED")).toEqual([]);
    const made = await world.h.run(s3CreateBucket, "target", params);
    expect(new Set(made.applied as string[])).toEqual(
      new Set(
        ["versioning", "encryption", "tags", "ownershipControls", "publicAccessBlock"].filter(
          (s) => (captured.config as Record<string, unknown>)[s] !== null,
        ),
      ),
    );
    expect(made.skipped).toEqual(expect.arrayContaining(["lifecycle", "policy", "notifications"]));
    const after = await world.h.run(s3CaptureConfig, "target", { bucket: "hk-photos-tmp" }, "capture-tmp");
    const config = after.config as unknown as BucketConfig;
    expect(config.lifecycle).toBeNull();
    expect(config.notifications).toBeNull();
    expect(config.policy).toBeNull();
    expect(config.versioning).not.toBeNull();
  });

  it("captures every setting and re-creates them in the other account, account ids rewritten", async () => {
    await richBucket();
    world.sim.resetStats();
    const capturePlan = await world.h.plan(s3CaptureConfig, "source", { bucket: BUCKET });
    expect(codes(capturePlan)).toEqual(
      expect.arrayContaining(["S3_REQUESTER_PAYS", "S3_NOTIFICATIONS_NOT_FOLLOWING", "S3_POLICY_NAMES_SOURCE_ACCOUNT"]),
    );
    expect(capturePlan.preconditions.every((p) => p.severity === "warning")).toBe(true);
    expect(capturePlan.summary).toContain("NOT re-applied: notifications");

    const captured = await world.h.run(s3CaptureConfig, "source", { bucket: BUCKET });
    const config = captured.config as unknown as BucketConfig;
    expect(config).toMatchObject({ sourceAccountId: PROD, sourceRegion: REGION, sourceBucket: BUCKET, policy: POLICY });
    expect(config.lifecycle).toMatchObject({
      Rules: [{ ID: "tmp" }, { ID: "sunset", Expiration: { Date: "2030-01-01T00:00:00.000Z" } }],
    });
    expect(capturePlan.predictedOutputs?.config).toEqual(captured.config);

    const params = { bucket: "hk-photos-new", config: captured.config, rewriteAccountIds: true };
    const plan = await world.h.plan(s3CreateBucket, "target", params);
    expect(plan.action).toBe("create");
    const rewritten = plan.preconditions.find(
      (p) => p.code === "S3_CONFIG_REWRITTEN" && p.message.startsWith("policy"),
    );
    expect(rewritten?.message).toContain(
      `arn:aws:iam::${PROD}:role/photo-reader → arn:aws:iam::${STAGING}:role/photo-reader`,
    );
    // The bucket's own ARNs follow the new name as a matter of course: not a finding, only account ids are.
    expect(rewritten?.message).not.toContain(`arn:aws:s3:::${BUCKET}/*`);
    expect(codes(plan)).toContain("S3_SETTING_NOT_REAPPLIED"); // logging: the log bucket stays in the source
    expect(world.sim.stats().mutating).toBe(0);

    const made = await world.h.run(s3CreateBucket, "target", params);
    expect(made).toMatchObject({ bucket: "hk-photos-new", arn: "arn:aws:s3:::hk-photos-new", created: true });
    expect(made.skipped).toEqual(["logging"]);

    const again = await world.h.run(s3CaptureConfig, "target", { bucket: "hk-photos-new" }, "capture-new");
    const copy = again.config as unknown as BucketConfig;
    const rules = { fromAccountId: PROD, toAccountId: STAGING, fromBucket: BUCKET, toBucket: "hk-photos-new" };
    for (const setting of SETTINGS) {
      const expected = setting === "logging" ? null : rewriteJson((config[setting] ?? null) as Json, rules).value;
      expect({ setting, value: copy[setting] }).toEqual({ setting, value: expected });
    }
  });

  it("without rewriteAccountIds keeps the source account in the policy, skips notifications, and warns", async () => {
    await richBucket();
    const { config } = await world.h.run(s3CaptureConfig, "source", { bucket: BUCKET });
    const params = { bucket: "hk-photos-plain", config };
    const plan = await world.h.plan(s3CreateBucket, "target", params);
    expect(codes(plan)).toEqual(expect.arrayContaining(["S3_CONFIG_NAMES_SOURCE_ACCOUNT", "S3_SETTING_NOT_REAPPLIED"]));
    const made = await world.h.run(s3CreateBucket, "target", params);
    expect(made.skipped).toEqual(["logging", "notifications"]);
    const policy = await s3("target").send(new GetBucketPolicyCommand({ Bucket: "hk-photos-plain" }));
    expect(JSON.parse(policy.Policy ?? "{}").Statement[0].Principal.AWS).toBe(`arn:aws:iam::${PROD}:role/photo-reader`);
  });

  it("adopts a bucket it already owns: a second run is a resume, another task re-applies without creating", async () => {
    await richBucket();
    const { config } = await world.h.run(s3CaptureConfig, "source", { bucket: BUCKET });
    const params = { bucket: "hk-photos-twice", config, rewriteAccountIds: true };
    await world.h.run(s3CreateBucket, "target", params, "create");
    const first = mutations(world.h).length;
    expect(await world.h.run(s3CreateBucket, "target", params, "create")).toMatchObject({ created: true });
    expect(mutations(world.h).length).toBe(first);

    const plan = await world.h.plan(s3CreateBucket, "target", params, "create-2");
    expect(plan.action).toBe("modify");
    expect(await world.h.run(s3CreateBucket, "target", params, "create-2")).toMatchObject({ created: false });
    expect(mutations(world.h).slice(first)).not.toContain("s3:CreateBucket");
  });

  it("resumes applying settings where a failure stopped it", async () => {
    await richBucket();
    const { config } = await world.h.run(s3CaptureConfig, "source", { bucket: BUCKET });
    const params = { bucket: "hk-photos-resume", config, rewriteAccountIds: true };
    world.sim.addFaults({ action: "PutBucketPolicy", code: "AccessDenied", status: 403 });
    await expect(world.h.run(s3CreateBucket, "target", params, "resume")).rejects.toMatchObject({
      code: "AWS_ACCESS_DENIED",
    });
    const before = mutations(world.h);
    expect(world.h.progress.get("resume")?.applied).toEqual(expect.arrayContaining(["versioning", "lifecycle"]));

    const made = await world.h.run(s3CreateBucket, "target", params, "resume");
    expect(made.created).toBe(true);
    const after = mutations(world.h).slice(before.length);
    expect(after[0]).toBe("s3:PutBucketPolicy");
    expect(after).not.toContain("s3:CreateBucket");
    expect(after).not.toContain("s3:PutBucketVersioning");
  });

  it("refuses a name another account owns (BucketAlreadyExists), in plan and in run", async () => {
    await s3("source").send(
      new CreateBucketCommand({ Bucket: "hk-owned", CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    const plan = await world.h.plan(s3CreateBucket, "target", { bucket: "hk-owned" });
    expect(codes(plan)).toContain("BUCKET_NAME_TAKEN");
    const err = await world.h.run(s3CreateBucket, "target", { bucket: "hk-owned" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BUCKET_NAME_TAKEN" });
    expect((err as Error & { hint: string }).hint).toContain("pick a new name");
  });

  it("says to wait when a recently deleted name is not released yet (OperationAborted)", async () => {
    const c = s3("source");
    await c.send(
      new CreateBucketCommand({ Bucket: "hk-gone", CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    await c.send(new DeleteBucketCommand({ Bucket: "hk-gone" }));
    await expect(world.h.run(s3CreateBucket, "target", { bucket: "hk-gone" })).rejects.toMatchObject({
      code: "BUCKET_NAME_NOT_FREE_YET",
    });
  });
});
