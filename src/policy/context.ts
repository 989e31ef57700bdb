/**
 * What a step type's permissions are computed from: the task as validation expanded it (no AWS call, so
 * the policy can be written before anyone holds it), with references to other tasks' outputs followed
 * back to what the run will name them (this run's resources are all `hk-…`; a bucket a create step makes
 * is that step's `bucket` param). ARNs are built per partition, account and region.
 */
import { partitionOf } from "../aws/permissions.js";
import type { AccountSpec, Runbook, TaskSpec } from "../runbook/types.js";
import { snapshotArn as ebsSnapshotArn, imageArn, volumeArn } from "../steps/ec2/read.js";
import { snapshotArn as rdsSnapshotArn } from "../steps/rds/read.js";
import { bucketArn } from "../steps/s3/basics.js";

/** IAM statements of one task, for the account whose caller makes the calls. */
export interface Need {
  account: string;
  actions: string[];
  resources: string[];
  /** An IAM condition block (statements with different conditions never merge). */
  condition?: Record<string, Record<string, string | string[]>>;
}

const REF = /^\$\{\{\s*steps\.([^\s]+?)\.outputs\.([A-Za-z0-9_]+)\s*\}\}$/;

export class TaskView {
  constructor(
    readonly task: TaskSpec,
    private readonly runbook: Runbook,
    private readonly byId: Map<string, TaskSpec>,
  ) {}

  get alias(): string {
    return this.task.account;
  }

  spec(alias = this.task.account): AccountSpec {
    const spec = this.runbook.accounts[alias];
    if (!spec) throw new Error(`policy: task ${this.task.id} names unknown account ${alias}`);
    return spec;
  }

  param(name: string): unknown {
    return this.task.with[name];
  }

  /** A param's value when validation knew it (no reference to another task's output), else undefined. */
  known(name: string): string | undefined {
    const v = this.task.with[name];
    return typeof v === "string" && !v.includes("${{") ? v : undefined;
  }

  /** The task and output a param refers to, if it is exactly one reference. */
  ref(value: unknown): { task: TaskSpec; output: string } | undefined {
    const m = typeof value === "string" ? REF.exec(value) : null;
    const task = m ? this.byId.get(m[1]!) : undefined;
    return task ? { task, output: m![2]! } : undefined;
  }

  /** Account alias a param names (an alias param), or this task's. */
  aliasParam(name: string): string {
    const v = this.known(name);
    return v && this.runbook.accounts[v] ? v : this.task.account;
  }

  /** A bucket param: its name, a created bucket's name through the creating task, or "*". */
  bucket(value: unknown): string {
    if (typeof value === "string" && !value.includes("${{")) return value;
    const r = this.ref(value);
    if (r && r.output === "bucket") {
      const made = r.task.with.bucket;
      if (typeof made === "string" && !made.includes("${{")) return made;
    }
    return "*";
  }

  /** The account (alias) of the task a param's reference comes from, or this task's. */
  ownerOf(value: unknown): string {
    return this.ref(value)?.task.account ?? this.task.account;
  }
}

export function views(runbook: Runbook): TaskView[] {
  const byId = new Map(runbook.tasks.map((t) => [t.id, t]));
  return runbook.tasks.map((t) => new TaskView(t, runbook, byId));
}

/** ARN builders for one account and region: the steps' own where they have one. */
export function arns(spec: AccountSpec) {
  const p = partitionOf(spec.region);
  const r = spec.region;
  const a = spec.id;
  return {
    rds: (type: "db" | "cluster" | "snapshot" | "cluster-snapshot", name: string) =>
      type === "snapshot" || type === "cluster-snapshot"
        ? rdsSnapshotArn(spec, type === "snapshot" ? "instance" : "cluster", name)
        : `arn:${p}:rds:${r}:${a}:${type}:${name}`,
    volume: (id: string) => volumeArn(spec, id),
    snapshots: ebsSnapshotArn(spec, "*"),
    images: imageArn(spec, "*"),
    keys: `arn:${p}:kms:${r}:${a}:key/*`,
    alias: (name: string) => `arn:${p}:kms:${r}:${a}:${name.startsWith("alias/") ? name : `alias/${name}`}`,
    bucket: (name: string) => bucketArn(name, r),
    objects: (name: string, prefix = "") => `${bucketArn(name, r)}/${prefix}*`,
    jobs: `arn:${p}:s3:${r}:${a}:job/*`,
    role: (name: string) => `arn:${p}:iam::${a}:role/${name}`,
  };
}
