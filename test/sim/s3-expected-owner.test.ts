import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, REGION, STAGING } from "./helpers.js";
import { bodyText, s3Client } from "./s3-helpers.js";

const readPolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${STAGING}:root` },
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: "arn:aws:s3:::owned-by-prod/*",
    },
  ],
};

const seed: SeedObject = {
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          buckets: [
            {
              name: "owned-by-prod",
              versioning: "Enabled",
              objects: [{ key: "a", versions: [{ body: "a" }] }],
              policy: readPolicy,
            },
            { name: "empty-prod" },
          ],
        },
      },
    },
    [STAGING]: { regions: { [REGION]: { buckets: [{ name: "owned-by-staging", versioning: "Enabled" }] } } },
  },
};

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed });
});
afterAll(() => sim.close());

async function denied(call: Promise<unknown>): Promise<void> {
  const err = await errorOf(call);
  expect([err.name, err.$metadata?.httpStatusCode, err.message]).toEqual(["AccessDenied", 403, "Access Denied"]);
}

describe("ExpectedBucketOwner", () => {
  it("denies any request on a bucket another account owns, before it has any effect", async () => {
    const s3 = s3Client(sim);
    const Bucket = "owned-by-prod";
    const ExpectedBucketOwner = STAGING;
    await denied(
      s3.send(new DeleteObjectsCommand({ Bucket, ExpectedBucketOwner, Delete: { Objects: [{ Key: "a" }] } })),
    );
    await denied(s3.send(new ListObjectVersionsCommand({ Bucket, ExpectedBucketOwner })));
    await denied(
      s3.send(new PutBucketPolicyCommand({ Bucket, ExpectedBucketOwner, Policy: JSON.stringify(readPolicy) })),
    );
    await denied(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "m", ExpectedBucketOwner })));
    await denied(s3.send(new DeleteBucketCommand({ Bucket: "empty-prod", ExpectedBucketOwner })));
    // HEAD answers carry no error document: only the status tells.
    const head = await errorOf(s3.send(new HeadBucketCommand({ Bucket, ExpectedBucketOwner })));
    expect(head.$metadata?.httpStatusCode).toBe(403);
    // Nothing happened: the object, the policy and the empty bucket are still there, no upload started.
    expect(await bodyText(await s3.send(new GetObjectCommand({ Bucket, Key: "a" })))).toBe("a");
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy!)).toEqual(readPolicy);
    const dump = sim.dump().s3.buckets;
    expect(dump.map((b) => b.name)).toContain("empty-prod");
    expect(dump.find((b) => b.name === Bucket)?.incompleteUploads).toBe(0);
  });

  it("lets the request through when the owner is the expected one (also for another account's caller)", async () => {
    const s3 = s3Client(sim);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: "owned-by-prod", ExpectedBucketOwner: PROD }));
    expect(listed.Versions).toHaveLength(1);
    const staging = s3Client(sim, STAGING);
    const read = await staging.send(
      new GetObjectCommand({ Bucket: "owned-by-prod", Key: "a", ExpectedBucketOwner: PROD }),
    );
    expect(await bodyText(read)).toBe("a");
  });

  it("checks ExpectedSourceBucketOwner against the copy source's owner (CopyObject, UploadPartCopy)", async () => {
    const staging = s3Client(sim, STAGING);
    const copy = {
      Bucket: "owned-by-staging",
      Key: "copy",
      CopySource: "owned-by-prod/a",
      ExpectedBucketOwner: STAGING,
    };
    await denied(staging.send(new CopyObjectCommand({ ...copy, ExpectedSourceBucketOwner: STAGING })));
    const { UploadId } = await staging.send(
      new CreateMultipartUploadCommand({ Bucket: "owned-by-staging", Key: "part", ExpectedBucketOwner: STAGING }),
    );
    await denied(
      staging.send(
        new UploadPartCopyCommand({
          ...copy,
          Key: "part",
          UploadId,
          PartNumber: 1,
          ExpectedSourceBucketOwner: STAGING,
        }),
      ),
    );
    const wrongDest = await errorOf(
      staging.send(new CopyObjectCommand({ ...copy, ExpectedBucketOwner: PROD, ExpectedSourceBucketOwner: PROD })),
    );
    expect(wrongDest.name).toBe("AccessDenied");
    const done = await staging.send(new CopyObjectCommand({ ...copy, ExpectedSourceBucketOwner: PROD }));
    expect(done.CopyObjectResult?.ETag).toBeDefined();
    const listed = await staging.send(new ListObjectVersionsCommand({ Bucket: "owned-by-staging", Prefix: "copy" }));
    expect(listed.Versions).toHaveLength(1);
  });
});
