/**
 * The run lock across processes: while a `run` (or a `resume`) of a run lives, another `resume` of it is
 * refused with exit 6 naming the holder's pid; once the holder is SIGKILLed, `resume` takes the lock over
 * (same host, dead pid), says so, and finishes the run.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliProcess,
  cli,
  describeResult,
  driveArgs,
  eventually,
  freezeBuild,
  killAll,
  logJson,
  MOVE,
  MOVE_EXPECTED,
  type Sim,
  startCli,
  startSim,
  statusJson,
  tempDir,
  worldProblems,
} from "./harness.js";

let sim: Sim;
const tmp = tempDir();

beforeAll(async () => {
  await freezeBuild(tmp.dir);
  sim = await startSim();
}, 90_000);

afterAll(async () => {
  await sim?.stop();
  killAll();
  tmp.cleanup();
});

type Status = Awaited<ReturnType<typeof statusJson>>;
const waitingTasks = (s: Status) => s.tasks.filter((t) => t.status === "waiting");

/** Wait until `holder` holds the lock of the (latest) run and its tasks sit in waits (`ready` says which). */
async function holdingInAWait(
  state: string,
  holder: CliProcess,
  runId?: string,
  ready: (s: Status) => boolean = (s) => waitingTasks(s).length > 0,
) {
  return eventually(`pid ${holder.pid} holding the lock while waiting`, async () => {
    if (holder.child.exitCode !== null || holder.child.signalCode !== null) {
      throw new Error(`the holder ended early:\n${holder.output().stdout}\n${holder.output().stderr}`);
    }
    const s = await statusJson(state, runId);
    const lock = s.run.lock as { pid?: number } | undefined;
    return s.run.state === "running" && lock?.pid === holder.pid && ready(s) ? s : undefined;
  });
}

function expectRefused(r: Awaited<ReturnType<typeof cli>>, holderPid: number, runId: string) {
  expect(r.code, describeResult(r)).toBe(6);
  expect(r.stderr).toContain(`run ${runId} is being driven by pid ${holderPid}`);
  expect(r.stderr).toContain("--force-unlock");
}

describe("run lock", () => {
  it("refuses a second driver while the first lives, and is taken over once it is SIGKILLed", async () => {
    const state = join(tmp.dir, "state.db");
    // A stopped clock (no time passes per request): the snapshots never finish, the run sits in its waits.
    await sim.clock({ secondsPerRequest: 0 });
    const first = startCli(["run", MOVE, ...driveArgs(sim, state)], { timeoutMs: 110_000 });
    // Both snapshots in their waits.
    const held = await holdingInAWait(state, first, undefined, (s) => waitingTasks(s).length === 2);
    const runId = held.run.id;

    expectRefused(await cli(["resume", runId, ...driveArgs(sim, state)]), first.pid, runId);
    // Without a run id, resume picks the latest run: the same one, refused the same way.
    expectRefused(await cli(["resume", ...driveArgs(sim, state)]), first.pid, runId);
    expect(first.child.exitCode, "the refused resumes left the holder alone").toBeNull();
    expect((await statusJson(state, runId)).run.state).toBe("running");

    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    // Recorded as running, but nothing drives it: `runs` and `status` say so.
    const runs = await cli(["runs", "--state", state]);
    expect(runs.stdout).toContain(`interrupted (pid ${first.pid} is gone)`);

    // The second driver takes over the dead holder's lock, and is protected by it in turn.
    const second = startCli(["resume", runId, ...driveArgs(sim, state)], { timeoutMs: 110_000 });
    // Both waits re-entered by the second process (second attempts), with the deadlines the first stored.
    const reattached = await holdingInAWait(
      state,
      second,
      runId,
      (s) => waitingTasks(s).length === 2 && waitingTasks(s).every((t) => t.attempts === 2),
    );
    const deadlines = (s: Status) => Object.fromEntries(waitingTasks(s).map((t) => [t.taskId, t.deadlineAt]));
    expect(Object.keys(deadlines(held)).sort()).toEqual(["aurora.snapshot", "db.snapshot"]);
    expect(deadlines(reattached)).toEqual(deadlines(held));
    expectRefused(await cli(["resume", runId, ...driveArgs(sim, state)]), second.pid, runId);

    await sim.clock({ secondsPerRequest: 10 });
    const done = await second.done;
    expect(done.code, describeResult(done)).toBe(0);
    expect(done.stdout).toContain(`took over the lock of run ${runId} from pid ${first.pid}`);
    expect(done.stdout).toContain("which is no longer alive");

    const [status, journal, world] = await Promise.all([statusJson(state, runId), logJson(state, runId), sim.world()]);
    expect(status.run.state).toBe("succeeded");
    expect(status.tasks.filter((t) => t.status !== "succeeded")).toEqual([]);
    expect(status.run.lock ?? null, "the lock is released at the end").toBeNull();
    const takeovers = journal.filter((e) => e.kind === "lock" && e.action === "takeover");
    expect(takeovers).toHaveLength(1);
    expect(takeovers[0]!.detail).toMatchObject({ pid: second.pid, from: { pid: first.pid, reason: "dead-pid" } });
    expect(journal.filter((e) => e.kind === "aws-call" && e.outcome === "pending")).toEqual([]);
    expect(worldProblems(world, runId, MOVE_EXPECTED)).toEqual([]);
  }, 120_000);

  it("SIGINT inside a wait: the run stops as interrupted (exit 130), releases its lock, and resumes", async () => {
    await sim.reset();
    await sim.clock({ secondsPerRequest: 0 });
    const state = join(tmp.dir, "interrupted.db");
    const first = startCli(["run", MOVE, ...driveArgs(sim, state)], { timeoutMs: 110_000 });
    const held = await holdingInAWait(state, first, undefined, (s) => waitingTasks(s).length === 2);
    const runId = held.run.id;
    first.child.kill("SIGINT");
    const stopped = await first.done;
    expect(stopped.code, describeResult(stopped)).toBe(130);
    expect(stopped.stderr).toContain("Interrupted: finishing in-flight AWS calls; the run can be resumed.");
    expect(stopped.stdout).toContain("stopping: finishing in-flight AWS calls");
    expect(stopped.stdout).toContain(`Continue with: hikkoshi resume ${runId}`);
    const after = await statusJson(state, runId);
    expect(after.run.state).toBe("interrupted");
    expect(after.run.lock ?? null).toBeNull();
    // Interrupted waits stay waiting, with their deadlines, for resume to re-attach.
    expect(waitingTasks(after).map((t) => [t.taskId, t.deadlineAt])).toEqual(
      waitingTasks(held).map((t) => [t.taskId, t.deadlineAt]),
    );

    await sim.clock({ secondsPerRequest: 10 });
    const done = await cli(["resume", runId, ...driveArgs(sim, state)]);
    expect(done.code, describeResult(done)).toBe(0);
    expect(done.stdout).not.toContain("took over the lock");
    const [status, journal, world] = await Promise.all([statusJson(state, runId), logJson(state, runId), sim.world()]);
    expect(status.tasks.filter((t) => t.status !== "succeeded")).toEqual([]);
    expect(journal.filter((e) => e.kind === "aws-call" && e.outcome === "pending")).toEqual([]);
    expect(worldProblems(world, runId, MOVE_EXPECTED)).toEqual([]);
  }, 120_000);

  it("a frozen holder whose lock was taken over wakes, writes nothing, and stops with exit 6", async () => {
    await sim.reset();
    await sim.clock({ secondsPerRequest: 0 });
    const state = join(tmp.dir, "fenced.db");
    // Short lock timing: a heartbeat older than 2 s is stale.
    const env = { HIKKOSHI_LOCK_STALE_MS: "2000", HIKKOSHI_HEARTBEAT_MS: "300" };
    const first = startCli(["run", MOVE, ...driveArgs(sim, state)], { env, timeoutMs: 110_000 });
    const held = await holdingInAWait(state, first, undefined, (s) => waitingTasks(s).length === 2);
    const runId = held.run.id;

    first.child.kill("SIGSTOP");
    await new Promise((r) => setTimeout(r, 3_000));
    const second = startCli(["resume", runId, ...driveArgs(sim, state)], { env, timeoutMs: 110_000 });
    const reattached = await holdingInAWait(
      state,
      second,
      runId,
      (s) => waitingTasks(s).length === 2 && waitingTasks(s).every((t) => t.attempts === 2),
    );
    const journalBefore = await logJson(state, runId);

    // The first process wakes in its waits: its next poll's checkpoint (or its heartbeat) finds the lock gone.
    first.child.kill("SIGCONT");
    const woke = await first.done;
    expect(woke.code, describeResult(woke)).toBe(6);
    expect(woke.stderr).toContain(`lost the lock of run ${runId}: pid ${second.pid}`);
    expect(woke.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    expect(second.child.exitCode, "the new holder goes on").toBeNull();

    // Nothing written by the woken process: the tasks, the run and the journal are as the new holder left them.
    const after = await statusJson(state, runId);
    expect(after.run.state).toBe("running");
    expect((after.run.lock as { pid?: number }).pid).toBe(second.pid);
    expect(waitingTasks(after).map((t) => [t.taskId, t.attempts])).toEqual(
      waitingTasks(reattached).map((t) => [t.taskId, t.attempts]),
    );
    const journalAfter = await logJson(state, runId);
    const added = journalAfter.slice(journalBefore.length);
    expect(added.filter((e) => e.actor?.includes(`pid ${first.pid}`) || e.action === "fail")).toEqual([]);

    await sim.clock({ secondsPerRequest: 10 });
    const done = await second.done;
    expect(done.code, describeResult(done)).toBe(0);
    const [status, journal, world] = await Promise.all([statusJson(state, runId), logJson(state, runId), sim.world()]);
    expect(status.run.state).toBe("succeeded");
    expect(status.tasks.filter((t) => t.status !== "succeeded")).toEqual([]);
    expect(journal.filter((e) => e.kind === "lock" && e.action === "takeover")).toHaveLength(1);
    expect(worldProblems(world, runId, MOVE_EXPECTED)).toEqual([]);
  }, 150_000);

  it("two runs of the same migration started at the same instant: one proceeds, the other is refused (exit 6)", async () => {
    await sim.reset();
    await sim.clock({ secondsPerRequest: 0 });
    const state = join(tmp.dir, "twice.db");
    const [a, b] = [0, 1].map(() => startCli(["run", MOVE, ...driveArgs(sim, state)], { timeoutMs: 110_000 }));
    // The refused one ends on its own; the other sits in its waits (the clock is stopped).
    const refused = await Promise.race([a!.done, b!.done]);
    const winner = refused.pid === a!.pid ? b! : a!;
    expect(refused.code, describeResult(refused)).toBe(6);
    expect(refused.stderr).toMatch(/error RUN_UNFINISHED: run \w+ of runbook \S+ on the same accounts is running/);
    const held = await holdingInAWait(state, winner, undefined, (s) => waitingTasks(s).length === 2);
    const runs = await cli(["runs", "--json", "--state", state]);
    expect((JSON.parse(runs.stdout) as unknown[]).length, "only one run was recorded").toBe(1);
    await sim.clock({ secondsPerRequest: 10 });
    const done = await winner.done;
    expect(done.code, describeResult(done)).toBe(0);
    expect(worldProblems(await sim.world(), held.run.id, MOVE_EXPECTED)).toEqual([]);
  }, 150_000);
});
