/**
 * The EC2 moves through the whole CLI (in-process) against the simulator: `plan` of ec2.move-snapshot and
 * ec2.move-image is read-only (its EC2 permission checks are DryRun calls, which change nothing); what the
 * preflight refuses (a share on aws/ebs, an account whose IAM denies CopySnapshot, a public share, a
 * foreign key the target cannot use); and a copy that AWS accepts and then puts in state `error`.
 */

import { join } from "node:path";
import { DeleteSnapshotCommand, EC2Client } from "@aws-sdk/client-ec2";
import { KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/engine/index.js";
import type { SimulatorHandle, WorldDump } from "../../src/sim/index.js";
import { builtinRegistry } from "../../src/steps/index.js";
import { FIXTURES, mutatingCalls, PROD, REGION, runIdOf, STAGING, useSimulatorWorld, Workspace } from "./helpers.js";

const LOCKED = "333333333333";

let sim: SimulatorHandle;
useSimulatorWorld(join(FIXTURES, "ec2-world.yaml"), (s) => {
  sim = s;
});

/** plan --json: the plan and its blocking preconditions by task. */
async function planOf(ws: Workspace, runbook: string) {
  const r = await ws.cli("plan", runbook, "--json");
  const plan = JSON.parse(r.out) as Plan;
  const blocking = plan.tasks.flatMap((t) =>
    t.preconditions.filter((p) => p.severity === "error").map((p) => ({ task: t.id, ...p })),
  );
  return { code: r.code, plan, blocking, err: r.err };
}

const ec2Of = (dump: WorldDump, account: string) => dump.accounts[account]?.regions[REGION]?.ec2;

/** A client of `account` (the simulator's AKSIM<account> user): the operator fixing things by hand. */
function clientsOf(account: string) {
  const config = {
    endpoint: sim.url,
    region: REGION,
    credentials: { accessKeyId: `AKSIM${account}`, secretAccessKey: "x" },
  };
  return { ec2: new EC2Client(config), kms: new KMSClient(config) };
}

describe("plan of EC2 moves is read-only", () => {
  it("plan --json shows every EC2 task with its action and resources; its dry runs change nothing", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("ec2-move.yaml");
    const before = sim.dump();
    sim.resetStats();

    const { code, plan, blocking, err } = await planOf(ws, runbook);
    expect(code, err).toBe(0);
    expect(blocking).toEqual([]);

    const stats = sim.stats();
    // The EC2 steps check permissions with DryRun=true calls: counted apart, never as mutations.
    expect(stats.mutating, JSON.stringify(mutatingCalls(stats))).toBe(0);
    expect(stats.dryRuns).toBeGreaterThan(0);
    expect(stats.errors["ec2:CreateSnapshot:DryRunOperation"]).toBe(1);
    expect(stats.errors["ec2:CopyImage:DryRunOperation"]).toBe(1);
    expect(sim.dump()).toEqual(before);

    const byId = new Map(plan.tasks.map((t) => [t.id, t]));
    expect([...byId.keys()]).toEqual([
      "share-key",
      "vol.snapshot",
      "vol.reencrypt",
      "vol.share",
      "vol.copy",
      "vol.cleanup-reencrypt",
      "vol.cleanup-snapshot",
      "ami.reencrypt",
      "ami.share",
      "ami.copy",
      "ami.cleanup-reencrypt",
    ]);
    const shape = (id: string) => {
      const t = byId.get(id);
      return { type: t?.type, action: t?.action, accountId: t?.accountId, destructive: t?.destructive };
    };
    expect(shape("vol.snapshot")).toEqual({
      type: "ec2.create-snapshot",
      action: "create",
      accountId: PROD,
      destructive: false,
    });
    expect(shape("vol.reencrypt")).toEqual({
      type: "ec2.copy-snapshot",
      action: "copy",
      accountId: PROD,
      destructive: false,
    });
    expect(shape("vol.share")).toEqual({
      type: "ec2.share-snapshot",
      action: "share",
      accountId: PROD,
      destructive: false,
    });
    expect(shape("vol.copy")).toEqual({
      type: "ec2.copy-snapshot",
      action: "copy",
      accountId: STAGING,
      destructive: false,
    });
    expect(shape("ami.reencrypt")).toEqual({
      type: "ec2.copy-image",
      action: "copy",
      accountId: PROD,
      destructive: false,
    });
    expect(shape("ami.share")).toEqual({
      type: "ec2.share-image",
      action: "share",
      accountId: PROD,
      destructive: false,
    });
    expect(shape("ami.copy")).toEqual({
      type: "ec2.copy-image",
      action: "copy",
      accountId: STAGING,
      destructive: false,
    });
    // Every EC2 step type of the registry is planned here (the RDS/KMS ones in plan.test.ts).
    const ec2Types = builtinRegistry()
      .types()
      .filter((t) => t.startsWith("ec2.") && builtinRegistry().primitive(t));
    expect(new Set(plan.tasks.map((t) => t.type).filter((t) => t.startsWith("ec2.")))).toEqual(new Set(ec2Types));
    for (const id of ["vol.cleanup-reencrypt", "vol.cleanup-snapshot", "ami.cleanup-reencrypt"]) {
      expect(byId.get(id), id).toMatchObject({ action: "delete", destructive: true, irreversible: true });
    }
    // The resources known before the run: the volume and the AMI being moved.
    expect(byId.get("vol.snapshot")?.resources.join(" ")).toContain("vol-0b0b0b0b0b0b00001");
    expect(byId.get("ami.reencrypt")?.resources).toEqual([`arn:aws:ec2:${REGION}::image/ami-0b0b0b0b0b0b00001`]);
    expect(plan.summary).toMatchObject({ tasks: 11, destructive: 3, irreversible: 3, blocking: 0 });
    // Nothing was recorded: plan is not a run.
    expect(JSON.parse((await ws.cli("runs", "--json")).out)).toEqual([]);
  });

  it("run --yes after the plan moves both, and the target owns them under its own key", async () => {
    const ws = new Workspace(sim);
    const r = await ws.cli("run", ws.add("ec2-move.yaml"), "--yes");
    expect(r.code, r.all).toBe(0);
    const dump = sim.dump();
    const target = ec2Of(dump, STAGING);
    expect(
      target?.snapshots.map((s) => `${s.tags["hikkoshi:task"]} ${s.state} ${s.kmsKeyAlias} ${s.sizeGb}`).sort(),
    ).toEqual(["ami.copy completed alias/staging-ebs 8", "vol.copy completed alias/staging-ebs 20"]);
    expect(target?.images.map((i) => `${i.name} ${i.state}`)).toEqual(["web-2026-11-moved available"]);
    // cleanup: nothing of the run stays in the source.
    const source = ec2Of(dump, PROD);
    expect(source?.snapshots.filter((s) => s.tags["hikkoshi:run"] !== undefined)).toEqual([]);
    expect(source?.images.map((i) => i.id)).toEqual(["ami-0b0b0b0b0b0b00001"]);
  });
});

describe("EC2 preflight: refused before anything changes", () => {
  it("sharing a snapshot on aws/ebs directly: plan and run exit 3 with EBS_SNAPSHOT_ON_AWS_MANAGED_KEY", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("ec2-share-aws-managed.yaml");
    sim.resetStats();

    const { code, blocking } = await planOf(ws, runbook);
    expect(code).toBe(3);
    expect(blocking).toEqual([
      expect.objectContaining({
        task: "share",
        code: "EBS_SNAPSHOT_ON_AWS_MANAGED_KEY",
        message: expect.stringContaining("aws/ebs"),
        hint: expect.stringMatching(/ec2\.move-snapshot|ec2\.copy-snapshot/),
      }),
    ]);
    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(3);
    expect(run.err).toContain("PRECONDITION_FAILED");
    expect(run.err).toContain("nothing was changed");
    expect(run.err).toMatch(
      /share: EBS_SNAPSHOT_ON_AWS_MANAGED_KEY: snapshot snap-0b0b0b0b0b0b00001 is encrypted with the AWS managed key \S+ \(aws\/ebs\)/,
    );
    expect(sim.stats().mutating).toBe(0);
    expect(ec2Of(sim.dump(), PROD)?.snapshots.find((s) => s.id === "snap-0b0b0b0b0b0b00001")?.sharedWith).toEqual([]);
  });

  it("a move into an account whose IAM denies ec2:CopySnapshot: plan exits 3 with EC2_PERMISSION_DENIED", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("ec2-copy-denied.yaml");
    const before = sim.dump();
    sim.resetStats();

    const { code, blocking } = await planOf(ws, runbook);
    expect(code).toBe(3);
    expect(blocking).toEqual([
      expect.objectContaining({
        task: "vol.copy",
        code: "EC2_PERMISSION_DENIED",
        message: expect.stringMatching(
          new RegExp(`locked \\(${LOCKED}\\) may not call CopySnapshot.*UnauthorizedOperation`),
        ),
        hint: expect.stringMatching(new RegExp(`ec2:CopySnapshot.*${LOCKED}`)),
      }),
    ]);
    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(3);
    expect(run.err).toContain("PRECONDITION_FAILED");
    expect(run.err).toContain(`vol.copy: EC2_PERMISSION_DENIED: locked (${LOCKED}) may not call CopySnapshot`);
    expect(sim.stats().mutating).toBe(0);
    expect(sim.dump()).toEqual(before);
  });

  it("accounts: [all] is a validation error with file:line:col (exit 2), before any AWS call", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("ec2-share-all.yaml");
    sim.resetStats();
    for (const cmd of ["validate", "plan", "run"]) {
      const r = await ws.cli(cmd, runbook);
      expect(r.code, `${cmd}: ${r.all}`).toBe(2);
      // `accounts: [all]`: "all" is on line 15, column 18.
      expect(r.err).toContain(`${runbook}:15:18: error RB_INVALID_PARAM`);
      expect(r.err).toContain('"all" would make it public');
      expect(r.err).toContain("nothing was run");
    }
    expect(sim.stats().total).toBe(0);
  });

  it("copying a shared snapshot whose key does not name the target: plan exits 3 with SOURCE_KEY_NOT_USABLE", async () => {
    const ws = new Workspace(sim);
    sim.resetStats();
    const { code, blocking } = await planOf(ws, ws.add("ec2-copy-foreign-key.yaml"));
    expect(code).toBe(3);
    expect(blocking).toEqual([
      expect.objectContaining({
        task: "copy",
        code: "SOURCE_KEY_NOT_USABLE",
        hint: expect.stringContaining(`arn:aws:iam::${STAGING}:root`),
      }),
    ]);
    expect(sim.stats().mutating).toBe(0);
  });

  it("a move whose seeded share key does not admit the target: plan exits 3 with KEY_POLICY_MISSING_ACCOUNTS", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("ec2-move-partial-key.yaml");
    ws.edit("ec2-move-partial-key.yaml", "alias/ebs-no-reencrypt", "alias/prod-only");
    sim.resetStats();
    const { code, blocking } = await planOf(ws, runbook);
    expect(code).toBe(3);
    expect(blocking).toEqual([
      expect.objectContaining({
        task: "vol.share",
        code: "KEY_POLICY_MISSING_ACCOUNTS",
        message: expect.stringContaining(`does not admit ${STAGING}`),
      }),
    ]);
    expect(sim.stats().mutating).toBe(0);
  });
});

describe("a copy that AWS accepts and then puts in state error", () => {
  it("exit 4 with EBS_COPY_FAILED and a hint naming the source key; after fixing the key and deleting the copy, resume completes", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("ec2-copy-key-error.yaml");
    const keyArn = sim
      .dump()
      .accounts[PROD]!.regions[REGION]!.kmsKeys.find((k) => k.aliases.includes("alias/ebs-describe-only"))!.arn;
    const targetKeys = sim.dump().accounts[STAGING]!.regions[REGION]!.kmsKeys;

    // Nothing in staging can read production's key policy: the plan sees a key it may describe.
    const { code } = await planOf(ws, runbook);
    expect(code).toBe(0);

    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(4);
    expect(run.all).toContain("EBS_COPY_FAILED");
    expect(run.all).toMatch(/EBS snapshot snap-[0-9a-f]+ ended in state error/);
    expect(run.all).toContain(
      `the key policy of the source key ${keyArn} (account ${PROD}) must admit arn:aws:iam::${STAGING}:root`,
    );
    const runId = runIdOf(run.all);

    // Nothing of the target was deleted: its key, and the failed copy (left for the operator to inspect).
    const after = sim.dump();
    expect(after.accounts[STAGING]!.regions[REGION]!.kmsKeys).toEqual(targetKeys);
    const failed = ec2Of(after, STAGING)?.snapshots ?? [];
    expect(failed.map((s) => `${s.state} ${s.tags["hikkoshi:task"]}`)).toEqual(["error copy"]);
    expect(failed[0]?.stateMessage).toContain(keyArn);

    // The hint's fix: the key admits staging, the failed copy is deleted, and the run resumes.
    const prod = clientsOf(PROD);
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Admin",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${PROD}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "Staging",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${STAGING}:root` },
          Action: ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
          Resource: "*",
        },
      ],
    };
    await prod.kms.send(
      new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: "default", Policy: JSON.stringify(policy) }),
    );
    await clientsOf(STAGING).ec2.send(new DeleteSnapshotCommand({ SnapshotId: failed[0]!.id }));

    const resumed = await ws.cli("resume", runId, "--yes");
    expect(resumed.code, resumed.all).toBe(0);
    const done = ec2Of(sim.dump(), STAGING)?.snapshots ?? [];
    expect(done.map((s) => `${s.state} ${s.kmsKeyAlias} ${s.copiedFrom}`)).toEqual([
      `completed alias/staging-ebs ${REGION}/snap-0b0b0b0b0b0b00003`,
    ]);
  });

  // A cross-account EBS copy also needs kms:ReEncryptFrom on the source key: a policy without it would
  // pass a share and fail the target's copy (state error), so the plan checks the EBS list of actions.
  it("a share key admitting the target without kms:ReEncrypt*: plan exits 3 with KEY_POLICY_MISSING_ACCOUNTS", async () => {
    const ws = new Workspace(sim);
    sim.resetStats();
    const { code, blocking } = await planOf(ws, ws.add("ec2-move-partial-key.yaml"));
    expect(blocking).toEqual([expect.objectContaining({ task: "vol.share", code: "KEY_POLICY_MISSING_ACCOUNTS" })]);
    expect(code).toBe(3);
  });
});
