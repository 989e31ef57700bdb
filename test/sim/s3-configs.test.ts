import {
  CreateBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetBucketRequestPaymentCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetBucketWebsiteCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketRequestPaymentCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, REGION, STAGING } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed: { accounts: { [PROD]: {}, [STAGING]: {} } } });
});
afterAll(() => sim.close());

const Bucket = "config-bucket";
const strip = <T extends { $metadata?: unknown }>(out: T) => {
  const { $metadata: _m, ...rest } = out;
  return rest;
};

describe("S3 bucket configuration", () => {
  it("new buckets have the 2023 defaults: SSE-S3, owner-enforced ownership, public access blocked", async () => {
    const s3 = s3Client(sim);
    await s3.send(new CreateBucketCommand({ Bucket }));
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe(
      "AES256",
    );
    const own = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
    expect(own.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe("BucketOwnerEnforced");
    const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket }));
    expect(pab.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(strip(await s3.send(new GetBucketVersioningCommand({ Bucket })))).toEqual({});
    expect(strip(await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket })))).toEqual({});
    expect(strip(await s3.send(new GetBucketLoggingCommand({ Bucket })))).toEqual({});
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe("BucketOwner");
    const missing: [string, Promise<unknown>][] = [
      ["NoSuchLifecycleConfiguration", s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))],
      ["NoSuchTagSet", s3.send(new GetBucketTaggingCommand({ Bucket }))],
      ["NoSuchCORSConfiguration", s3.send(new GetBucketCorsCommand({ Bucket }))],
      ["NoSuchWebsiteConfiguration", s3.send(new GetBucketWebsiteCommand({ Bucket }))],
      ["NoSuchBucketPolicy", s3.send(new GetBucketPolicyCommand({ Bucket }))],
      ["ReplicationConfigurationNotFoundError", s3.send(new GetBucketReplicationCommand({ Bucket }))],
      ["ObjectLockConfigurationNotFoundError", s3.send(new GetObjectLockConfigurationCommand({ Bucket }))],
    ];
    for (const [code, call] of missing) {
      const err = await errorOf(call);
      expect(err.name).toBe(code);
      expect(err.$metadata?.httpStatusCode).toBe(404);
    }
  });

  it("round-trips every setting a re-created bucket would lose", async () => {
    const s3 = s3Client(sim);
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
    const encryption = {
      Rules: [
        {
          ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" as const, KMSMasterKeyID: "alias/app-data" },
          BucketKeyEnabled: true,
        },
      ],
    };
    const lifecycle = {
      Rules: [
        {
          ID: "expire-old",
          Status: "Enabled" as const,
          Filter: { Prefix: "logs/" },
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          Expiration: { Days: 365 },
        },
      ],
    };
    const tags = {
      TagSet: [
        { Key: "team", Value: "data" },
        { Key: "cost", Value: "a&b <c>" },
      ],
    };
    const cors = {
      CORSRules: [{ AllowedMethods: ["GET", "PUT"], AllowedOrigins: ["https://example.com"], MaxAgeSeconds: 300 }],
    };
    const website = { IndexDocument: { Suffix: "index.html" }, ErrorDocument: { Key: "error.html" } };
    const notification = {
      QueueConfigurations: [
        { Id: "q", QueueArn: `arn:aws:sqs:${REGION}:${PROD}:events`, Events: ["s3:ObjectCreated:*" as const] },
      ],
    };
    const replication = {
      Role: `arn:aws:iam::${PROD}:role/replication`,
      Rules: [
        {
          ID: "r",
          Status: "Enabled" as const,
          Priority: 1,
          Filter: { Prefix: "" },
          Destination: { Bucket: "arn:aws:s3:::elsewhere" },
          DeleteMarkerReplication: { Status: "Disabled" as const },
        },
      ],
    };
    const logging = { LoggingEnabled: { TargetBucket: "log-bucket", TargetPrefix: "config-bucket/" } };
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${STAGING}:root` },
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${Bucket}/*`,
        },
      ],
    });
    await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: encryption }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: lifecycle }));
    await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: tags }));
    await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: cors }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration: website }));
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket,
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] },
      }),
    );
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: false,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        },
      }),
    );
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policy }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: notification }));
    await s3.send(new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: replication }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } },
        },
      }),
    );
    await s3.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: logging }));
    await s3.send(new PutBucketRequestPaymentCommand({ Bucket, RequestPaymentConfiguration: { Payer: "Requester" } }));

    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe("Enabled");
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration).toEqual(
      encryption,
    );
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules).toEqual(lifecycle.Rules);
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual(tags.TagSet);
    expect((await s3.send(new GetBucketCorsCommand({ Bucket }))).CORSRules).toEqual(cors.CORSRules);
    expect(strip(await s3.send(new GetBucketWebsiteCommand({ Bucket })))).toEqual(website);
    expect(
      (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership,
    ).toBe("BucketOwnerPreferred");
    expect(
      (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration?.IgnorePublicAcls,
    ).toBe(false);
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy).toBe(policy);
    expect(strip(await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket })))).toEqual(notification);
    expect((await s3.send(new GetBucketReplicationCommand({ Bucket }))).ReplicationConfiguration).toEqual(replication);
    const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket }));
    expect(lock.ObjectLockConfiguration?.Rule?.DefaultRetention).toEqual({ Mode: "GOVERNANCE", Days: 1 });
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled).toEqual(logging.LoggingEnabled);
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe("Requester");

    const dumped = sim.dump().s3.buckets.find((b) => b.name === Bucket)!;
    expect(dumped.settings).toEqual([
      "cors",
      "encryption",
      "lifecycle",
      "logging",
      "notification",
      "object-lock",
      "ownershipControls",
      "policy",
      "publicAccessBlock",
      "replication",
      "requestPayment",
      "tagging",
      "website",
    ]);
    expect(dumped.objectLock).toBe(true);

    await s3.send(new DeleteBucketPolicyCommand({ Bucket }));
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket }));
    expect((await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket })))).name).toBe("NoSuchBucketPolicy");
    expect((await errorOf(s3.send(new GetPublicAccessBlockCommand({ Bucket })))).name).toBe(
      "NoSuchPublicAccessBlockConfiguration",
    );
    const reset = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
    expect(reset.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe(
      "AES256",
    );
  });

  it("refuses what AWS refuses: suspending an Object Lock bucket, replication without versioning, bad policies", async () => {
    const s3 = s3Client(sim);
    const suspend = await errorOf(
      s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Suspended" } })),
    );
    expect(suspend.name).toBe("InvalidBucketState");
    await s3.send(new CreateBucketCommand({ Bucket: "unversioned-config" }));
    const repl = await errorOf(
      s3.send(
        new PutBucketReplicationCommand({
          Bucket: "unversioned-config",
          ReplicationConfiguration: {
            Role: "arn:aws:iam::111111111111:role/r",
            Rules: [{ Status: "Enabled", Destination: { Bucket: "arn:aws:s3:::x" } }],
          },
        }),
      ),
    );
    expect(repl.name).toBe("InvalidRequest");
    const policy = await errorOf(
      s3.send(new PutBucketPolicyCommand({ Bucket: "unversioned-config", Policy: "not json" })),
    );
    expect(policy.name).toBe("MalformedPolicy");
    const locked = await s3.send(
      new CreateBucketCommand({ Bucket: "locked-at-birth", ObjectLockEnabledForBucket: true }),
    );
    expect(locked.$metadata.httpStatusCode).toBe(200);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: "locked-at-birth" }))).Status).toBe("Enabled");
  });

  it("writes new objects with the bucket's default SSE-KMS key", async () => {
    const s3 = s3Client(sim);
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: "unversioned-config",
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } }],
        },
      }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket: "unversioned-config", Key: "k", Body: "x" }));
    expect(put.ServerSideEncryption).toBe("aws:kms");
    expect(put.SSEKMSKeyId).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${PROD}:key/`));
  });
});
