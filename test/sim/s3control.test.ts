import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateJobCommand,
  type CreateJobCommandInput,
  DescribeJobCommand,
  type JobStatus,
  ListJobsCommand,
  UpdateJobStatusCommand,
} from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { errorOf, PROD, REGION, STAGING } from "./helpers.js";
import { bodyText, s3Client, s3ControlClient } from "./s3-helpers.js";

const KEYS = ["plain", "a b", "a+b", "50%", "日本/語", "./dot", ...Array.from({ length: 14 }, (_, i) => `k/${i}`)];
const GB = 1024 ** 3;

const seed: SeedObject = {
  s3BatchTasksPerSecond: 2,
  s3BatchPrepareSeconds: 30,
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          buckets: [
            {
              name: "batch-source",
              versioning: "Enabled",
              objects: [
                ...KEYS.map((key) => ({
                  key,
                  versions: [{ body: `${key} v0` }, { body: `${key} v1` }, { body: `${key} v2` }],
                })),
                { key: "huge.bin", versions: [{ sizeBytes: 6 * GB }] },
              ],
              policy: {
                Version: "2012-10-17",
                Statement: [
                  {
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${STAGING}:role/batch-role` },
                    Action: ["s3:GetObject", "s3:GetObjectVersion"],
                    Resource: "arn:aws:s3:::batch-source/*",
                  },
                ],
              },
            },
          ],
        },
      },
    },
    [STAGING]: {
      roles: [
        { name: "batch-role", trustService: "batchoperations.s3.amazonaws.com" },
        { name: "plain-role", trust: [STAGING] },
      ],
      regions: {
        [REGION]: {
          buckets: [
            { name: "batch-dest", versioning: "Enabled" },
            { name: "batch-dest-2", versioning: "Enabled" },
            { name: "batch-manifests" },
            { name: "batch-reports" },
          ],
        },
      },
    },
  },
};

const ROLE = `arn:aws:iam::${STAGING}:role/batch-role`;
const encode = (key: string) => encodeURIComponent(key).replace(/%2F/g, "/");

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed });
});
afterAll(() => sim.close());

/** Every version of every key (or only the oldest), as manifest rows, and the manifest's ETag once uploaded. */
async function uploadManifest(name: string, which: "all" | "oldest"): Promise<{ etag: string; rows: string[] }> {
  const listed = await s3Client(sim).send(new ListObjectVersionsCommand({ Bucket: "batch-source" }));
  const versions = (listed.Versions ?? []).filter(
    (v) => which === "all" || v.VersionId === oldest(listed.Versions ?? [], v.Key!),
  );
  const rows = versions.map((v) => `batch-source,${encode(v.Key!)},${v.VersionId}`);
  const put = await s3Client(sim, STAGING).send(
    new PutObjectCommand({ Bucket: "batch-manifests", Key: name, Body: `${rows.join("\n")}\n` }),
  );
  return { etag: put.ETag!, rows };
}

function oldest(versions: { Key?: string; VersionId?: string }[], key: string): string | undefined {
  return versions.filter((v) => v.Key === key).at(-1)?.VersionId;
}

function jobInput(
  manifestKey: string,
  etag: string,
  token: string,
  over: Partial<CreateJobCommandInput> = {},
): CreateJobCommandInput {
  return {
    AccountId: STAGING,
    ClientRequestToken: token,
    ConfirmationRequired: false,
    Priority: 10,
    RoleArn: ROLE,
    Operation: { S3PutObjectCopy: { TargetResource: "arn:aws:s3:::batch-dest" } },
    Manifest: {
      Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key", "VersionId"] },
      Location: { ObjectArn: `arn:aws:s3:::batch-manifests/${manifestKey}`, ETag: etag },
    },
    Report: {
      Enabled: true,
      Bucket: "arn:aws:s3:::batch-reports",
      Format: "Report_CSV_20180820",
      Prefix: "reports",
      ReportScope: "AllTasks",
    },
    ...over,
  };
}

describe("S3 Control (Batch Operations)", () => {
  let jobId = "";
  let manifestRows: string[] = [];

  it("CreateJob is idempotent by ClientRequestToken per account: the same token is the same job", async () => {
    const control = s3ControlClient(sim, STAGING);
    const { etag, rows } = await uploadManifest("all.csv", "all");
    manifestRows = rows;
    const first = await control.send(new CreateJobCommand(jobInput("all.csv", etag, "run-1-wave-0")));
    const again = await control.send(new CreateJobCommand(jobInput("all.csv", etag, "run-1-wave-0")));
    expect(again.JobId).toBe(first.JobId);
    jobId = first.JobId!;
    const listed = await control.send(new ListJobsCommand({ AccountId: STAGING }));
    expect(listed.Jobs?.map((j) => j.JobId)).toEqual([jobId]);
    expect(sim.dump().s3control.jobs.map((j) => [j.token, j.status])).toEqual([["run-1-wave-0", "New"]]);
  });

  it("refuses a manifest ETag that does not match, a role that does not trust Batch Operations, another account's id", async () => {
    const control = s3ControlClient(sim, STAGING);
    const { etag } = await uploadManifest("oldest.csv", "oldest");
    const wrong = await errorOf(
      control.send(new CreateJobCommand(jobInput("oldest.csv", '"0123456789abcdef0123456789abcdef"', "bad-etag"))),
    );
    expect(wrong.name).toBe("InvalidRequest");
    expect(wrong.$metadata?.httpStatusCode).toBe(400);
    const role = await errorOf(
      control.send(
        new CreateJobCommand(
          jobInput("oldest.csv", etag, "bad-role", { RoleArn: `arn:aws:iam::${STAGING}:role/plain-role` }),
        ),
      ),
    );
    expect(role.name).toBe("InvalidRequest");
    expect(role.message).toContain("batchoperations.s3.amazonaws.com");
    const other = await errorOf(
      control.send(new CreateJobCommand({ ...jobInput("oldest.csv", etag, "x"), AccountId: PROD })),
    );
    expect(other.$metadata?.httpStatusCode).toBe(403);
    expect((await control.send(new ListJobsCommand({ AccountId: STAGING }))).Jobs).toHaveLength(1);
  });

  it("moves New → Preparing → Active → Complete on the virtual clock with ProgressSummary", async () => {
    const control = s3ControlClient(sim, STAGING);
    const describe = async () =>
      (await control.send(new DescribeJobCommand({ AccountId: STAGING, JobId: jobId }))).Job!;
    expect((await describe()).Status).toBe("New");
    sim.advance(2_000);
    expect((await describe()).Status).toBe("Preparing");
    sim.advance(30_000);
    const active = await describe();
    expect(active.Status).toBe("Active");
    const total = manifestRows.length;
    expect(active.ProgressSummary?.TotalNumberOfTasks).toBe(total);
    sim.advance(10_000);
    const running = await describe();
    const done = running.ProgressSummary!.NumberOfTasksSucceeded! + running.ProgressSummary!.NumberOfTasksFailed!;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(total);
    expect(running.ProgressSummary?.Timers?.ElapsedTimeInActiveSeconds).toBeGreaterThanOrEqual(10);
    const activeJobs = await control.send(
      new ListJobsCommand({ AccountId: STAGING, JobStatuses: ["Active" as JobStatus] }),
    );
    expect(activeJobs.Jobs?.map((j) => j.JobId)).toEqual([jobId]);
    sim.advance(3_600_000);
    const complete = await describe();
    expect(complete.Status).toBe("Complete");
    expect(complete.ProgressSummary?.NumberOfTasksSucceeded).toBe(total - 1);
    expect(complete.ProgressSummary?.NumberOfTasksFailed).toBe(1);
    expect(complete.ProgressSummary?.Timers?.ElapsedTimeInActiveSeconds).toBe(Math.floor(total / 2));
    expect(complete.TerminationDate).toBeInstanceOf(Date);
    expect(complete.Manifest?.Spec?.Fields).toEqual(["Bucket", "Key", "VersionId"]);
    expect(complete.Operation?.S3PutObjectCopy?.TargetResource).toBe("arn:aws:s3:::batch-dest");
    expect(
      (await control.send(new ListJobsCommand({ AccountId: STAGING, JobStatuses: ["Active" as JobStatus] }))).Jobs,
    ).toEqual([]);
  });

  it("runs tasks in a shuffled order: several versions of a key in one job can leave an older one latest", async () => {
    const source = s3Client(sim);
    const dest = s3Client(sim, STAGING);
    let wrongLatest = 0;
    for (const key of KEYS) {
      const got = await bodyText(await dest.send(new GetObjectCommand({ Bucket: "batch-dest", Key: key })));
      const truth = await bodyText(await source.send(new GetObjectCommand({ Bucket: "batch-source", Key: key })));
      if (got !== truth) wrongLatest += 1;
      const versions = await dest.send(new ListObjectVersionsCommand({ Bucket: "batch-dest", Prefix: key }));
      expect(versions.Versions?.filter((v) => v.Key === key)).toHaveLength(3);
    }
    expect(wrongLatest).toBeGreaterThan(0);
  });

  it("writes the completion report as AWS lays it out", async () => {
    const s3 = s3Client(sim, STAGING);
    const base = `reports/job-${jobId}`;
    const manifest = JSON.parse(
      await bodyText(await s3.send(new GetObjectCommand({ Bucket: "batch-reports", Key: `${base}/manifest.json` }))),
    );
    expect(manifest.Format).toBe("Report_CSV_20180820");
    expect(manifest.ReportSchema).toBe("Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage");
    expect(manifest.Results.map((r: { TaskExecutionStatus: string }) => r.TaskExecutionStatus)).toEqual([
      "succeeded",
      "failed",
    ]);
    const rows: string[][] = [];
    for (const r of manifest.Results as { Bucket: string; Key: string; MD5Checksum: string }[]) {
      expect(r.Bucket).toBe("batch-reports");
      expect(r.Key).toMatch(new RegExp(`^${base}/results/[0-9a-f]{40}\\.csv$`));
      const text = await bodyText(await s3.send(new GetObjectCommand({ Bucket: "batch-reports", Key: r.Key })));
      expect(createHash("md5").update(text).digest("hex")).toBe(r.MD5Checksum);
      rows.push(
        ...text
          .trim()
          .split("\n")
          .map((line) => line.split(",")),
      );
    }
    expect(rows).toHaveLength(manifestRows.length);
    const failed = rows.filter((r) => r[3] === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.slice(0, 2)).toEqual(["batch-source", "huge.bin"]);
    expect(failed[0]!.slice(3)).toEqual([
      "failed",
      "400",
      "InvalidRequest",
      "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120",
    ]);
    expect(rows.find((r) => r[1] === "a%20b")?.slice(3)).toEqual(["succeeded", "200", "", "Successful"]);
    // The report lists tasks in the order they ran: shuffled, not the manifest's order.
    const succeeded = rows.filter((r) => r[3] === "succeeded").map((r) => r.slice(0, 3).join(","));
    const expected = manifestRows.filter((r) => !r.startsWith("batch-source,huge.bin,"));
    expect(new Set(succeeded)).toEqual(new Set(expected));
    expect(succeeded).not.toEqual(expected);
  });

  it("waits in Suspended when confirmation is required, then runs once confirmed", async () => {
    const control = s3ControlClient(sim, STAGING);
    const { etag } = await uploadManifest("oldest.csv", "oldest");
    const { JobId } = await control.send(
      new CreateJobCommand(
        jobInput("oldest.csv", etag, "confirm-me", {
          ConfirmationRequired: true,
          Operation: { S3PutObjectCopy: { TargetResource: "arn:aws:s3:::batch-dest-2" } },
          Report: {
            Enabled: true,
            Bucket: "arn:aws:s3:::batch-reports",
            Format: "Report_CSV_20180820",
            ReportScope: "FailedTasksOnly",
          },
        }),
      ),
    );
    sim.advance(60_000);
    const describe = async () => (await control.send(new DescribeJobCommand({ AccountId: STAGING, JobId }))).Job!;
    expect((await describe()).Status).toBe("Suspended");
    await control.send(new UpdateJobStatusCommand({ AccountId: STAGING, JobId, RequestedJobStatus: "Ready" }));
    sim.advance(3_600_000);
    const done = await describe();
    expect(done.Status).toBe("Complete");
    expect(done.ProgressSummary?.NumberOfTasksFailed).toBe(1);
    const reportManifest = await s3Client(sim, STAGING).send(
      new GetObjectCommand({ Bucket: "batch-reports", Key: `job-${JobId}/manifest.json` }),
    );
    const results = JSON.parse(await bodyText(reportManifest)).Results as { TaskExecutionStatus: string }[];
    expect(results.map((r) => r.TaskExecutionStatus)).toEqual(["failed"]);
    // One version per key: each key's only copy is its latest.
    for (const key of KEYS) {
      const got = await s3Client(sim, STAGING).send(new GetObjectCommand({ Bucket: "batch-dest-2", Key: key }));
      expect(await bodyText(got)).toBe(`${key} v0`);
    }
  });
});
