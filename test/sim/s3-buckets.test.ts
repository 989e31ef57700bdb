import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, keyOf, PROD, REGION, STAGING } from "./helpers.js";
import { bodyText, OTHER, s3Client } from "./s3-helpers.js";

const seed: SeedObject = {
  s3NameReleaseDelaySeconds: 3600,
  s3NameSquatters: [{ bucket: "contested-name", account: OTHER, region: REGION, afterSeconds: 600 }],
  accounts: {
    [PROD]: {
      name: "production",
      regions: {
        [REGION]: {
          buckets: [
            { name: "contested-name" },
            { name: "raced-name" },
            { name: "full-bucket", versioning: "Enabled", objects: [{ key: "a", versions: [{ body: "1" }] }] },
            { name: "upload-bucket", incompleteUploads: ["big.bin"] },
          ],
        },
      },
    },
    [STAGING]: { name: "staging" },
    [OTHER]: { name: "squatter" },
  },
};

const SECOND = 1000;
const create = (s3: S3Client, bucket: string, region = REGION) =>
  s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === "us-east-1"
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  );

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed });
});
afterAll(() => sim.close());

describe("S3 bucket names", () => {
  it("are global: BucketAlreadyOwnedByYou for the owner, BucketAlreadyExists for anyone else", async () => {
    const prod = s3Client(sim, PROD);
    const staging = s3Client(sim, STAGING);
    const created = await create(prod, "moving-name");
    expect(created.Location).toBe("http://moving-name.s3.amazonaws.com/");
    const again = await errorOf(create(prod, "moving-name"));
    expect(again.name).toBe("BucketAlreadyOwnedByYou");
    expect(again.$metadata?.httpStatusCode).toBe(409);
    const taken = await errorOf(create(staging, "moving-name"));
    expect(taken.name).toBe("BucketAlreadyExists");
    expect(taken.$metadata?.httpStatusCode).toBe(409);
    const location = await prod.send(new GetBucketLocationCommand({ Bucket: "moving-name" }));
    expect(location.LocationConstraint).toBe(REGION);
  });

  it("in us-east-1 re-creating one's own bucket answers 200: only the owner tells", async () => {
    const prod = s3Client(sim, PROD, "us-east-1");
    await create(prod, "east-name", "us-east-1");
    const again = await create(prod, "east-name", "us-east-1");
    expect(again.$metadata.httpStatusCode).toBe(200);
    const other = await errorOf(create(s3Client(sim, STAGING, "us-east-1"), "east-name", "us-east-1"));
    expect(other.name).toBe("BucketAlreadyExists");
    const mine = await prod.send(new ListBucketsCommand({}));
    expect(mine.Buckets?.map((b) => b.Name)).toContain("east-name");
    const location = await prod.send(new GetBucketLocationCommand({ Bucket: "east-name" }));
    expect(location.LocationConstraint ?? "").toBe("");
  });

  it("refuses a location constraint that does not match the regional endpoint", async () => {
    // (The SDK fills in LocationConstraint = the client's region when it is not us-east-1.)
    const err = await errorOf(create(s3Client(sim), "elsewhere-name", "eu-west-1"));
    expect(err.name).toBe("IllegalLocationConstraintException");
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it("stay unavailable (OperationAborted) after DeleteBucket until the delay passes, then anyone may take them", async () => {
    const prod = s3Client(sim, PROD);
    const staging = s3Client(sim, STAGING);
    await prod.send(new DeleteBucketCommand({ Bucket: "moving-name" }));
    const head = await errorOf(prod.send(new HeadBucketCommand({ Bucket: "moving-name" })));
    expect(head.name).toBe("NotFound");
    for (const client of [prod, staging]) {
      const held = await errorOf(create(client, "moving-name"));
      expect(held.name).toBe("OperationAborted");
      expect(held.$metadata?.httpStatusCode).toBe(409);
      expect(held.message).toBe(
        "A conflicting conditional operation is currently in progress against this resource. Please try again.",
      );
    }
    sim.advance(3599 * SECOND);
    expect((await errorOf(create(staging, "moving-name"))).name).toBe("OperationAborted");
    sim.advance(2 * SECOND);
    await create(staging, "moving-name");
    const mine = await staging.send(new ListBucketsCommand({}));
    expect(mine.Buckets?.map((b) => b.Name)).toEqual(["moving-name"]);
  });

  it("a seeded squatter takes a freed name afterSeconds after it frees, unless someone is faster", async () => {
    const prod = s3Client(sim, PROD);
    const staging = s3Client(sim, STAGING);
    await prod.send(new DeleteBucketCommand({ Bucket: "contested-name" }));
    sim.advance((3600 + 601) * SECOND);
    const lost = await errorOf(create(staging, "contested-name"));
    expect(lost.name).toBe("BucketAlreadyExists");
    const squatter = await s3Client(sim, OTHER).send(new ListBucketsCommand({}));
    expect(squatter.Buckets?.map((b) => b.Name)).toEqual(["contested-name"]);
    expect(sim.dump().s3.buckets.find((b) => b.name === "contested-name")?.owner).toBe(OTHER);

    // raced-name has no squatter: it is simply free after the delay.
    await prod.send(new DeleteBucketCommand({ Bucket: "raced-name" }));
    sim.advance(3601 * SECOND);
    await create(prod, "raced-name");
  });

  it("DeleteBucket answers BucketNotEmpty while a version, delete marker or incomplete upload remains", async () => {
    const prod = s3Client(sim, PROD);
    const full = await errorOf(prod.send(new DeleteBucketCommand({ Bucket: "full-bucket" })));
    expect(full.name).toBe("BucketNotEmpty");
    expect(full.$metadata?.httpStatusCode).toBe(409);
    const put = await prod.send(new PutObjectCommand({ Bucket: "full-bucket", Key: "b", Body: "x" }));
    await prod.send(new DeleteObjectCommand({ Bucket: "full-bucket", Key: "b", VersionId: put.VersionId }));
    await prod.send(new DeleteObjectCommand({ Bucket: "full-bucket", Key: "a" }));
    // Only "a"'s old version and its delete marker remain.
    expect((await errorOf(prod.send(new DeleteBucketCommand({ Bucket: "full-bucket" })))).name).toBe("BucketNotEmpty");
    const uploads = await errorOf(prod.send(new DeleteBucketCommand({ Bucket: "upload-bucket" })));
    expect(uploads.name).toBe("BucketNotEmpty");
  });

  it("HeadBucket: 404 NotFound, 403 for another account, 200 with the region for the owner", async () => {
    const ok = await s3Client(sim, PROD).send(new HeadBucketCommand({ Bucket: "full-bucket" }));
    expect(ok.BucketRegion).toBe(REGION);
    const other = await errorOf(s3Client(sim, STAGING).send(new HeadBucketCommand({ Bucket: "full-bucket" })));
    expect(other.$metadata?.httpStatusCode).toBe(403);
    const wrongRegion = await errorOf(
      s3Client(sim, PROD, "eu-west-1").send(new GetObjectCommand({ Bucket: "full-bucket", Key: "a" })),
    );
    expect(wrongRegion.$metadata?.httpStatusCode).toBe(301);
  });

  it("answers virtual-host requests (bucket as the first label of the Host header)", async () => {
    const port = new URL(sim.url).port;
    const client = new S3Client({
      endpoint: `http://s3.sim.test:${port}`,
      region: REGION,
      credentials: keyOf(PROD),
      forcePathStyle: false,
    });
    // The host name does not resolve: connect to loopback but keep the signed Host header.
    client.middlewareStack.add(
      (next) => (args) => {
        (args.request as { hostname: string }).hostname = "127.0.0.1";
        return next(args);
      },
      { step: "deserialize", priority: "low" },
    );
    await client.send(
      new PutBucketVersioningCommand({ Bucket: "full-bucket", VersioningConfiguration: { Status: "Enabled" } }),
    );
    await client.send(new PutObjectCommand({ Bucket: "full-bucket", Key: "vh/a key", Body: "virtual" }));
    const got = await s3Client(sim).send(new GetObjectCommand({ Bucket: "full-bucket", Key: "vh/a key" }));
    expect(await bodyText(got)).toBe("virtual");
  });

  it("refuses seeds that S3 would not allow: a name declared twice, history in an unversioned bucket", async () => {
    const bad: SeedObject = {
      accounts: {
        [PROD]: {
          regions: {
            [REGION]: {
              buckets: [
                { name: "twice" },
                { name: "flat", objects: [{ key: "k", versions: [{ body: "1" }, { body: "2" }] }] },
              ],
            },
          },
        },
        [STAGING]: { regions: { "eu-west-1": { buckets: [{ name: "twice" }] } } },
      },
    };
    const err = await startSimulator({ seed: bad }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain("bucket twice is declared twice");
    expect(err?.message).toContain("an unversioned bucket keeps one version per key");
  });
});
