import { CreateSnapshotCommand, DeleteSnapshotCommand, DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateAliasCommand, DescribeKeyCommand, KMSClient, ListKeysCommand } from "@aws-sdk/client-kms";
import { CopyDBSnapshotCommand, DescribeDBEngineVersionsCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { CreateJobCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { AuthScheme, EndpointV2 } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamodbActions } from "../../src/sim/dynamodb/handlers.js";
import { ec2Actions } from "../../src/sim/ec2/handlers.js";
import { elasticacheActions } from "../../src/sim/elasticache/handlers.js";
import { entryFor } from "../../src/sim/iam/authorization.js";
import { iamActions } from "../../src/sim/iam/handlers.js";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { kmsActions } from "../../src/sim/kms/handlers.js";
import { rdsActions } from "../../src/sim/rds/handlers.js";
import { s3Actions } from "../../src/sim/s3/service.js";
import { controlActions } from "../../src/sim/s3control/handlers.js";
import { parseSeed } from "../../src/sim/seed.js";
import { snsActions } from "../../src/sim/sns/handlers.js";
import { stsActions } from "../../src/sim/sts/handlers.js";
import { type Creds, errorOf, keyOf, PROD, REGION, startTestSim } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

const VOLUME = "vol-0a1b2c3d4e5f60001";
const SNAPSHOT = "snap-0a1b2c3d4e5f60001";
const V = "2012-10-17" as const;
const allow = (Action: string | string[], Resource: string | string[], extra: Record<string, unknown> = {}) => ({
  Version: V,
  Statement: [{ Effect: "Allow" as const, Action, Resource, ...extra }],
});

function world(enforce: boolean): SeedObject {
  return {
    enforceIamPolicies: enforce,
    accounts: {
      [PROD]: {
        users: [
          { name: "lister", policies: [allow("s3:ListBucketVersions", "arn:aws:s3:::src-bucket")] },
          {
            name: "reader",
            policies: [allow("S3:get*", "arn:aws:s3:::src-bucket/*"), allow("s3:ListBucket*", "arn:aws:s3:::src-*")],
          },
          { name: "objects-only", policies: [allow("s3:*", "arn:aws:s3:::src-bucket/*")] },
          {
            name: "copier",
            accessKeyId: "AKIACOPIER00000001",
            policies: [
              allow("s3:GetObject", "arn:aws:s3:::src-bucket/*"),
              allow("s3:PutObject", "arn:aws:s3:::dst-bucket/*"),
            ],
          },
          { name: "half-copier", policies: [allow("s3:GetObject", "arn:aws:s3:::src-bucket/*")] },
          {
            name: "no-deletes",
            policies: [
              allow("s3:*", "*"),
              {
                Statement: [
                  {
                    Sid: "NoDeletes",
                    Effect: "Deny",
                    Action: "s3:DeleteObject*",
                    Resource: "arn:aws:s3:::src-bucket/*",
                  },
                ],
              },
            ],
          },
          {
            name: "snapper",
            policies: [
              allow("rds:CopyDBSnapshot", [
                `arn:aws:rds:*:${PROD}:snapshot:base`,
                `arn:aws:rds:*:${PROD}:snapshot:hk-*`,
              ]),
            ],
          },
          { name: "not-ec2", policies: [{ Statement: { Effect: "Allow", NotAction: ["ec2:*"], Resource: "*" } }] },
          {
            name: "regional",
            policies: [allow("kms:*", "*", { Condition: { StringEquals: { "aws:RequestedRegion": REGION } } })],
          },
          {
            name: "vpc-only",
            policies: [allow("kms:*", "*", { Condition: { StringEquals: { "aws:SourceVpc": "vpc-1" } } })],
          },
          {
            name: "key-user",
            policies: [
              allow("kms:DescribeKey", `arn:aws:kms:*:${PROD}:key/*`),
              allow("kms:CreateAlias", `arn:aws:kms:*:${PROD}:alias/hk-*`),
            ],
          },
          { name: "alias-only", policies: [allow("kms:DescribeKey", `arn:aws:kms:*:${PROD}:alias/*`)] },
          {
            name: "ebs",
            policies: [
              allow("ec2:CreateSnapshot", [`arn:aws:ec2:*:${PROD}:volume/*`, "arn:aws:ec2:*::snapshot/*"]),
              allow("ec2:Describe*", "*"),
            ],
          },
          {
            name: "batch",
            policies: [allow("s3:CreateJob", "*")],
          },
          { name: "nobody" },
        ],
        roles: [{ name: "migrator", trust: [PROD], policies: [allow("s3:ListBucket", "arn:aws:s3:::src-bucket")] }],
        regions: {
          [REGION]: {
            kmsKeys: [{ alias: "alias/app" }],
            dbInstances: [{ id: "db1", allocatedStorageGb: 10 }],
            dbSnapshots: [{ id: "base", instance: "db1" }],
            volumes: [{ id: VOLUME, sizeGb: 8 }],
            ebsSnapshots: [{ id: SNAPSHOT, volume: VOLUME }],
            buckets: [
              {
                name: "src-bucket",
                versioning: "Enabled",
                objects: [
                  { key: "a.txt", versions: [{ body: "one" }, { body: "two" }] },
                  { key: "b.txt", versions: [{ body: "bee" }] },
                ],
              },
              { name: "dst-bucket" },
            ],
          },
        },
      },
    },
  };
}

const user = (name: string): Creds => ({ accessKeyId: `AKSIM${PROD}-${name}`, secretAccessKey: "x" });
const arnOf = (name: string) => `arn:aws:iam::${PROD}:user/${name}`;

describe("IAM identity policies (enforceIamPolicies)", () => {
  let sim: SimulatorHandle;
  const config = (creds: Creds, region = REGION) => ({ endpoint: sim.url, region, credentials: creds });

  beforeAll(async () => {
    sim = await startTestSim(world(true));
  });
  afterAll(() => sim.close());

  it("is off by default: without the flag a user without policies may do anything", async () => {
    const off = await startTestSim(world(false));
    try {
      const out = await s3Client(off, PROD, REGION, user("nobody")).send(
        new ListObjectVersionsCommand({ Bucket: "src-bucket" }),
      );
      expect(out.Versions).toHaveLength(3);
      expect(off.iamDenials()).toEqual([]);
    } finally {
      await off.close();
    }
  });

  it("keeps sim-user (AKSIM<account>) the account's admin, and denies a user without policies", async () => {
    await s3Client(sim).send(new ListObjectVersionsCommand({ Bucket: "src-bucket" }));
    const err = await errorOf(s3Client(sim, PROD, REGION, user("nobody")).send(new ListBucketsCommand({})));
    expect(err.name).toBe("AccessDenied");
    expect(err.message).toBe(
      `User: ${arnOf("nobody")} is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action`,
    );
  });

  it("allows by exact action and answers S3's AccessDenied (403) with AWS's message for the rest", async () => {
    const s3 = s3Client(sim, PROD, REGION, user("lister"));
    await s3.send(new ListObjectVersionsCommand({ Bucket: "src-bucket" }));
    const err = await errorOf(s3.send(new ListObjectsV2Command({ Bucket: "src-bucket" })));
    expect(err.name).toBe("AccessDenied");
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toBe(
      `User: ${arnOf("lister")} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::src-bucket" because no identity-based policy allows the s3:ListBucket action`,
    );
    const last = sim.iamDenials().at(-1);
    expect(last).toMatchObject({
      service: "s3",
      apiAction: "ListObjectsV2",
      action: "s3:ListBucket",
      resource: "arn:aws:s3:::src-bucket",
      reason: "implicitDeny",
    });
    expect(sim.stats().errors["s3:ListObjectsV2:AccessDenied"]).toBeGreaterThanOrEqual(1);
  });

  it("matches action wildcards case-insensitively and tells bucket ARNs from object ARNs", async () => {
    const reader = s3Client(sim, PROD, REGION, user("reader"));
    const got = await reader.send(new GetObjectCommand({ Bucket: "src-bucket", Key: "a.txt" }));
    expect(await got.Body?.transformToString()).toBe("two");
    await reader.send(new ListObjectsV2Command({ Bucket: "src-bucket" }));
    const put = await errorOf(reader.send(new PutObjectCommand({ Bucket: "src-bucket", Key: "c", Body: "x" })));
    expect(put.message).toContain('s3:PutObject on resource: "arn:aws:s3:::src-bucket/c"');

    // s3:* on arn:aws:s3:::src-bucket/* covers objects, not the bucket itself.
    const objectsOnly = s3Client(sim, PROD, REGION, user("objects-only"));
    await objectsOnly.send(new GetObjectCommand({ Bucket: "src-bucket", Key: "b.txt" }));
    const list = await errorOf(objectsOnly.send(new ListObjectsV2Command({ Bucket: "src-bucket" })));
    expect(list.message).toContain('s3:ListBucket on resource: "arn:aws:s3:::src-bucket"');
  });

  it("lets an explicit Deny override an Allow, also per key in DeleteObjects", async () => {
    const s3 = s3Client(sim, PROD, REGION, user("no-deletes"));
    await s3.send(new PutObjectCommand({ Bucket: "src-bucket", Key: "new", Body: "x" }));
    const err = await errorOf(s3.send(new DeleteObjectCommand({ Bucket: "src-bucket", Key: "new" })));
    expect(err.name).toBe("AccessDenied");
    expect(err.message).toBe(
      `User: ${arnOf("no-deletes")} is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::src-bucket/new" with an explicit deny in an identity-based policy`,
    );
    expect(sim.iamDenials().at(-1)).toMatchObject({ reason: "explicitDeny", sid: "NoDeletes" });

    const many = await s3.send(
      new DeleteObjectsCommand({ Bucket: "src-bucket", Delete: { Objects: [{ Key: "new" }, { Key: "b.txt" }] } }),
    );
    expect(many.Errors?.map((e) => [e.Key, e.Code])).toEqual([
      ["new", "AccessDenied"],
      ["b.txt", "AccessDenied"],
    ]);
    expect(many.Deleted ?? []).toEqual([]);
  });

  it("matches ARN wildcards per part: snapshot name prefixes in any region (RDS AccessDenied 403)", async () => {
    const rds = new RDSClient(config(user("snapper")));
    const copied = await rds.send(
      new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: "base", TargetDBSnapshotIdentifier: "hk-copy" }),
    );
    expect(copied.DBSnapshot?.DBSnapshotIdentifier).toBe("hk-copy");
    const err = await errorOf(
      rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: "base", TargetDBSnapshotIdentifier: "other" })),
    );
    expect(err.name).toBe("AccessDenied");
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toBe(
      `User: ${arnOf("snapper")} is not authorized to perform: rds:CopyDBSnapshot on resource: arn:aws:rds:${REGION}:${PROD}:snapshot:other because no identity-based policy allows the rds:CopyDBSnapshot action`,
    );
  });

  it("evaluates NotAction (EC2 UnauthorizedOperation 403)", async () => {
    await s3Client(sim, PROD, REGION, user("not-ec2")).send(new ListBucketsCommand({}));
    const err = await errorOf(new EC2Client(config(user("not-ec2"))).send(new DescribeVolumesCommand({})));
    expect(err.name).toBe("UnauthorizedOperation");
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toMatch(
      /^You are not authorized to perform this operation\. User: .*user\/not-ec2 is not authorized to perform: ec2:DescribeVolumes because no identity-based policy allows the ec2:DescribeVolumes action\. Encoded authorization failure message: /,
    );
  });

  it("evaluates conditions; a key the simulator does not know keeps an Allow from applying (KMS AccessDeniedException 400)", async () => {
    await new KMSClient(config(user("regional"))).send(new ListKeysCommand({}));
    const elsewhere = await errorOf(new KMSClient(config(user("regional"), "us-east-1")).send(new ListKeysCommand({})));
    expect(elsewhere.name).toBe("AccessDeniedException");
    expect(elsewhere.$metadata?.httpStatusCode).toBe(400);
    expect(elsewhere.message).toContain("kms:ListKeys because no identity-based policy allows");
    const vpc = await errorOf(new KMSClient(config(user("vpc-only"))).send(new ListKeysCommand({})));
    expect(vpc.name).toBe("AccessDeniedException");
  });

  it("checks KMS actions on the key ARN, resolving aliases; CreateAlias on both alias and key", async () => {
    const described = await new KMSClient(config(user("key-user"))).send(
      new DescribeKeyCommand({ KeyId: "alias/app" }),
    );
    const keyArn = described.KeyMetadata?.Arn ?? "";
    expect(keyArn).toMatch(/:key\//);
    const aliasOnly = await errorOf(
      new KMSClient(config(user("alias-only"))).send(new DescribeKeyCommand({ KeyId: "alias/app" })),
    );
    expect(aliasOnly.message).toContain(`kms:DescribeKey on resource: ${keyArn} because`);
    // key-user may create alias/hk-* but has no kms:CreateAlias on the key.
    const alias = await errorOf(
      new KMSClient(config(user("key-user"))).send(
        new CreateAliasCommand({ AliasName: "alias/hk-x", TargetKeyId: keyArn }),
      ),
    );
    expect(alias.message).toContain(`kms:CreateAlias on resource: ${keyArn} because`);
  });

  it("gives an assumed role's sessions the role's policies; AssumeRole needs sts:AssumeRole in the caller's", async () => {
    const roleArn = `arn:aws:iam::${PROD}:role/migrator`;
    const assumed = await new STSClient(config(keyOf(PROD))).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "run-1" }),
    );
    const c = assumed.Credentials!;
    const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    const session = s3Client(sim, PROD, REGION, creds);
    await session.send(new ListObjectsV2Command({ Bucket: "src-bucket" }));
    const err = await errorOf(session.send(new ListObjectVersionsCommand({ Bucket: "src-bucket" })));
    expect(err.message).toContain(`User: arn:aws:sts::${PROD}:assumed-role/migrator/run-1 is not authorized`);

    const sts = new STSClient(config(user("nobody")));
    await sts.send(new GetCallerIdentityCommand({})); // needs no permission
    const denied = await errorOf(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "x1" })));
    expect(denied.name).toBe("AccessDenied");
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toContain(`sts:AssumeRole on resource: ${roleArn} because no identity-based policy`);
  });

  it("needs both the source's s3:GetObject (GetObjectVersion with a versionId) and the destination's s3:PutObject for CopyObject", async () => {
    const copier = s3Client(sim, PROD, REGION, { accessKeyId: "AKIACOPIER00000001", secretAccessKey: "x" });
    await copier.send(new CopyObjectCommand({ Bucket: "dst-bucket", Key: "a.txt", CopySource: "src-bucket/a.txt" }));
    const versioned = await errorOf(
      copier.send(
        new CopyObjectCommand({ Bucket: "dst-bucket", Key: "a.txt", CopySource: "src-bucket/a.txt?versionId=abc" }),
      ),
    );
    expect(versioned.message).toContain('s3:GetObjectVersion on resource: "arn:aws:s3:::src-bucket/a.txt"');
    const half = await errorOf(
      s3Client(sim, PROD, REGION, user("half-copier")).send(
        new CopyObjectCommand({ Bucket: "dst-bucket", Key: "b.txt", CopySource: "src-bucket/b.txt" }),
      ),
    );
    expect(half.message).toContain('s3:PutObject on resource: "arn:aws:s3:::dst-bucket/b.txt"');
  });

  it("keeps EC2 dry runs right: a permitted DryRun answers DryRunOperation, a denied one UnauthorizedOperation", async () => {
    const ec2 = new EC2Client(config(user("ebs")));
    const permitted = await errorOf(ec2.send(new CreateSnapshotCommand({ VolumeId: VOLUME, DryRun: true })));
    expect(permitted.name).toBe("DryRunOperation");
    const denied = await errorOf(ec2.send(new DeleteSnapshotCommand({ SnapshotId: SNAPSHOT, DryRun: true })));
    expect(denied.name).toBe("UnauthorizedOperation");
    expect(denied.message).toContain(`ec2:DeleteSnapshot on resource: arn:aws:ec2:${REGION}::snapshot/${SNAPSHOT}`);
    expect(sim.stats().dryRuns).toBeGreaterThanOrEqual(2);
  });

  it("answers IAM and S3 Control with AccessDenied (403); CreateJob also needs iam:PassRole on the role", async () => {
    const iamErr = await errorOf(
      new IAMClient(config(user("nobody"))).send(new GetRoleCommand({ RoleName: "migrator" })),
    );
    expect(iamErr.name).toBe("AccessDenied");
    expect(iamErr.$metadata?.httpStatusCode).toBe(403);
    expect(iamErr.message).toContain(`iam:GetRole on resource: arn:aws:iam::${PROD}:role/migrator`);

    const authScheme = { name: "sigv4", signingName: "s3", signingRegion: REGION, disableDoubleEncoding: true };
    const properties = { authSchemes: [authScheme as unknown as AuthScheme] } as EndpointV2["properties"];
    const control = new S3ControlClient({
      region: REGION,
      credentials: user("batch"),
      endpointProvider: () => ({ url: new URL(sim.url), properties }),
    });
    const role = `arn:aws:iam::${PROD}:role/migrator`;
    const err = await errorOf(
      control.send(
        new CreateJobCommand({
          AccountId: PROD,
          ClientRequestToken: "t-1",
          Priority: 1,
          RoleArn: role,
          Operation: { S3PutObjectCopy: { TargetResource: "arn:aws:s3:::dst-bucket" } },
          Manifest: {
            Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
            Location: { ObjectArn: "arn:aws:s3:::src-bucket/manifest.csv", ETag: "x" },
          },
          Report: { Enabled: false },
        }),
      ),
    );
    expect(err.name).toBe("AccessDenied");
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toContain(`iam:PassRole on resource: "${role}"`);
  });

  it("denies an action the table has no mapping for, even to the admin, and says so", async () => {
    const err = await errorOf(new RDSClient(config(keyOf(PROD))).send(new DescribeDBEngineVersionsCommand({})));
    expect(err.name).toBe("AccessDenied");
    expect(err.message).toContain("the simulator has no IAM authorization mapping for rds DescribeDBEngineVersions");
    expect(sim.iamDenials().at(-1)).toMatchObject({ reason: "noMapping", apiAction: "DescribeDBEngineVersions" });
  });

  it("lists the recent denials on the control API", async () => {
    const res = await fetch(`${sim.url}/_sim/iam/denials`);
    const denials = (await res.json()) as { action: string }[];
    expect(denials.length).toBeGreaterThan(0);
    await fetch(`${sim.url}/_sim/iam/denials`, { method: "DELETE" });
    expect(sim.iamDenials()).toEqual([]);
  });

  it("has an entry for every API action the simulator implements", () => {
    const implemented: Record<string, string[]> = {
      sts: Object.keys(stsActions),
      iam: Object.keys(iamActions),
      kms: Object.keys(kmsActions),
      rds: Object.keys(rdsActions),
      ec2: Object.keys(ec2Actions),
      s3: Object.keys(s3Actions),
      s3control: Object.keys(controlActions),
      sns: Object.keys(snsActions),
      dynamodb: Object.keys(dynamodbActions),
      elasticache: Object.keys(elasticacheActions),
    };
    const missing = Object.entries(implemented).flatMap(([service, actions]) =>
      actions.filter((a) => entryFor(service, a) === undefined).map((a) => `${service}:${a}`),
    );
    expect(missing).toEqual([]);
  });

  it("refuses seeds whose policies it cannot evaluate faithfully", () => {
    const withStatement = (statement: Record<string, unknown>) =>
      parseSeed({ accounts: { [PROD]: { users: [{ name: "u", policies: [{ Statement: [statement] }] }] } } });
    expect(withStatement({ Effect: "Allow", Action: "s3:*", Resource: "*" }).ok).toBe(true);
    const operator = withStatement({
      Effect: "Allow",
      Action: "s3:*",
      Resource: "*",
      Condition: { DateGreaterThan: { "aws:CurrentTime": "2026-01-01T00:00:00Z" } },
    });
    expect(operator.ok ? [] : operator.problems.join("\n")).toContain("DateGreaterThan");
    expect(withStatement({ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }).ok).toBe(false);
    expect(withStatement({ Effect: "Allow", Action: "s3:*", NotAction: "s3:Get*", Resource: "*" }).ok).toBe(false);
  });
});
