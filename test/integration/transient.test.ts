/**
 * Transient faults are the machine's problem: with 30 % of all calls throttled and bursts of 500s on every
 * service, a move completes in one invocation with the world of an undisturbed run, each task-level retry
 * journaled; the preflight survives throttled reads; an endpoint that never answers is said in one
 * timeout, naming the service and the endpoint.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultRuleInput, SimulatorHandle } from "../../src/sim/index.js";
import type { JournalEntry } from "../../src/state/index.js";
import { MOVE, MOVE_EXPECTED, normaliseWorld, WORLD, worldProblems } from "../crash/harness.js";
import { mutatingCalls, ndjson, runIdOf, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(WORLD, (s) => {
  sim = s;
});

// Backoffs of milliseconds, not seconds: the bounds are what the test is about, not the waits.
const FAST_RETRY = { HIKKOSHI_RETRY_BASE_MS: "5", HIKKOSHI_RETRY_CAP_MS: "50" };
const saved = Object.fromEntries(Object.keys(FAST_RETRY).map((k) => [k, process.env[k]]));
beforeAll(() => Object.assign(process.env, FAST_RETRY));
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const SERVICES = ["sts", "kms", "rds"];

/**
 * 30 % of every service's calls throttled (seeded, so a run meets the same faults for the same calls),
 * plus a burst of four 500s every 40 calls of each service — more than the SDK's 3 attempts can absorb
 * when they land on one request. The first CreateDBSnapshot meets such a burst for sure. (The move makes
 * about 120 calls: 7 to STS, 50 to KMS, 65 to RDS.)
 */
const STORM: FaultRuleInput[] = [
  ...SERVICES.map((service, i) => ({
    service,
    action: "*",
    throttle: true,
    always: true,
    probability: 0.3,
    seed: 7 + i,
  })),
  ...SERVICES.map((service, i) => ({
    service,
    action: "*",
    code: "InternalFailure",
    status: 500,
    nth: [2, 10, 15][i],
    times: 4,
    every: 40,
  })),
  { service: "rds", action: "CreateDBSnapshot", code: "InternalFailure", status: 500, times: 4 },
];

async function runMove(ws: Workspace) {
  const r = await ws.cli("run", ws.add(MOVE), "--yes", "--render", "plain");
  const runId = runIdOf(r.all);
  const journal = ndjson<JournalEntry>((await ws.cli("log", runId, "--json")).out);
  return { r, runId, journal, world: sim.dump() };
}

/** Mutating calls that reached the handler: the stats count injected failures as calls too. */
function answeredMutations(): Record<string, number> {
  const stats = sim.stats();
  const out = mutatingCalls(stats);
  for (const [key, n] of Object.entries(stats.errors)) {
    const call = key.split(":").slice(0, 2).join(":");
    if (out[call] !== undefined && /:(Throttling|ThrottlingException|InternalFailure)$/.test(key)) out[call] -= n;
  }
  return Object.fromEntries(Object.entries(out).filter(([, n]) => n > 0));
}

describe("a storm of throttling and 500s", () => {
  it("the move completes in one invocation with the undisturbed run's world; every retry is journaled", async () => {
    const calm = await runMove(new Workspace(sim));
    expect(calm.r.code, calm.r.all).toBe(0);
    expect(worldProblems(calm.world, calm.runId, MOVE_EXPECTED)).toEqual([]);
    const calmCalls = answeredMutations();
    expect(calm.journal.filter((e) => e.action === "retry-transient")).toEqual([]);

    sim.reset();
    sim.addFaults(STORM);
    const stormy = await runMove(new Workspace(sim));
    expect(stormy.r.code, stormy.r.all).toBe(0);
    expect(stormy.r.out).toContain(`Run ${stormy.runId} succeeded.`);

    // The storm was real: many calls throttled, bursts of 500s on each service.
    const errors = sim.stats().errors;
    const count = (re: RegExp) =>
      Object.entries(errors)
        .filter(([k]) => re.test(k))
        .reduce((a, [, n]) => a + n, 0);
    expect(count(/:Throttling(Exception)?$/)).toBeGreaterThan(20);
    for (const service of SERVICES)
      expect(count(new RegExp(`^${service}:.*:InternalFailure$`)), service).toBeGreaterThan(0);

    // The same world, and each mutation answered as often as in the calm run (nothing made twice).
    expect(worldProblems(stormy.world, stormy.runId, MOVE_EXPECTED)).toEqual([]);
    expect(normaliseWorld(stormy.world, [stormy.runId])).toEqual(normaliseWorld(calm.world, [calm.runId]));
    expect(answeredMutations()).toEqual(calmCalls);

    // Every task-level retry is in the journal (and was said on the way): what the SDK's 3 attempts could not absorb.
    const retries = stormy.journal.filter((e) => e.kind === "note" && e.action === "retry-transient");
    expect(retries.length).toBeGreaterThan(0);
    // Its first four CreateDBSnapshot calls fail (500s, or throttles that the probability drew first).
    expect(retries.map((e) => e.taskId)).toContain("db.snapshot");
    for (const e of retries) {
      expect(e.detail).toEqual(
        expect.objectContaining({ attempt: expect.any(Number), code: expect.any(String), delayMs: expect.any(Number) }),
      );
      expect(["throttled", "server"]).toContain(e.detail?.kind);
    }
    const said = stormy.r.out
      .split("\n")
      .filter((l) => /transient \S+.*; retrying in [\d.]+s \(retry \d+ of 8\)/.test(l));
    expect(said).toHaveLength(retries.length);
    expect(stormy.journal.filter((e) => e.kind === "aws-call" && e.outcome === "pending")).toEqual([]);
  }, 120_000);
});

describe("the preflight", () => {
  it("survives throttled reads: the account guard and every task's plan retry them", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add(MOVE);
    const calm = await ws.cli("plan", runbook, "--json");
    expect(calm.code, calm.all).toBe(0);

    // Four in a row outlast the SDK's three attempts of one request: only the preflight's retry gets through.
    sim.addFaults([
      { service: "sts", action: "GetCallerIdentity", throttle: true, times: 4 },
      { service: "sts", action: "AssumeRole", throttle: true, times: 4 },
      { service: "rds", action: "DescribeDBInstances", throttle: true, times: 4 },
      { service: "rds", action: "DescribeDBClusterSnapshots", code: "InternalFailure", status: 500, times: 4 },
      { service: "kms", action: "*", throttle: true, nth: 3, times: 4 },
    ]);
    sim.resetStats();
    const stormy = await ws.cli("plan", runbook, "--json");
    expect(stormy.code, stormy.all).toBe(0);
    const strip = (text: string) => {
      const plan = JSON.parse(text) as { createdAt?: string };
      delete plan.createdAt;
      return plan;
    };
    expect(strip(stormy.out)).toEqual(strip(calm.out));
    const errors = sim.stats().errors;
    expect(errors["sts:GetCallerIdentity:Throttling"]).toBe(4);
    expect(errors["rds:DescribeDBInstances:Throttling"]).toBe(4);
    expect(errors["rds:DescribeDBClusterSnapshots:InternalFailure"]).toBe(4);
  }, 60_000);
});

describe("an endpoint that accepts connections and never answers", () => {
  const sockets: Socket[] = [];
  let silent: Server;
  let url: string;
  const TIMEOUTS = { HIKKOSHI_REQUEST_TIMEOUT_MS: "500", HIKKOSHI_CONNECT_TIMEOUT_MS: "500" };
  const before = Object.fromEntries(Object.keys(TIMEOUTS).map((k) => [k, process.env[k]]));

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.push(socket);
      socket.resume(); // read the request, never write a byte
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    Object.assign(process.env, TIMEOUTS);
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it("plan stops with the service and the endpoint named, within the configured timeout, no stack trace", async () => {
    const ws = new Workspace({ ...sim, url });
    const r = await ws.cli("plan", ws.add(MOVE));
    expect(r.code, r.all).toBe(3);
    expect(r.err).toContain(`error AWS_NO_ANSWER: no answer from sts at ${url} within 0.5 s`);
    expect(r.err).toContain("checking the credentials of source, target");
    expect(r.err).toContain("hint: check the endpoint");
    expect(r.all).not.toMatch(/\n\s+at /);
    // One request per account (the target's AssumeRole included): nothing retried a silent endpoint.
    expect(sockets.length).toBeLessThanOrEqual(2);
  });
});
