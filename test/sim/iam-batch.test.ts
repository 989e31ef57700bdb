import { PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateJobCommand, type CreateJobCommandInput, DescribeJobCommand } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { errorOf, PROD, REGION, startTestSim } from "./helpers.js";
import { s3Client, s3ControlClient } from "./s3-helpers.js";

const KEYS = ["a", "b", "c"];
const role = (name: string) => `arn:aws:iam::${PROD}:role/${name}`;
const allow = (Action: string, Resource: string) => ({ Statement: [{ Effect: "Allow" as const, Action, Resource }] });

const seed: SeedObject = {
  enforceIamPolicies: true,
  accounts: {
    [PROD]: {
      roles: [
        {
          name: "batch",
          trustService: "batchoperations.s3.amazonaws.com",
          policies: [
            allow("s3:GetObject", "arn:aws:s3:::src/*"),
            allow("s3:GetObject", "arn:aws:s3:::manifests/*"),
            allow("s3:PutObject", "arn:aws:s3:::dst/ok/*"),
          ],
        },
        { name: "blind", trustService: "batchoperations.s3.amazonaws.com", policies: [] },
      ],
      regions: {
        [REGION]: {
          buckets: [
            { name: "src", objects: KEYS.map((key) => ({ key, versions: [{ body: key }] })) },
            { name: "dst" },
            { name: "manifests" },
          ],
        },
      },
    },
  },
};

describe("IAM identity policies of the Batch Operations role", () => {
  let sim: SimulatorHandle;
  let etag = "";
  beforeAll(async () => {
    sim = await startTestSim(seed);
    const put = await s3Client(sim).send(
      new PutObjectCommand({ Bucket: "manifests", Key: "m.csv", Body: KEYS.map((k) => `src,${k}`).join("\n") }),
    );
    etag = put.ETag!;
  });
  afterAll(() => sim.close());

  const job = (token: string, prefix: string, roleArn = role("batch")): CreateJobCommandInput => ({
    AccountId: PROD,
    ClientRequestToken: token,
    ConfirmationRequired: false,
    Priority: 1,
    RoleArn: roleArn,
    Operation: { S3PutObjectCopy: { TargetResource: "arn:aws:s3:::dst", TargetKeyPrefix: prefix } },
    Manifest: {
      Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
      Location: { ObjectArn: "arn:aws:s3:::manifests/m.csv", ETag: etag },
    },
    Report: { Enabled: false },
  });

  it("runs each task as the role: copies it may write succeed, the others fail with AccessDenied", async () => {
    const control = s3ControlClient(sim);
    const ok = await control.send(new CreateJobCommand(job("ok", "ok/")));
    const no = await control.send(new CreateJobCommand(job("no", "no/")));
    sim.advance(120_000);
    const describe = async (id: string) =>
      (await control.send(new DescribeJobCommand({ AccountId: PROD, JobId: id }))).Job!;
    expect((await describe(ok.JobId!)).ProgressSummary).toMatchObject({
      NumberOfTasksSucceeded: 3,
      NumberOfTasksFailed: 0,
    });
    expect((await describe(no.JobId!)).ProgressSummary).toMatchObject({
      NumberOfTasksSucceeded: 0,
      NumberOfTasksFailed: 3,
    });
    expect(sim.iamDenials().at(-1)).toMatchObject({
      service: "s3control",
      apiAction: "S3PutObjectCopy",
      action: "s3:PutObject",
      resource: "arn:aws:s3:::dst/no/c",
      principal: `arn:aws:sts::${PROD}:assumed-role/batch/s3-batch-operations`,
    });
  });

  it("refuses a job whose role may not read the manifest", async () => {
    const err = await errorOf(s3ControlClient(sim).send(new CreateJobCommand(job("blind", "ok/", role("blind")))));
    expect(err.name).toBe("InvalidRequest");
    expect(err.message).toContain("cannot read the manifest");
  });
});
