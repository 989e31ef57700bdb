/**
 * `hikkoshi policy`: every primitive step type says what it needs; the demo's policies are per account,
 * narrow where the runbook names things (buckets, volumes, this run's hk-* snapshots, the batch role), and
 * come out as JSON and Terraform without any AWS call.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { generatePolicies, type Statement } from "../../src/policy/generate.js";
import { PERMISSIONS } from "../../src/policy/steps.js";
import { loadRunbook } from "../../src/runbook/index.js";
import { builtinRegistry, builtinSteps } from "../../src/steps/index.js";

const REPO = join(import.meta.dirname, "../..");
const registry = builtinRegistry();
const demo = () => generatePolicies(loadRunbook(join(REPO, "runbooks/demo-split.yaml"), registry));

/** The mutating actions IAM cannot narrow to a resource. */
const UNNARROWABLE = new Set(["kms:CreateKey", "kms:TagResource", "s3:CreateJob"]);
const isRead = (action: string) => /:(Describe|List|Get)/.test(action);

const allowed = (statements: Statement[], action: string, resource: string) =>
  statements.some(
    (s) =>
      s.Action.includes(action) &&
      s.Resource.some(
        (r) =>
          r === "*" || new RegExp(`^${r.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(resource),
      ),
  );

describe("hikkoshi policy", () => {
  it("knows the permissions of every primitive step type", () => {
    const primitives = builtinSteps.filter((s) => s.kind === "primitive").map((s) => s.type);
    expect(primitives.filter((t) => PERMISSIONS[t] === undefined)).toEqual([]);
  });

  it("writes per-account policies for the demo, narrow where the runbook names things", () => {
    const g = demo();
    const source = g.accounts.source!.policy.Statement;
    const target = g.accounts.target!.policy.Statement;
    expect(g.accounts.source!.accountId).toBe("111111111111");
    // Snapshots of this run only; the databases the runbook names.
    expect(allowed(source, "rds:CreateDBSnapshot", "arn:aws:rds:ap-northeast-1:111111111111:db:staging-api-db")).toBe(
      true,
    );
    expect(allowed(source, "rds:CreateDBSnapshot", "arn:aws:rds:ap-northeast-1:111111111111:db:prod-api-db")).toBe(
      false,
    );
    expect(
      allowed(source, "rds:DeleteDBSnapshot", "arn:aws:rds:ap-northeast-1:111111111111:snapshot:hk-abc-db-x"),
    ).toBe(true);
    expect(allowed(source, "rds:DeleteDBSnapshot", "arn:aws:rds:ap-northeast-1:111111111111:snapshot:nightly")).toBe(
      false,
    );
    // The target copies the shared snapshot from the source account.
    expect(
      allowed(target, "rds:CopyDBSnapshot", "arn:aws:rds:ap-northeast-1:111111111111:snapshot:hk-r-db-share"),
    ).toBe(true);
    // Buckets: the source empties and deletes only the buckets it moves.
    expect(allowed(source, "s3:DeleteBucket", "arn:aws:s3:::example-staging-web-assets")).toBe(true);
    expect(allowed(source, "s3:DeleteBucket", "arn:aws:s3:::example-staging-secrets-archive")).toBe(false);
    expect(allowed(target, "iam:PassRole", "arn:aws:iam::222222222222:role/hikkoshi-batch-operations")).toBe(true);
    expect(
      allowed(target, "s3:PutObject", "arn:aws:s3:::hikkoshi-manifests-222222222222/hikkoshi/demo-split/m.csv"),
    ).toBe(true);
    // Nothing mutating on "*" but what IAM cannot narrow; nothing for an account that is not in the runbook.
    for (const s of [...source, ...target]) {
      if (s.Resource.includes("*")) {
        expect(
          s.Action.filter((a) => !isRead(a) && !UNNARROWABLE.has(a)),
          s.Sid,
        ).toEqual([]);
      }
    }
    expect(g.accounts.target!.assumeRole?.Statement[0]?.Resource).toEqual([
      "arn:aws:iam::222222222222:role/hikkoshi-migrator",
    ]);
    // The share key admits the target; the batch role is trusted by S3 Batch Operations only.
    expect(JSON.stringify(g.keyPolicies["share-key"]?.policy)).toContain("arn:aws:iam::222222222222:root");
    expect(g.batchRole?.trust.Statement[0]?.Principal).toEqual({ Service: "batchoperations.s3.amazonaws.com" });
  });

  it("the CLI writes JSON files and Terraform, refuses an unknown format, and needs no AWS", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hikkoshi-policy-"));
    const out: string[] = [];
    const io = {
      out: (t: string) => out.push(t),
      err: (t: string) => out.push(t),
      isTTY: false,
      canPrompt: false,
      cwd: REPO,
      // No credentials, no endpoint: any AWS call would fail.
      env: { PATH: process.env.PATH ?? "" },
    };
    expect(await main(["node", "hikkoshi", "policy", "runbooks/demo-split.yaml", "--out-dir", dir], io)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      "demo-split-batch-role-trust.json",
      "demo-split-batch-role.json",
      "demo-split-share-key-key-policy.json",
      "demo-split-source.json",
      "demo-split-target-assume-role.json",
      "demo-split-target.json",
      "demo-split.tf",
    ]);
    const tf = readFileSync(join(dir, "demo-split.tf"), "utf8");
    expect(tf).toContain('data "aws_iam_policy_document" "hikkoshi_demo_split_source" {');
    expect(tf).toContain('identifiers = ["batchoperations.s3.amazonaws.com"]');
    expect(JSON.parse(readFileSync(join(dir, "demo-split-source.json"), "utf8")).Version).toBe("2012-10-17");
    out.length = 0;
    expect(await main(["node", "hikkoshi", "policy", "runbooks/demo-split.yaml", "--format", "yaml"], io)).toBe(2);
    expect(out.join("\n")).toContain("expected json or terraform");
  });

  it("--notify sns:<topic> adds sns:Publish on that topic for its account; a webhook or a foreign topic adds nothing or is refused", async () => {
    const out: string[] = [];
    const io = {
      out: (t: string) => out.push(t),
      err: (t: string) => out.push(t),
      isTTY: false,
      canPrompt: false,
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "" },
    };
    const topic = "arn:aws:sns:ap-northeast-1:222222222222:migration-night";
    const args = ["node", "hikkoshi", "policy", "runbooks/demo-split.yaml", "--notify", `sns:${topic}`];
    expect(await main([...args, "--notify", "https://hooks.example.com/x"], io)).toBe(0);
    const g = JSON.parse(out.join("\n")) as ReturnType<typeof generatePolicies>;
    expect(allowed(g.accounts.target!.policy.Statement, "sns:Publish", topic)).toBe(true);
    expect(allowed(g.accounts.source!.policy.Statement, "sns:Publish", topic)).toBe(false);
    expect(JSON.stringify(demo())).not.toContain("sns:Publish");
    out.length = 0;
    const foreign = [
      "node",
      "hikkoshi",
      "policy",
      "runbooks/demo-split.yaml",
      "--notify",
      "sns:arn:aws:sns:ap-northeast-1:999999999999:x",
    ];
    expect(await main(foreign, io)).toBe(2);
    expect(out.join("\n")).toContain("not one of the runbook's accounts");
  });
});
