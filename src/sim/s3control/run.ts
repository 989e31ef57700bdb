import { identityAllows } from "../iam/enforce.js";
import { s3ObjectArn } from "../iam/resources.js";
import { allowed, findBucket } from "../s3/access.js";
import { copyInto } from "../s3/copy.js";
import { objectLockFor } from "../s3/object-attributes.js";
import type { Principal, World } from "../world.js";
import { batchPrincipal, parseRow } from "./manifest.js";
import { type Job, type TaskFailure, TERMINAL } from "./model.js";
import { writeReport } from "./report.js";

/** A job fails once at least this many tasks ran and more than half of them failed (as AWS does). */
const FAILURE_THRESHOLD_MIN_TASKS = 1000;
const NEW_MS = 1000;

function runTask(
  world: World,
  job: Job,
  row: number,
  principal: Principal | string,
  at: number,
): TaskFailure | undefined {
  if (typeof principal === "string")
    return { httpStatus: 403, code: "AccessDenied", message: `Access Denied (${principal})` };
  const task = parseRow(job.rows[row] ?? "", job.fields);
  if (typeof task === "string") return { httpStatus: 400, code: "InvalidManifestContent", message: task };
  const dest = findBucket(world, job.targetBucket);
  if (!dest.ok) return { httpStatus: 404, code: "NoSuchBucket", message: "The specified bucket does not exist" };
  const spec = job.copy;
  const destKey = `${spec.targetKeyPrefix ?? ""}${task.key}`;
  if (!allowed(dest.value, principal, "s3:PutObject", destKey)) {
    return { httpStatus: 403, code: "AccessDenied", message: "Access Denied" };
  }
  // The role's identity policies (when enforced): it reads the source version and writes the copy.
  const call = {
    world,
    principal,
    account: principal.account,
    region: job.region,
    input: task,
    service: "s3control",
    apiAction: "S3PutObjectCopy",
    requestId: job.id,
  };
  const read = {
    action: task.versionId ? "s3:GetObjectVersion" : "s3:GetObject",
    resource: s3ObjectArn(task.bucket, task.key),
  };
  const write = { action: "s3:PutObject", resource: s3ObjectArn(dest.value.name, destKey) };
  for (const check of [read, write]) {
    if (!identityAllows(call, check)) {
      return {
        httpStatus: 403,
        code: "AccessDenied",
        message: `Access Denied (the role may not ${check.action} on ${check.resource})`,
      };
    }
  }
  const lock = objectLockFor(dest.value, at, spec.objectLock ?? {});
  if (!lock.ok) return { httpStatus: lock.error.status, code: lock.error.code, message: lock.error.message };
  const done = copyInto(world, principal, task, dest.value, {
    destKey,
    now: at,
    ...(spec.storageClass ? { storageClass: spec.storageClass } : {}),
    directives: {
      ...(spec.content ? { content: spec.content } : {}),
      ...(spec.tags ? { tags: spec.tags } : {}),
      ...(spec.checksumAlgorithm ? { checksumAlgorithm: spec.checksumAlgorithm } : {}),
      ...(lock.value ? { objectLock: lock.value } : {}),
    },
  });
  return done.ok ? undefined : { httpStatus: done.error.status, code: done.error.code, message: done.error.message };
}

function finish(world: World, job: Job, status: "Complete" | "Failed", at: number): void {
  job.status = status;
  job.finishedAt = at;
  const writer = batchPrincipal(world, job.roleArn);
  writeReport(world, job, at, typeof writer === "string" ? job.account : writer.account);
}

/** Bring one job up to `now`: its status, and every task due by then executed at its own instant. */
function advance(world: World, job: Job, now: number): void {
  if (TERMINAL.has(job.status)) return;
  if (now < job.createdAt + NEW_MS) {
    job.status = "New";
    return;
  }
  if (now < job.preparedAt) {
    job.status = "Preparing";
    return;
  }
  if (job.manifestProblem !== undefined) {
    job.failureReasons = [{ code: "ManifestReadFailure", reason: job.manifestProblem }];
    job.status = "Failed";
    job.finishedAt = job.preparedAt;
    return;
  }
  if (job.activeAt === undefined) {
    if (job.confirmationRequired) {
      job.status = "Suspended";
      return;
    }
    job.activeAt = job.preparedAt;
  }
  job.status = "Active";
  const rate = world.seed.s3BatchTasksPerSecond;
  const total = job.rows.length;
  const due = Math.min(total, Math.floor(((now - job.activeAt) * rate) / 1000));
  const principal = job.done < due ? batchPrincipal(world, job.roleArn) : "";
  while (job.done < due) {
    const row = job.order[job.done]!;
    const at = job.activeAt + Math.ceil(((job.done + 1) * 1000) / rate);
    const failure = runTask(world, job, row, principal, at);
    job.done += 1;
    if (failure) {
      job.outcome[row] = 2;
      job.failures.set(row, failure);
      job.failed += 1;
    } else {
      job.outcome[row] = 1;
      job.succeeded += 1;
    }
    if (job.done >= FAILURE_THRESHOLD_MIN_TASKS && job.failed * 2 > job.done) {
      job.failureReasons = [
        { code: "TaskFailureThresholdExceeded", reason: "The job failed because more than 50% of its tasks failed." },
      ];
      finish(world, job, "Failed", at);
      return;
    }
  }
  if (job.done === total) finish(world, job, "Complete", job.activeAt + Math.ceil((total * 1000) / rate));
}

export function settleJobs(world: World, now: number): void {
  for (const job of world.s3control.jobs.values()) advance(world, job, now);
}
