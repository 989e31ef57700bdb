/**
 * Failures across processes: an AWS error injected through the simulator's control API fails one task
 * while the independent branches finish, and `resume` completes the run once the fault is gone; a manual
 * step parks a run (exit 5) until another process approves it.
 */
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APPROVAL,
  type Baseline,
  checkFinal,
  cli,
  describeResult,
  driveArgs,
  type FaultRuleInput,
  freezeBuild,
  killAll,
  logJson,
  MOVE,
  MOVE_EXPECTED,
  mutatingCalls,
  normaliseWorld,
  REGION,
  runIdFrom,
  type Sim,
  SOURCE,
  startSim,
  statusJson,
  TARGET,
  tempDir,
  worldProblems,
} from "./harness.js";

const TEST_TIMEOUT = 120_000;
let sim: Sim;
let baseline: Baseline;
const tmp = tempDir();
let seq = 0;
const statePath = () => join(tmp.dir, `state-${++seq}.db`);

beforeAll(async () => {
  await freezeBuild(tmp.dir);
  sim = await startSim();
  const state = statePath();
  const r = await cli(["run", MOVE, ...driveArgs(sim, state)]);
  if (r.code !== 0) throw new Error(`baseline run failed: ${describeResult(r)}`);
  const runId = (await statusJson(state)).run.id;
  const world = await sim.world();
  const problems = worldProblems(world, runId, MOVE_EXPECTED);
  if (problems.length > 0) throw new Error(`the baseline world is wrong:\n${problems.join("\n")}`);
  baseline = { world: normaliseWorld(world, [runId]), calls: mutatingCalls(await sim.stats()) };
}, TEST_TIMEOUT);

afterAll(async () => {
  await sim?.stop();
  killAll();
  tmp.cleanup();
});

const MOVE_TASKS = (move: "db" | "aurora") =>
  ["snapshot", "reencrypt", "share", "copy"].map((local) => `${move}.${local}`);

describe("an injected AWS error fails a task; resume succeeds once the fault is gone", () => {
  const cases: Array<{
    title: string;
    fault: FaultRuleInput;
    failed: string;
    action: string;
    blocked: string[];
    finished: string[];
  }> = [
    {
      title: "CopyDBSnapshot in the source (the re-encryption of the instance snapshot)",
      fault: {
        action: "CopyDBSnapshot",
        account: SOURCE,
        code: "KMSKeyNotAccessibleFault",
        status: 400,
        message: "injected: the KMS key is not accessible",
        times: 1,
      },
      failed: "db.reencrypt",
      action: "rds:CopyDBSnapshot",
      blocked: ["db.share", "db.copy"],
      finished: ["share-key", "target-key", "db.snapshot", ...MOVE_TASKS("aurora")],
    },
    {
      title: "CopyDBClusterSnapshot in the target (the cross-account copy of the cluster snapshot)",
      fault: {
        action: "CopyDBClusterSnapshot",
        account: TARGET,
        code: "KMSKeyNotAccessibleFault",
        status: 400,
        message: "injected: the KMS key is not accessible",
        times: 1,
      },
      failed: "aurora.copy",
      action: "rds:CopyDBClusterSnapshot",
      blocked: [],
      finished: ["share-key", "target-key", ...MOVE_TASKS("db"), "aurora.snapshot", "aurora.reencrypt", "aurora.share"],
    },
  ];

  for (const c of cases) {
    it(
      c.title,
      async () => {
        await sim.reset();
        await sim.addFaults(c.fault);
        const state = statePath();
        const first = await cli(["run", MOVE, ...driveArgs(sim, state)]);
        expect(first.code, describeResult(first)).toBe(4);
        expect(first.stdout).toContain(`${c.failed}: FAILED`);
        expect(first.stdout).toContain("KMSKeyNotAccessible");
        expect(first.stdout).toMatch(new RegExp(`Failed: ${c.failed.replace(".", "\\.")}\\b`));
        const runId = runIdFrom(first.stdout)!;
        expect(runId).toBeDefined();

        const status = await statusJson(state, runId);
        expect(status.run.state).toBe("failed");
        const byId = new Map(status.tasks.map((t) => [t.taskId, t]));
        expect(byId.get(c.failed)?.status).toBe("failed");
        expect(byId.get(c.failed)?.error?.message).toContain("KMSKeyNotAccessible");
        for (const id of c.blocked) expect(byId.get(id)?.status, id).toBe("pending");
        for (const id of c.finished) expect(byId.get(id)?.status, id).toBe("succeeded");
        const stats = await sim.stats();
        expect(stats.errors[`${c.action}:KMSKeyNotAccessibleFault`]).toBe(1);

        await sim.clearFaults();
        const again = await cli(["resume", runId, ...driveArgs(sim, state)]);
        expect(again.code, describeResult(again)).toBe(0);
        expect(again.stdout).toContain(`retrying 1 failed task(s): ${c.failed}`);

        // The failed call reached AWS once more than in the baseline (it was answered with the error).
        const calls = { ...baseline.calls, [c.action]: (baseline.calls[c.action] ?? 0) + 1 };
        const { status: final, journal } = await checkFinal(sim, state, runId, { ...baseline, calls });
        expect(final.tasks.find((t) => t.taskId === c.failed)?.attempts).toBe(2);
        const failedCalls = journal.filter((e) => e.kind === "aws-call" && e.outcome === "error");
        expect(failedCalls.map((e) => `${e.taskId} ${e.action}`)).toEqual([`${c.failed} ${c.action}`]);
      },
      TEST_TIMEOUT,
    );
  }
});

describe("approval across processes", () => {
  it(
    "run without a TTY exits 5 with the approve command; approve; resume finishes; the log names the approver",
    async () => {
      await sim.reset();
      const state = statePath();
      const first = await cli(["run", APPROVAL, ...driveArgs(sim, state)]);
      expect(first.code, describeResult(first)).toBe(5);
      const command = /hikkoshi approve ([a-z2-9]{6}) 'freeze'/.exec(first.stdout);
      expect(command, first.stdout).not.toBeNull();
      const runId = command![1]!;
      expect(first.stdout).toContain(`then: hikkoshi resume ${runId}`);
      expect(first.stdout).toContain("Stop every writer of crash-db.");

      const parked = await statusJson(state, runId);
      expect(parked.run.state).toBe("waiting_approval");
      const statusOf = (s: typeof parked) => Object.fromEntries(s.tasks.map((t) => [t.taskId, t.status]));
      expect(statusOf(parked)).toEqual({
        "early-key": "succeeded",
        freeze: "awaiting_approval",
        "late-key": "pending",
      });
      const aliasesIn = async (account: string) =>
        (await sim.world()).accounts[account]?.regions[REGION]?.kmsKeys.flatMap((k) => k.aliases) ?? [];
      expect(await aliasesIn(SOURCE)).toEqual(["alias/hikkoshi/approval-early"]);
      expect(await aliasesIn(TARGET)).toEqual([]);

      // Nothing happens until someone approves: resuming now parks the run again.
      const early = await cli(["resume", runId, ...driveArgs(sim, state)]);
      expect(early.code, describeResult(early)).toBe(5);

      const approve = await cli(["approve", runId, "freeze", "--state", state]);
      expect(approve.code, describeResult(approve)).toBe(0);
      const approver = /freeze approved by (\S+)\./.exec(approve.stdout)?.[1];
      expect(approver).toBe(`${userInfo().username}@${hostname()}`);

      const done = await cli(["resume", runId, ...driveArgs(sim, state)]);
      expect(done.code, describeResult(done)).toBe(0);
      const final = await statusJson(state, runId);
      expect(final.run.state).toBe("succeeded");
      expect(statusOf(final)).toEqual({ "early-key": "succeeded", freeze: "succeeded", "late-key": "succeeded" });
      expect(final.tasks.find((t) => t.taskId === "freeze")?.approvedBy).toBe(approver);
      expect(await aliasesIn(TARGET)).toEqual(["alias/crash/after-approval"]);
      expect(await aliasesIn(SOURCE)).toEqual(["alias/hikkoshi/approval-early"]);

      const journal = await logJson(state, runId);
      const approvals = journal.filter((e) => e.kind === "approval" && e.action === "approve");
      expect(approvals).toHaveLength(1);
      expect(approvals[0]).toMatchObject({ taskId: "freeze", actor: approver, outcome: "ok" });
      expect(journal.filter((e) => e.kind === "aws-call" && e.outcome === "pending")).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
