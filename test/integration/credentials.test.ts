/**
 * Credentials that run out. A world whose assume-role sessions end (`enforceSessionExpiry`) on a clock
 * that moves only with requests (speed 0, a minute per request): the target's copy of a 200 GB snapshot
 * waits 80 minutes, longer than its one-hour session. The run renews the session and finishes; when the
 * renewal is refused, the run parks, resumable, nothing failed, and resume finishes it. The plan warns
 * about credentials that end before the tasks that need them.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type SimulatorHandle, startSimulator, type WorldDump } from "../../src/sim/index.js";
import { openStore } from "../../src/state/index.js";
import { DEMO_WORLD, PROD, REGION, runIdOf, STAGING, useSimulatorCredentials, Workspace } from "./helpers.js";

const INSTANCES = ["staging-api-db", "staging-billing-db"];
const TARGET_ROLE = `arn:aws:iam::${STAGING}:role/hikkoshi-migrator`;

const RUNBOOK = `
version: 1
name: it-sessions
accounts:
  source: { id: "${PROD}", region: ${REGION} }
  target: { id: "${STAGING}", region: ${REGION}, roleArn: ${TARGET_ROLE}, externalId: split-staging }
params:
  instances: [${INSTANCES.join(", ")}]
steps:
  - id: share-key
    type: kms.create-key
    account: source
    with: { alias: hikkoshi/it-sessions, allowAccounts: [target] }
  - id: target-key
    type: kms.create-key
    account: target
    with: { alias: staging/rds }
  - id: db
    type: rds.move-snapshot
    forEach: \${{ params.instances }}
    with:
      from: source
      to: target
      instance: \${{ item }}
      shareKey: \${{ steps.share-key.outputs.keyArn }}
      targetKey: \${{ steps.target-key.outputs.keyArn }}
`;

let sim: SimulatorHandle;
let restoreEnv: () => void;
beforeAll(async () => {
  restoreEnv = useSimulatorCredentials();
  const demo = parseYaml(readFileSync(DEMO_WORLD, "utf8")) as Record<string, unknown>;
  sim = await startSimulator({ seed: { ...demo, enforceSessionExpiry: true, speed: 0, secondsPerRequest: 60 } });
});
afterAll(async () => {
  await sim?.close();
  restoreEnv();
});
beforeEach(() => sim.reset());

/** Every instance's snapshot in the target, available, under the target's own key. */
function expectMoved(dump: WorldDump) {
  const target = dump.accounts[STAGING]!.regions[REGION]!;
  const key = target.kmsKeys.find((k) => k.aliases.includes("alias/staging/rds"))!;
  const copies = target.dbSnapshots.filter((s) => s.type === "manual");
  expect(copies.map((s) => s.source).sort()).toEqual(INSTANCES);
  for (const s of copies) expect([s.id, s.status, s.kmsKeyArn]).toEqual([s.id, "available", key.arn]);
}

interface StatusJson {
  run: { state: string };
  counts: Record<string, number>;
  tasks: { taskId: string; status: string }[];
}

describe("credentials that run out during a run", () => {
  it("a wait longer than the target's session: the session is assumed again and the run finishes", async () => {
    const ws = new Workspace(sim);
    sim.resetStats();
    const r = await ws.cli("run", ws.write("sessions.yaml", RUNBOOK), "--yes");
    expect(r.code, r.all).toBe(0);
    const stats = sim.stats();
    // Sessions ended under the run (AWS said so) and were renewed through the provider.
    expect(Object.keys(stats.errors).filter((k) => k.endsWith(":ExpiredToken")).length).toBeGreaterThan(0);
    expect(stats.calls["sts:AssumeRole"]).toBeGreaterThan(1);
    expectMoved(sim.dump());
    const status = JSON.parse((await ws.cli("status", runIdOf(r.out), "--json")).out) as StatusJson;
    expect(status.counts.succeeded).toBe(status.counts.total);
  });

  it("a renewal that is refused parks the run (exit 9, the account and what to do); resume finishes it", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.write("sessions.yaml", RUNBOOK);
    // The account guard's AssumeRole works; every later one is refused as if the source keys had expired.
    sim.addFaults({
      service: "sts",
      action: "AssumeRole",
      nth: 2,
      always: true,
      code: "ExpiredToken",
      status: 403,
      message: "The security token included in the request is expired",
    });
    const parked = await ws.cli("run", runbook, "--yes");
    expect(parked.code, parked.all).toBe(9);
    const runId = runIdOf(parked.out);
    expect(parked.out).toContain(
      `Run ${runId} is parked, nothing failed: the credentials of target (${STAGING}, role ${TARGET_ROLE} assumed with the environment's keys) ` +
        "expired and could not be renewed (ExpiredToken: The security token included in the request is expired)",
    );
    expect(parked.out).toContain("put fresh credentials in the environment");
    expect(parked.out).toContain(`then: hikkoshi resume ${runId}`);
    expect(parked.out).not.toContain("FAILED");

    // status says why the run stopped and what to do, until a resume drives it again.
    const human = await ws.cli("status", runId);
    expect(human.out).toMatch(/INTERRUPTED/);
    expect(human.out).toContain(`  parked: the credentials of target (${STAGING}`);
    expect(human.out).toContain(`  next: put fresh credentials in the environment`);
    const status = JSON.parse((await ws.cli("status", runId, "--json")).out) as StatusJson;
    expect(status.run.state).toBe("interrupted");
    expect(status.counts.failed).toBe(0);
    const store = openStore(ws.state);
    try {
      const attempts = store.listAttempts(runId);
      expect(attempts.filter((a) => a.outcome === "failed")).toEqual([]);
      expect(attempts.filter((a) => a.outcome === "interrupted").length).toBeGreaterThan(0);
      expect(attempts.filter((a) => a.outcome === undefined)).toEqual([]);
      const park = store.listJournal(runId, { kinds: ["run"] }).find((e) => e.action === "park");
      expect(park).toMatchObject({ accountId: STAGING, resource: "target", outcome: "credentials-expired" });
    } finally {
      store.close();
    }

    sim.clearFaults();
    const resumed = await ws.cli("resume", runId, "--yes");
    expect(resumed.code, resumed.all).toBe(0);
    expect(resumed.out).toContain(`Run ${runId} succeeded.`);
    expect((await ws.cli("status", runId)).out).not.toContain("parked:");
    expectMoved(sim.dump());
  });
});

describe("the plan", () => {
  it("warns when credentials end before the tasks that need them, with when and what to do", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.write("sessions.yaml", RUNBOOK);
    const ends = new Date(Date.now() + 10 * 60_000).toISOString();
    const saved = { token: process.env.AWS_SESSION_TOKEN, ends: process.env.AWS_CREDENTIAL_EXPIRATION };
    process.env.AWS_SESSION_TOKEN = "sim-session";
    process.env.AWS_CREDENTIAL_EXPIRATION = ends;
    try {
      const json = await ws.cli("plan", runbook, "--json");
      expect(json.code, json.all).toBe(0);
      const plan = JSON.parse(json.out) as {
        tasks: { id: string; preconditions: { code: string; severity: string; message: string }[] }[];
      };
      const warned = plan.tasks.flatMap((t) =>
        t.preconditions.filter((p) => p.code === "CREDENTIALS_EXPIRE_DURING_RUN").map((p) => ({ task: t.id, ...p })),
      );
      // One warning for the one source both accounts share, on the first task estimated to end after it.
      expect(warned).toHaveLength(1);
      expect(warned[0]!.severity).toBe("warning");
      expect(warned[0]!.message).toContain(
        `the credentials of source, target (the environment's temporary credentials) expire at ${ends.replace(/\.\d{3}Z$/, "Z")}, before the estimated end of their tasks (`,
      );
      expect(warned[0]!.message).toContain("put fresh credentials in the environment");

      const text = await ws.cli("plan", runbook);
      expect(text.code, text.all).toBe(0);
      expect(text.out).toMatch(
        /Warnings \(\d+ distinct\):\n(.*\n)*\s+! CREDENTIALS_EXPIRE_DURING_RUN: the credentials of source, target/,
      );
    } finally {
      for (const [k, v] of [
        ["AWS_SESSION_TOKEN", saved.token],
        ["AWS_CREDENTIAL_EXPIRATION", saved.ends],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
