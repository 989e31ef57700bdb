/**
 * The shared migration lock: one object in an S3 bucket the team chooses, so that runs recorded in
 * different state files (two laptops, a CI job and a laptop) still see each other. As Terraform's S3
 * backend locking (`use_lockfile`): the object is created with a conditional write (`If-None-Match: *`),
 * which S3 answers 412 PreconditionFailed when it already exists, so exactly one of two writers at the same
 * instant gets it. Unlike Terraform's, it is held for the life of the run — from `run` until the run has
 * succeeded or is abandoned — not only while a process drives it: an unfinished run is still the live run
 * of its migration.
 *
 * Every call names the bucket's owner (`ExpectedBucketOwner`): the lock is never written to a bucket of
 * another account that took the name.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { s3 as sdk } from "../aws/sdk.js";
import { HikkoshiError } from "../core/errors.js";

export interface SharedLockSpec {
  /** Account alias whose bucket holds the lock. */
  account: string;
  accountId: string;
  bucket: string;
  key: string;
}

/** What the lock object says: enough to find the run and the person. */
export interface SharedLockHolder {
  format: "hikkoshi-lock/1";
  runId: string;
  runbook: string;
  accountIds: string[];
  operator: string;
  stateFile: string;
  acquiredAt: string;
}

/** The default key: one lock per migration (runbook name and account ids). */
export function sharedLockKey(prefix: string, runbook: string, accountIds: string[]): string {
  const base = prefix.endsWith("/") || prefix === "" ? prefix : `${prefix}/`;
  return `${base}${runbook}.${[...accountIds].sort().join("-")}.lock.json`;
}

const where = (spec: SharedLockSpec) => `s3://${spec.bucket}/${spec.key}`;

function status(err: unknown): number | undefined {
  return err instanceof sdk.S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

async function read(s3: S3Client, spec: SharedLockSpec): Promise<SharedLockHolder | undefined> {
  try {
    const got = await s3.send(
      new sdk.GetObjectCommand({ Bucket: spec.bucket, Key: spec.key, ExpectedBucketOwner: spec.accountId }),
    );
    const text = (await got.Body?.transformToString("utf8")) ?? "";
    const parsed = JSON.parse(text) as SharedLockHolder;
    if (parsed?.format !== "hikkoshi-lock/1" || typeof parsed.runId !== "string")
      throw new Error("not a hikkoshi lock");
    return parsed;
  } catch (err) {
    if (err instanceof sdk.NoSuchKey || status(err) === 404) return undefined;
    if (err instanceof SyntaxError || (err instanceof Error && err.message === "not a hikkoshi lock")) {
      throw new HikkoshiError("SHARED_LOCK_UNREADABLE", `${where(spec)} exists but is not a hikkoshi lock`, {
        resource: where(spec),
        hint: "another tool uses that key: choose another `lock.key`, or remove the object if it is stale",
      });
    }
    throw err;
  }
}

async function create(s3: S3Client, spec: SharedLockSpec, me: SharedLockHolder): Promise<boolean> {
  try {
    await s3.send(
      new sdk.PutObjectCommand({
        Bucket: spec.bucket,
        Key: spec.key,
        Body: `${JSON.stringify(me, null, 2)}\n`,
        ContentType: "application/json",
        IfNoneMatch: "*",
        ExpectedBucketOwner: spec.accountId,
      }),
    );
    return true;
  } catch (err) {
    // 412: it exists. 409 ConditionalRequestConflict: a concurrent conditional write on the same key.
    if (status(err) === 412 || status(err) === 409) return false;
    throw err;
  }
}

export function sharedLockHeld(spec: SharedLockSpec, holder: SharedLockHolder): HikkoshiError {
  return new HikkoshiError(
    "RUN_UNFINISHED",
    `the shared lock ${where(spec)} is held by run ${holder.runId} of ${holder.runbook} (by ${holder.operator} since ${holder.acquiredAt}, state file ${holder.stateFile}); one migration has one live run`,
    {
      resource: where(spec),
      hint: `continue that run where its state file is (hikkoshi resume ${holder.runId} --state ${holder.stateFile}), or start over, recording it: hikkoshi run <runbook> --abandon ${holder.runId}`,
    },
  );
}

/**
 * Take the lock for `me.runId`. Already ours (a resume): fine. Held by `abandon`: replaced, and the
 * holder returned so the caller records what it abandoned. Held by anyone else: RUN_UNFINISHED.
 */
export async function acquireSharedLock(
  s3: S3Client,
  spec: SharedLockSpec,
  me: SharedLockHolder,
  options: { abandon?: string | undefined } = {},
): Promise<{ replaced?: SharedLockHolder }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await create(s3, spec, me)) return {};
    const holder = await read(s3, spec);
    if (holder === undefined) continue; // released between our write and our read: try again
    if (holder.runId === me.runId) return {};
    if (options.abandon !== undefined && holder.runId === options.abandon) {
      await s3.send(
        new sdk.DeleteObjectCommand({ Bucket: spec.bucket, Key: spec.key, ExpectedBucketOwner: spec.accountId }),
      );
      if (await create(s3, spec, me)) return { replaced: holder };
      continue;
    }
    throw sharedLockHeld(spec, holder);
  }
  throw new HikkoshiError("SHARED_LOCK_CONTENDED", `could not take ${where(spec)}: other writers keep changing it`, {
    resource: where(spec),
    hint: "someone else is starting this migration right now: check with them, then try again",
  });
}

/** Release the lock if it is this run's (a succeeded or abandoned run); someone else's is left alone. */
export async function releaseSharedLock(s3: S3Client, spec: SharedLockSpec, runId: string): Promise<boolean> {
  const holder = await read(s3, spec);
  if (holder?.runId !== runId) return false;
  await s3.send(
    new sdk.DeleteObjectCommand({ Bucket: spec.bucket, Key: spec.key, ExpectedBucketOwner: spec.accountId }),
  );
  return true;
}

/** Who holds it now (for `status` and for a resume's check). */
export function readSharedLock(s3: S3Client, spec: SharedLockSpec): Promise<SharedLockHolder | undefined> {
  return read(s3, spec);
}
