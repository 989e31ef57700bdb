import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { CopyDBSnapshotCommand, CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Json } from "../../../src/core/json.js";
import { cleanup } from "../../../src/steps/cleanup/cleanup.js";
import type { RunContext } from "../../../src/steps/define.js";
import { kmsCreateKey } from "../../../src/steps/kms/create-key.js";
import { rdsCopySnapshot } from "../../../src/steps/rds/copy-snapshot.js";
import { rdsCreateSnapshot } from "../../../src/steps/rds/create-snapshot.js";
import { put } from "../s3/bucket-helpers.js";
import { mutations, PROD, REGION, startWorld, type World } from "../setup.js";

const DAY = 86_400_000;
const TASK = "tidy-source";
const PREFIX = "hikkoshi/step-tests/hk-run1-db-manifest/";

let world: World;
beforeEach(async () => {
  world = await startWorld({ runId: "run1" });
});
afterEach(() => world.close());

const rds = () => world.h.session.client("source", "rds");
const s3 = () => world.h.session.client("source", "s3");
const kms = () => world.h.session.client("source", "kms");

async function snapshotExists(id: string): Promise<boolean> {
  const out = await rds().send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual" }));
  return out.DBSnapshots?.some((s) => s.DBSnapshotIdentifier === id) ?? false;
}

async function bucketExists(bucket: string): Promise<boolean> {
  return s3()
    .send(new HeadBucketCommand({ Bucket: bucket }))
    .then(() => true)
    .catch(() => false);
}

async function keysUnder(bucket: string, prefix = ""): Promise<string[]> {
  const out = await s3().send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].map((v) => v.Key ?? "");
}

async function keyState(keyId: string) {
  return (await kms().send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
}

async function createBucket(name: string, tags?: Record<string, string>): Promise<void> {
  await s3().send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await s3().send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
  if (tags) {
    const TagSet = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    await s3().send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet } }));
  }
}

interface Made {
  keyArn: string;
  keyId: string;
  /** The re-encrypted copy (under the key) and the snapshot it came from. */
  copyId: string;
  snapshots: string[];
  params: Record<string, unknown>;
}

/** What a run leaves behind: a key, a snapshot and its re-encrypted copy, a temporary bucket, manifests. */
async function intermediates(windowDays = 7): Promise<Made> {
  const key = await world.h.run(kmsCreateKey, "source", { alias: "hikkoshi/cleanup-test" }, "share-key");
  const snap = await world.h.run(rdsCreateSnapshot, "source", { instance: "orders-db" }, "db.snapshot");
  const copy = await world.h.run(
    rdsCopySnapshot,
    "source",
    { source: snap.snapshotId, kmsKeyId: key.keyArn },
    "db.reencrypt",
  );
  await createBucket("hk-run1-tmp", world.h.runContext("source", "web.temp-bucket").tags());
  await put(s3(), "hk-run1-tmp", "a.txt", "1");
  await put(s3(), "hk-run1-tmp", "a.txt", "2");
  await s3().send(new DeleteObjectCommand({ Bucket: "hk-run1-tmp", Key: "a.txt" }));
  await s3().send(new CreateMultipartUploadCommand({ Bucket: "hk-run1-tmp", Key: "big.bin" }));
  await createBucket("ops-manifests");
  await put(s3(), "ops-manifests", `${PREFIX}wave-1.csv`, "a");
  await put(s3(), "ops-manifests", `${PREFIX}wave-1.csv`, "b");
  await put(s3(), "ops-manifests", `${PREFIX}report.json`, "{}");
  await put(s3(), "ops-manifests", "keep/me.txt", "stays");
  const snapshots = [String(snap.snapshotId), String(copy.snapshotId)];
  return {
    keyArn: String(key.keyArn),
    keyId: String(key.keyId),
    copyId: String(copy.snapshotId),
    snapshots,
    params: {
      rdsSnapshots: [copy.snapshotArn, snapshots[0]],
      buckets: ["hk-run1-tmp"],
      objects: [{ bucket: "ops-manifests", prefix: PREFIX }],
      kmsKeys: [key.keyArn],
      keyDeletionWindowDays: windowDays,
    },
  };
}

async function allGone(made: Made): Promise<void> {
  for (const id of made.snapshots) expect(await snapshotExists(id)).toBe(false);
  expect(await bucketExists("hk-run1-tmp")).toBe(false);
  expect(await keysUnder("ops-manifests")).toEqual(["keep/me.txt"]);
  expect((await keyState(made.keyId))?.KeyState).toBe("PendingDeletion");
}

describe("cleanup: params", () => {
  it("needs at least one non-empty list and a waiting period of 7–30 days", () => {
    expect(cleanup.params.safeParse({}).success).toBe(false);
    const empty = cleanup.params.safeParse({ rdsSnapshots: [], kmsKeys: [] });
    expect(empty.error?.issues[0]?.message).toMatch(/at least one thing to clean up/);
    expect(cleanup.params.safeParse({ kmsKeys: ["k"], keyDeletionWindowDays: 5 }).success).toBe(false);
    expect(cleanup.params.safeParse({ kmsKeys: ["k"], keyDeletionWindowDays: 31 }).success).toBe(false);
    expect(cleanup.params.parse({ kmsKeys: ["k"] })).toMatchObject({ keyDeletionWindowDays: 30 });
    expect(cleanup.params.safeParse({ ebsSnapshots: ["vol-123"] }).success).toBe(false);
    expect(cleanup).toMatchObject({ destructive: true, irreversible: true });
  });
});

describe("cleanup", () => {
  it("plans read-only: one resource per item, counts per kind and the KMS waiting period out loud", async () => {
    const made = await intermediates();
    world.sim.resetStats();
    const plan = await world.h.plan(cleanup, "source", made.params, TASK);
    expect(world.sim.stats().mutating).toBe(0);
    expect(plan).toMatchObject({ action: "delete", destructive: true, irreversible: true });
    expect(plan.preconditions.filter((p) => !p.ok)).toEqual([]);
    expect(plan.summary).toContain("delete 2 RDS snapshot(s), 1 object prefix(es)");
    expect(plan.summary).toContain("1 bucket(s)");
    expect(plan.summary).toContain("schedule 1 KMS key(s) for deletion LAST, after a 7-day waiting period");
    expect(plan.summary).toContain("aws kms cancel-key-deletion");
    expect(plan.resources).toHaveLength(5);
    expect(plan.resources).toContain(made.keyArn);
    expect(plan.resources).toContain("arn:aws:s3:::hk-run1-tmp");
    expect(plan.resources).toContain(`arn:aws:s3:::ops-manifests/${PREFIX}*`);
  });

  it("deletes snapshots, the temporary bucket and the prefix, then schedules the key with its date", async () => {
    const made = await intermediates();
    const start = world.sim.now();
    const out = await world.h.run(cleanup, "source", made.params, TASK);
    await allGone(made);
    const meta = await keyState(made.keyId);
    expect(meta?.DeletionDate?.getTime()).toBe(start + 7 * DAY);
    const deletionDate = new Date(start + 7 * DAY).toISOString();
    expect(out.keysScheduled).toEqual([{ keyArn: made.keyArn, deletionDate }]);
    const rdsArn = (id: string) => `arn:aws:rds:${REGION}:${PROD}:snapshot:${id}`;
    expect(out.deleted).toEqual([
      rdsArn(made.copyId),
      rdsArn(made.snapshots[0] ?? ""),
      `arn:aws:s3:::ops-manifests/${PREFIX}*`,
      "arn:aws:s3:::hk-run1-tmp",
    ]);
    expect(world.h.logs.join("\n")).toContain(
      `key ${made.keyArn} (alias alias/hikkoshi/cleanup-test) scheduled for deletion on ${deletionDate} (7-day waiting period); until then \`aws kms cancel-key-deletion --key-id ${made.keyId}\` undoes it`,
    );
    // The key goes last, after everything that could still need it.
    expect(mutations(world.h).slice(-1)).toEqual(["kms:ScheduleKeyDeletion"]);

    // Done is done: a second run changes nothing and says the same.
    const count = world.h.journal.length;
    expect(await world.h.run(cleanup, "source", made.params, TASK)).toEqual(out);
    expect(world.h.journal.length).toBe(count);
    // Even without its checkpoint (another task id): everything is found gone, the key found scheduled.
    world.sim.resetStats();
    const fresh = await world.h.run(cleanup, "source", made.params, "tidy-again");
    expect(world.sim.stats().mutating).toBe(0);
    expect(fresh).toEqual(out);
  });

  it("refuses everything, before any call, when one resource is not this run's", async () => {
    const made = await intermediates();
    // Another run of the same runbook: passes the plan's runbook check, not the run's.
    const otherRun = { "hikkoshi:run": "other", "hikkoshi:task": "db.snapshot", "hikkoshi:runbook": "step-tests" };
    await rds().send(
      new CreateDBSnapshotCommand({
        DBSnapshotIdentifier: "hk-other-db-snapshot",
        DBInstanceIdentifier: "plain-db",
        Tags: Object.entries(otherRun).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    world.sim.advance(10 * 60_000);
    const seeded = { ...made.params, rdsSnapshots: ["orders-db-shared", ...made.snapshots] };
    const plan = await world.h.plan(cleanup, "source", seeded, TASK);
    const errors = plan.preconditions.filter((p) => p.severity === "error" && !p.ok);
    expect(errors.map((p) => p.code)).toEqual(["CLEANUP_NOT_OURS"]);
    expect(errors[0]?.message).toContain("orders-db-shared");
    expect(errors[0]?.message).toContain("it has no tags");

    // The plan cannot know the run id yet: a resource of this runbook looks fine until the run checks.
    const looksFine = await world.h.plan(cleanup, "source", { rdsSnapshots: ["hk-other-db-snapshot"] }, TASK);
    expect(looksFine.preconditions.filter((p) => !p.ok)).toEqual([]);

    world.sim.resetStats();
    const before = world.h.journal.length;
    for (const list of [seeded, { ...made.params, rdsSnapshots: ["hk-other-db-snapshot", ...made.snapshots] }]) {
      const err = await world.h.run(cleanup, "source", list, TASK).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "CLEANUP_NOT_OURS", hint: expect.stringContaining("nothing was deleted") });
    }
    const other = await world.h
      .run(cleanup, "source", { ...made.params, rdsSnapshots: ["hk-other-db-snapshot"] }, TASK)
      .catch((e: unknown) => e);
    expect(String(other)).toContain('"hikkoshi:run":"other"');
    // A prefix without this run's id.
    const prefix = await world.h
      .run(cleanup, "source", { objects: [{ bucket: "ops-manifests", prefix: "hikkoshi/" }] }, TASK)
      .catch((e: unknown) => e);
    expect(prefix).toMatchObject({ code: "CLEANUP_NOT_OURS", message: expect.stringContaining('run id "run1"') });
    expect(world.sim.stats().mutating).toBe(0);
    expect(world.h.journal.length).toBe(before);
    for (const id of made.snapshots) expect(await snapshotExists(id)).toBe(true);
    expect((await keyState(made.keyId))?.KeyState).toBe("Enabled");
  });

  it("will not schedule a key that still encrypts something else in the account (plan warns, run refuses)", async () => {
    const made = await intermediates();
    // A second copy under the same key that this cleanup does not list (another team's, or forgotten).
    const other = await world.h.run(
      rdsCopySnapshot,
      "source",
      { source: made.snapshots[0], kmsKeyId: made.keyArn, targetId: "orders-keep-me" },
      "other.copy",
    );
    const plan = await world.h.plan(cleanup, "source", made.params, TASK);
    const warned = plan.preconditions.find((p) => p.code === "CLEANUP_KEY_STILL_IN_USE");
    expect(warned).toMatchObject({
      severity: "warning",
      message: expect.stringContaining("DB snapshot orders-keep-me"),
    });

    const err = await world.h.run(cleanup, "source", made.params, TASK).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CLEANUP_KEY_STILL_IN_USE", message: expect.stringContaining("orders-keep-me") });
    // The listed intermediates went; the key did not, and the unlisted copy is still readable.
    expect(await snapshotExists(made.copyId)).toBe(false);
    expect(await snapshotExists(String(other.snapshotId))).toBe(true);
    expect((await keyState(made.keyId))?.KeyState).toBe("Enabled");
    expect(mutations(world.h)).not.toContain("kms:ScheduleKeyDeletion");
  });

  it("runObjects deletes exactly what this run wrote under hikkoshi/<runbook>/hk-<run>- and keeps the bucket", async () => {
    await createBucket("ops-manifests");
    const mine = [
      "hikkoshi/step-tests/hk-run1-bucket-manifest-a/wave-1.csv",
      "hikkoshi/step-tests/hk-run1-bucket-verify-a/verify/report.json",
    ];
    const others = [
      "hikkoshi/step-tests/hk-run12-bucket-manifest-a/wave-1.csv",
      "hikkoshi/other-book/hk-run1-x/y",
      "ops/keep.txt",
    ];
    for (const key of [...mine, ...others]) await put(s3(), "ops-manifests", key, "x");
    const plan = await world.h.plan(cleanup, "source", { runObjects: ["ops-manifests"] }, TASK);
    expect(plan).toMatchObject({ action: "delete", destructive: true });
    const out = await world.h.run(cleanup, "source", { runObjects: ["ops-manifests"] }, TASK);
    expect(out.deleted).toHaveLength(1);
    expect((await keysUnder("ops-manifests")).sort()).toEqual([...others].sort());
    expect(await bucketExists("ops-manifests")).toBe(true);
  });

  it("refuses an untagged bucket and a key of another region, and notes what is already gone", async () => {
    await createBucket("someones-bucket");
    const elsewhere = `arn:aws:kms:us-west-2:${PROD}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const plan = await world.h.plan(
      cleanup,
      "source",
      { buckets: ["someones-bucket", "hk-never-made"], ebsSnapshots: [], kmsKeys: [elsewhere] },
      TASK,
    );
    const codes = plan.preconditions.map((p) => `${p.ok ? "ok" : p.severity}:${p.code}`);
    expect(codes).toEqual(["error:CLEANUP_NOT_OURS", "ok:CLEANUP_ALREADY_GONE", "error:CLEANUP_OTHER_REGION"]);
    expect(plan.preconditions[0]?.message).toContain("someones-bucket was not created by this run (it has no tags)");
    expect(plan.summary).toContain("2 bucket(s) (emptied: all versions, markers and uploads) [1 already gone]");
  });

  it("plans around items other steps will produce", async () => {
    const later = (name: string) => ({ $unresolved: `steps.x.outputs.${name}` });
    const plan = await world.h.plan(
      cleanup,
      "source",
      {
        rdsSnapshots: [later("snapshotId")],
        objects: [{ bucket: "ops-manifests", prefix: later("prefix") }],
        kmsKeys: [later("keyArn")],
      },
      TASK,
    );
    expect(plan.preconditions.filter((p) => !p.ok)).toEqual([]);
    expect(plan.summary).toContain("1 RDS snapshot(s) [1 from other steps]");
    expect(plan.summary).toContain("schedule 1 KMS key(s) [1 from other steps] for deletion LAST, after a 30-day");
  });

  it("finishes after a failure on the second delete: re-running ends with everything gone", async () => {
    const made = await intermediates();
    world.sim.addFaults({ action: "DeleteDBSnapshot", nth: 2, code: "AccessDenied", status: 403 });
    await expect(world.h.run(cleanup, "source", made.params, TASK)).rejects.toMatchObject({
      code: "AWS_ACCESS_DENIED",
    });
    expect(await snapshotExists(made.snapshots[1] ?? "")).toBe(false);
    expect(await snapshotExists(made.snapshots[0] ?? "")).toBe(true);
    expect((await keyState(made.keyId))?.KeyState).toBe("Enabled");
    const out = await world.h.run(cleanup, "source", made.params, TASK);
    await allGone(made);
    expect(out.deleted).toHaveLength(4);
    expect(world.h.journal.filter((r) => r.outcome !== "ok").map((r) => r.action)).toEqual(["DeleteDBSnapshot"]);
  });

  it("refuses to schedule a key while a listed snapshot under it exists again", async () => {
    const made = await intermediates();
    world.sim.addFaults({ action: "ScheduleKeyDeletion", code: "AccessDenied", status: 403 });
    await expect(world.h.run(cleanup, "source", made.params, TASK)).rejects.toMatchObject({
      code: "AWS_ACCESS_DENIED",
    });
    expect(await snapshotExists(made.copyId)).toBe(false);
    // Something re-creates the re-encrypted copy under the key after this step deleted it.
    await rds().send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: "rds:api-db-2026-11-22-03-00",
        TargetDBSnapshotIdentifier: made.copyId,
        KmsKeyId: made.keyArn,
      }),
    );
    world.sim.resetStats();
    const err = await world.h.run(cleanup, "source", made.params, TASK).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "CLEANUP_KEY_STILL_IN_USE",
      message: expect.stringContaining(`DB snapshot ${made.copyId}`),
    });
    expect(world.sim.stats().mutating).toBe(0);
    expect((await keyState(made.keyId))?.KeyState).toBe("Enabled");
  });
});

/**
 * A context whose `nth` mutating call succeeds and then the process "dies": that call and every later
 * one (reads included, so no handler in the step can carry on) throw, and no checkpoint is saved.
 */
function crashingAfter(ctx: RunContext, nth: number): RunContext {
  let calls = 0;
  const dead = () => new Error(`crash after mutating call ${nth}`);
  const alive = () => {
    if (calls >= nth) throw dead();
  };
  const aws: RunContext["aws"] = {
    read: async (alias, service, command) => {
      alive();
      return ctx.aws.read(alias, service, command);
    },
    dryRun: async (alias, service, command) => {
      alive();
      return ctx.aws.dryRun(alias, service, command);
    },
    mutate: async (alias, service, command, resource) => {
      alive();
      const out = await ctx.aws.mutate(alias, service, command, resource);
      calls += 1;
      alive();
      return out;
    },
  };
  return {
    ...ctx,
    aws,
    saveProgress: (p) => {
      alive();
      ctx.saveProgress(p);
    },
  };
}

describe("cleanup: a crash after any single call", () => {
  const CLEANUP_ACTIONS = [
    "DeleteDBSnapshot",
    "DeleteObjects",
    "AbortMultipartUpload",
    "DeleteBucket",
    "ScheduleKeyDeletion",
  ];

  it("is finished by running the step again, with the same end state and outputs", async () => {
    const made = await intermediates();
    const reference = await world.h.run(cleanup, "source", made.params, TASK);
    const calls = world.h.journal.filter((r) => CLEANUP_ACTIONS.includes(r.action)).length;
    // 2 snapshots, 2 DeleteObjects (bucket, prefix), 1 upload, 1 bucket, 1 key.
    expect(calls).toBe(7);
    for (let nth = 1; nth <= calls; nth++) {
      await world.close();
      world = await startWorld({ runId: "run1" });
      const again = await intermediates();
      const ctx = crashingAfter(world.h.runContext("source", TASK), nth);
      await expect(cleanup.run(ctx, cleanup.params.parse(again.params))).rejects.toThrow(
        `crash after mutating call ${nth}`,
      );
      const out: Record<string, Json> = await world.h.run(cleanup, "source", again.params, TASK);
      await allGone(again);
      expect(out.deleted).toEqual(reference.deleted);
      const date = (await keyState(again.keyId))?.DeletionDate?.toISOString();
      expect(out.keysScheduled).toEqual([{ keyArn: again.keyArn, deletionDate: date }]);
      // Nothing was done twice: the crashed attempt and the re-run together made each call once.
      const made = world.h.journal.filter((r) => CLEANUP_ACTIONS.includes(r.action));
      expect(made.map((r) => r.outcome)).toEqual(Array(calls).fill("ok"));
    }
  });
});
