/**
 * What must be refused before anything changes: a share on the AWS managed key, a share key the target
 * cannot use, credentials of the wrong account, public or oversized shares. Each case: the exit code, a
 * message an operator can act on, and zero mutating calls in the simulator.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/engine/index.js";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { FIXTURES, mutatingCalls, PROD, REGION, runIdOf, STAGING, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(FIXTURES, "world.yaml"), (s) => {
  sim = s;
});

/** plan --json: the plan and its blocking preconditions by task. */
async function planOf(ws: Workspace, runbook: string) {
  const r = await ws.cli("plan", runbook, "--json");
  const plan = JSON.parse(r.out) as Plan;
  const blocking = plan.tasks.flatMap((t) =>
    t.preconditions.filter((p) => p.severity === "error").map((p) => ({ task: t.id, ...p })),
  );
  return { code: r.code, plan, blocking };
}

describe("a snapshot on the AWS managed key is never shared", () => {
  it("an existing manual snapshot on aws/rds: plan and run exit 3, nothing changes", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("share-aws-managed.yaml");
    sim.resetStats();

    const human = await ws.cli("plan", runbook);
    expect(human.code, human.all).toBe(3);
    // On the first screen: the problem, its hint, and no go.
    expect(human.out).toMatch(/Blocking problems \(1\)[^\n]*\n\s+✗ SNAPSHOT_ON_AWS_MANAGED_KEY /);
    const screen = human.out.replace(/\n\s+/g, " ");
    expect(screen).toMatch(/encrypted with the AWS managed key arn:aws:kms:ap-northeast-1:111111111111:key\/\S+/);
    expect(screen).toMatch(/hint: copy it first with rds\.copy-snapshot and a customer managed kmsKeyId/);
    expect(human.out).toContain("No go: fix the blocking problems");

    const { code, blocking } = await planOf(ws, runbook);
    expect(code).toBe(3);
    expect(blocking).toEqual([
      expect.objectContaining({ task: "share", code: "SNAPSHOT_ON_AWS_MANAGED_KEY", hint: expect.any(String) }),
    ]);

    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(3);
    expect(run.err).toContain("PRECONDITION_FAILED");
    expect(run.err).toContain("nothing was changed");
    expect(run.err).toContain("share: SNAPSHOT_ON_AWS_MANAGED_KEY: the snapshot is encrypted with the AWS managed key");
    expect(run.err).toContain("hint: copy it first");

    expect(mutatingCalls(sim.stats())).toEqual({});
    expect(sim.stats().mutating).toBe(0);
    const snap = sim.dump().accounts[PROD]!.regions[REGION]!.dbSnapshots.find((s) => s.id === "api-db-manual");
    expect(snap?.sharedWith).toEqual([]);
    // No run was recorded: there is nothing to resume.
    expect(JSON.parse((await ws.cli("runs", "--json")).out)).toEqual([]);
  });

  it("a snapshot the runbook takes of api-db, with the expected key from its outputs: plan and run exit 3", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("share-new-snapshot.yaml");
    sim.resetStats();
    const { code, blocking } = await planOf(ws, runbook);
    expect(code).toBe(3);
    expect(blocking).toEqual([expect.objectContaining({ task: "share", code: "SNAPSHOT_ON_AWS_MANAGED_KEY" })]);
    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(3);
    expect(sim.stats().mutating).toBe(0);
  });

  // BUG (reported): with no `kmsKeyId`, rds.share-snapshot's plan does not check the key of a snapshot an
  // upstream task will take (src/steps/rds/share-snapshot.ts plan(): keyId is undefined, so neither a
  // blocking problem nor a warning), although the upstream plan predicted that key (aws/rds). `plan`
  // exits 0 and `run` takes the snapshot, then fails at the share with exit 4.
  it("a snapshot the runbook takes of api-db, without kmsKeyId: plan warns it cannot check, run refuses before sharing", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("share-new-snapshot-nokey.yaml");
    sim.resetStats();
    const { code, plan } = await planOf(ws, runbook);
    expect(code).toBe(0);
    const warnings = plan.tasks.flatMap((t) => t.preconditions.map((p) => p.code));
    expect(warnings).toContain("SHARE_KEY_NOT_CHECKED");
    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(4);
    expect(run.out).toContain("SNAPSHOT_ON_AWS_MANAGED_KEY");
    expect(sim.stats().calls["rds:ModifyDBSnapshotAttribute"] ?? 0).toBe(0);
  });
});

describe("the share key must admit the target account", () => {
  it("rds.move-snapshot with shareKey alias/app-data (policy without the target): plan and run exit 3", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("move-unshared-key.yaml");
    sim.resetStats();

    const { code, plan, blocking } = await planOf(ws, runbook);
    expect(code).toBe(3);
    expect(blocking).toEqual([
      expect.objectContaining({
        task: "orders.share",
        code: "KEY_POLICY_MISSING_ACCOUNTS",
        message: expect.stringContaining(`does not admit ${STAGING}`),
        hint: expect.stringContaining("allowAccounts"),
      }),
    ]);
    expect(plan.tasks.find((t) => t.id === "orders.share")?.action).toBe("share");

    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(3);
    expect(run.err).toContain(
      `orders.share: KEY_POLICY_MISSING_ACCOUNTS: the key policy of arn:aws:kms:${REGION}:${PROD}:key/`,
    );
    expect(sim.stats().mutating).toBe(0);
  });

  it("kms.create-key adopting alias/app-data plans a non-blocking MODIFY, and run extends the policy", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("adopt-key.yaml");
    sim.resetStats();
    const { code, plan } = await planOf(ws, runbook);
    expect(code).toBe(0);
    const task = plan.tasks.find((t) => t.id === "app-key");
    expect(task?.action).toBe("modify");
    expect(task?.preconditions).toEqual([
      expect.objectContaining({ code: "KEY_POLICY_MISSING_ACCOUNTS", severity: "warning" }),
    ]);
    expect(sim.stats().mutating).toBe(0);

    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(0);
    expect(mutatingCalls(sim.stats())).toEqual({ "kms:PutKeyPolicy": 1 });
    const key = sim.dump().accounts[PROD]!.regions[REGION]!.kmsKeys.find((k) => k.aliases.includes("alias/app-data"));
    const policy = JSON.stringify(key?.policy);
    expect(policy).toContain(`arn:aws:iam::${STAGING}:root`);
    expect(policy).toContain(`arn:aws:iam::${PROD}:root`); // the administrators' statement is kept
  });

  // BUG (reported): the plan blocks the very fix its hint recommends. kms.create-key plans to extend the
  // policy of alias/app-data ("MODIFY … run will add them"), but rds.share-snapshot's plan checks the
  // key's *current* policy (src/steps/kms/key-checks.ts checkShareKey, called from
  // src/steps/rds/share-snapshot.ts plan()) and reports KEY_POLICY_MISSING_ACCOUNTS as blocking, so
  // `plan` exits 3 and `run` refuses a runbook that would work.
  it("share key adopted and extended by kms.create-key in the same runbook: plan 0, run succeeds", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("move-extended-key.yaml");
    const { code, blocking } = await planOf(ws, runbook);
    expect(blocking).toEqual([]);
    expect(code).toBe(0);
    const run = await ws.cli("run", runbook, "--yes");
    expect(run.code, run.all).toBe(0);
  });
});

describe("account guard", () => {
  it("source declared as another account: plan and run exit 3 naming both ids, nothing changes", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("wrong-source-id.yaml");
    sim.resetStats();
    for (const args of [["plan"], ["plan", "--json"], ["run", "--yes"]]) {
      const r = await ws.cli(args[0]!, runbook, ...args.slice(1));
      expect(r.code, r.all).toBe(3);
      expect(r.err).toContain("ACCOUNT_MISMATCH");
      expect(r.err).toContain("source is declared as 333333333333 but the credentials belong to 111111111111");
      expect(r.err).toContain(`arn:aws:iam::${PROD}:user/sim-user`);
      expect(r.err).toContain("hint:");
    }
    const stats = sim.stats();
    expect(stats.mutating).toBe(0);
    // Only the identity checks (and the target's AssumeRole) reached AWS.
    expect(Object.keys(stats.calls).sort()).toEqual(["sts:AssumeRole", "sts:GetCallerIdentity"]);
    expect(JSON.parse((await ws.cli("runs", "--json")).out)).toEqual([]);
  });

  it("resume with credentials of another account exits 3 naming both ids, and changes nothing", async () => {
    const ws = new Workspace(sim);
    const started = await ws.cli("run", ws.add("gated.yaml"));
    expect(started.code, started.all).toBe(5);
    const runId = runIdOf(started.out);
    expect((await ws.cli("approve", runId, "gate")).code).toBe(0);

    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = "AKSIM333333333333";
    sim.resetStats();
    try {
      const r = await ws.cli("resume", runId);
      expect(r.code, r.all).toBe(3);
      expect(r.err).toContain("source is declared as 111111111111 but the credentials belong to 333333333333");
      expect(sim.stats().mutating).toBe(0);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
    // With the right credentials again, the run continues.
    const resumed = await ws.cli("resume", runId);
    expect(resumed.code, resumed.all).toBe(0);
  });
});

describe("public and oversized shares", () => {
  it("accounts: [target, all] is a validation error with file:line:col (exit 2), before any AWS call", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("share-all.yaml");
    sim.resetStats();
    for (const cmd of ["validate", "plan", "run"]) {
      const r = await ws.cli(cmd, runbook);
      expect(r.code, `${cmd}: ${r.all}`).toBe(2);
      // `- id: share … accounts: [target, all]` — "all" is on line 20, column 26.
      expect(r.err).toContain(`${runbook}:20:26: error RB_INVALID_PARAM`);
      expect(r.err).toContain('"all" would make it public');
      expect(r.err).toContain("nothing was run");
    }
    expect(sim.stats().total).toBe(0);
  });

  it("21 accounts is refused (exit 2, file:line:col) before any AWS call", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("share-too-many.yaml");
    sim.resetStats();
    for (const args of [["validate"], ["plan"], ["run", "--yes"]]) {
      const cmd = args[0]!;
      const r = await ws.cli(cmd, runbook, ...args.slice(1));
      expect(r.code, `${cmd}: ${r.all}`).toBe(2);
      expect(r.err).toMatch(new RegExp(`${runbook}:\\d+:\\d+: error RB_INVALID_PARAM: .*'accounts'.*20`));
    }
    expect(sim.stats().total).toBe(0);
  });
});
