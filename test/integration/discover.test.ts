/**
 * `hikkoshi discover` on the full demo's world: read-only (no mutating call), it finds exactly what the
 * hand-written demo-split runbook moves under `--filter tag:env=staging`, leaves out what plan would block
 * (with the reason in the draft), and writes a draft that validates only once its placeholders are filled,
 * then plans like the demo and runs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { REPO, runIdOf, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(REPO, "runbooks/sim/demo-split-world.yaml"), (s) => {
  sim = s;
});

const DISCOVER = ["discover", "--account", "source", "--region", "ap-northeast-1"];

/** The placeholders a person fills in, as the draft's comments ask. */
function fillIn(ws: Workspace, name: string) {
  ws.edit(name, /id: "<fill in: the target account's 12-digit id>"/, 'id: "222222222222"');
  ws.edit(
    name,
    /roleArn: "<fill in: a role in the target account[^"]*"/,
    "roleArn: arn:aws:iam::222222222222:role/hikkoshi-migrator\n    externalId: split-staging",
  );
  if (ws.read(name).includes("manifestBucket: ")) {
    ws.edit(name, /manifestBucket: "<fill in[^"]*"/, "manifestBucket: hikkoshi-manifests-222222222222");
  }
  if (ws.read(name).includes("batchRoleArn: ")) {
    ws.edit(
      name,
      /batchRoleArn: "<fill in[^"]*"/,
      "batchRoleArn: arn:aws:iam::222222222222:role/hikkoshi-batch-operations",
    );
  }
}

describe("hikkoshi discover", () => {
  it("finds what the demo moves, read-only, and writes a draft that validates once filled in and plans like the demo", async () => {
    const ws = new Workspace(sim);
    sim.resetStats();
    const r = await ws.cli(...DISCOVER, "--filter", "tag:env=staging", "--out", "runbooks/split-staging.yaml");
    expect(r.code, r.all).toBe(0);
    expect(sim.stats().mutating).toBe(0);
    expect(sim.stats().calls["sts:GetCallerIdentity"]).toBeGreaterThan(0);
    expect(r.out).toMatch(/S3\s+example-staging-secrets-archive .*LEFT OUT\s+S3_SSE_KMS_AWS_MANAGED_KEY/);
    expect(r.out).not.toContain("prod-api-db");

    const draft = ws.read("runbooks/split-staging.yaml");
    const demo = parse(readFileSync(join(REPO, "runbooks/demo-split.yaml"), "utf8")) as {
      params: Record<string, string[]>;
    };
    const params = (parse(draft) as { params: Record<string, string[]> }).params;
    for (const list of ["instances", "clusters", "volumes", "images", "buckets"]) {
      expect([...params[list]!].sort(), list).toEqual([...demo.params[list]!].sort());
    }
    // Left out, with the reason, where the operator reads the list.
    expect(draft).toMatch(/# LEFT OUT \(S3_SSE_KMS_AWS_MANAGED_KEY\)[\s\S]*# - example-staging-secrets-archive/);
    expect(draft).toMatch(/# LEFT OUT \(BACKS_AMI\)[\s\S]*# - vol-05a9e0000000000b1/);
    expect(draft).toMatch(
      /staging-api-db +# postgres .*AWS managed key alias\/aws\/rds \(re-encrypted under the share key first\)/,
    );

    const unfilled = await ws.cli("validate", "runbooks/split-staging.yaml");
    expect(unfilled.code).toBe(2);
    expect(unfilled.all.match(/RB_PLACEHOLDER/g)).toHaveLength(4);
    expect(unfilled.all).toContain("not filled in yet: the target account's 12-digit id");

    fillIn(ws, "runbooks/split-staging.yaml");
    const valid = await ws.cli("validate", "runbooks/split-staging.yaml");
    expect(valid.code, valid.all).toBe(0);
    const plan = await ws.cli("plan", "runbooks/split-staging.yaml", "--json");
    expect(plan.code, plan.all).toBe(0);
    const summary = JSON.parse(plan.out).summary;
    expect(summary).toMatchObject({ tasks: 517, blocking: 0 });
    expect(sim.stats().mutating).toBe(0);
  });

  it("--json: the inventory with totals; --name-like narrows it", async () => {
    const ws = new Workspace(sim);
    const r = await ws.cli(...DISCOVER, "--name-like", "staging-*-db", "--json");
    expect(r.code, r.all).toBe(0);
    const inv = JSON.parse(r.out);
    expect(inv.format).toBe("hikkoshi-inventory/1");
    expect(inv.account).toMatchObject({ id: "111111111111", region: "ap-northeast-1" });
    expect(inv.databases.map((d: { id: string }) => d.id).sort()).toEqual([
      "staging-api-db",
      "staging-billing-db",
      "staging-metrics-db",
      "staging-worker-db",
    ]);
    expect(inv.buckets).toEqual([]);
    expect(inv.totals).toContainEqual(expect.objectContaining({ family: "RDS", included: 4, found: 4, sizeGb: 360 }));
  });

  it("a draft of one database runs to the end on the simulator", async () => {
    const ws = new Workspace(sim);
    const made = await ws.cli(...DISCOVER, "--name-like", "staging-metrics-db", "--out", "one.yaml");
    expect(made.code, made.all).toBe(0);
    fillIn(ws, "one.yaml");
    const first = await ws.cli("run", "one.yaml", "--yes");
    expect(first.code, first.all).toBe(5);
    const runId = runIdOf(first.all);
    for (const gate of ["freeze", "restore-check"]) {
      expect((await ws.cli("approve", runId, gate)).code).toBe(0);
      const next = await ws.cli("resume", runId, "--yes");
      expect([0, 5], next.all).toContain(next.code);
    }
    const status = await ws.cli("status", runId, "--json");
    expect(JSON.parse(status.out).run.state, status.out).toBe("succeeded");
  });

  it("says what is wrong with its input, and never overwrites a file", async () => {
    const ws = new Workspace(sim);
    for (const [args, text] of [
      [["discover", "--region", "ap-northeast-1"], "discover needs the account to inventory"],
      [["discover", "--account", "prod=x", "--region", "ap-northeast-1"], "the alias must be source or target"],
      [[...DISCOVER, "--filter", "env=staging"], "expected tag:Key=Value"],
      [["discover", "--account", "source", "--region", "ap-nowhere-1"], "not a region the AWS SDK knows"],
    ] as const) {
      const r = await ws.cli(...args);
      expect(r.code, r.all).toBe(2);
      expect(r.all).toContain(text);
      expect(r.all).not.toMatch(/\n\s+at /);
    }
    ws.write("taken.yaml", "keep me\n");
    const r = await ws.cli(...DISCOVER, "--out", "taken.yaml");
    expect(r.code).toBe(2);
    expect(ws.read("taken.yaml")).toBe("keep me\n");
  });
});
