/**
 * The command line itself: `validate` diagnostics, `schema`, `--help` of every command, and the
 * documented exit codes for usage mistakes, missing runs, missing credentials and NDJSON output.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { builtinRegistry } from "../../src/steps/index.js";
import { FIXTURES, ndjson, runIdOf, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(FIXTURES, "world.yaml"), (s) => {
  sim = s;
});

const COMMANDS = [
  "validate",
  "plan",
  "run",
  "resume",
  "status",
  "runs",
  "approve",
  "log",
  "report",
  "schema",
  "sim",
  "demo",
];

describe("validate", () => {
  it("lists every problem of a broken runbook with file:line:col and exits 2", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("broken.yaml");
    const r = await ws.cli("validate", runbook);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${runbook}:16:11: error RB_UNKNOWN_STEP_TYPE: unknown step type 'kms.create-keys'`);
    expect(r.err).toContain("hint: did you mean 'kms.create-key'?");
    expect(r.err).toContain(`${runbook}:24:17: error RB_UNKNOWN_STEP_REF: unknown step 'snapshot'`);
    expect(r.err).toContain("2 error(s); nothing was run.");
    expect(r.out).toBe("");
  });

  it("accepts a valid runbook (exit 0) and says what it expands to, without calling AWS", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("gated.yaml");
    sim.resetStats();
    const r = await ws.cli("validate", runbook);
    expect(r.code, r.all).toBe(0);
    expect(r.out).toContain(`${runbook}: valid — runbook "it-gated", 2 account(s), 3 step(s)`);
    expect(sim.stats().total).toBe(0);
  });

  // BUG (reported): a missing runbook (or `run --plan` file) is "unexpected error: ENOENT … This is a bug
  // in hikkoshi" with exit 1. src/runbook/load.ts:18 calls readFileSync unguarded (and
  // src/cli/commands/run.ts reads the plan file the same way); RUNBOOK_NOT_FOUND, mapped to exit 2 in
  // src/cli/exit-codes.ts, is never thrown.
  it("a missing runbook or plan file exits 2 with a plain message", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("gated.yaml");
    const cases = [
      ["validate", "no-such-runbook.yaml"],
      ["plan", "no-such-runbook.yaml"],
      ["run", "no-such-runbook.yaml"],
      ["run", runbook, "--plan", "no-such-plan.json"],
    ];
    for (const args of cases) {
      const r = await ws.cli(...args);
      expect(r.code, `${args.join(" ")}: ${r.all}`).toBe(2);
      expect(r.err).not.toContain("unexpected error");
    }
  });
});

describe("schema", () => {
  it("prints a JSON Schema that mentions every step type", async () => {
    const ws = new Workspace(sim);
    const r = await ws.cli("schema");
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out) as Record<string, unknown>;
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema.required).toEqual(expect.arrayContaining(["version", "name", "accounts", "steps"]));
    const types = builtinRegistry().types();
    expect(types.length).toBeGreaterThanOrEqual(10);
    for (const type of types) expect(r.out, type).toContain(`"const": "${type}"`);
  });
});

describe("--help", () => {
  it.each(COMMANDS)("hikkoshi %s --help exits 0 with an example", async (command) => {
    const ws = new Workspace(sim);
    const r = await ws.cli(command, "--help");
    expect(r.code, r.all).toBe(0);
    expect(r.out).toContain(`Usage: hikkoshi ${command}`);
    expect(r.out).toContain("Example");
  });

  it("hikkoshi --version prints the package version", async () => {
    const ws = new Workspace(sim);
    const r = await ws.cli("--version");
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
  });

  it("hikkoshi --help lists every command and the exit codes", async () => {
    const ws = new Workspace(sim);
    const r = await ws.cli("--help");
    expect(r.code).toBe(0);
    for (const command of COMMANDS) expect(r.out).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    expect(r.out).toContain("Exit codes:");
    for (const code of [
      "0 success",
      "2 invalid",
      "3 precondition",
      "4 a task failed",
      "5 waiting",
      "6 run locked",
      "7 destructive",
    ])
      expect(r.out).toContain(code);
  });
});

describe("exit codes", () => {
  it("usage mistakes exit 2", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("gated.yaml");
    const cases: [string, string[]][] = [
      ["unknown command", ["frobnicate"]],
      ["unknown option", ["plan", runbook, "--frobnicate"]],
      ["missing argument", ["approve"]],
      ["bad --parallel", ["run", runbook, "--parallel", "0"]],
      ["bad --param", ["validate", runbook, "--param", "novalue"]],
      ["bad --render", ["run", runbook, "--render", "fancy"]],
    ];
    sim.resetStats();
    for (const [what, args] of cases) {
      const r = await ws.cli(...args);
      expect(r.code, `${what}: ${r.all}`).toBe(2);
    }
    expect(sim.stats().mutating).toBe(0);
  });

  it("status, log, resume and approve without a run exit 2 with a hint", async () => {
    const ws = new Workspace(sim);
    for (const args of [["status"], ["log"], ["resume"], ["status", "nosuch"], ["approve", "nosuch", "gate"]]) {
      const r = await ws.cli(...args);
      expect(r.code, `${args.join(" ")}: ${r.all}`).toBe(2);
      expect(r.err).toContain("RUN_NOT_FOUND");
      expect(r.err).toContain("hint:");
    }
    const runs = await ws.cli("runs");
    expect(runs.code).toBe(0);
    expect(runs.out).toContain("no runs yet");
  });

  it("credentials the simulator does not know: plan and run exit 3 before anything changes", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("gated.yaml");
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = "AKIDNOTASIMKEY";
    try {
      sim.resetStats();
      for (const cmd of ["plan", "run"]) {
        const r = await ws.cli(cmd, runbook);
        expect(r.code, `${cmd}: ${r.all}`).toBe(3);
        expect(r.err).toContain("CREDENTIALS_UNAVAILABLE");
        expect(r.err).toContain("source (default credential chain)");
      }
      expect(sim.stats().mutating).toBe(0);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
  });

  it("run --json prints NDJSON events and still exits 5 at an approval", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("gated.yaml");
    const r = await ws.cli("run", runbook, "--json");
    expect(r.code, r.all).toBe(5);
    const events = ndjson<{ type: string; at: string; taskId?: string; state?: string }>(r.out);
    expect(events.length).toBeGreaterThan(3);
    for (const e of events) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["account-verified", "run-started", "aws-call"]));
    expect(events.find((e) => e.type === "task-awaiting-approval")?.taskId).toBe("gate");
    expect(events.at(-1)).toMatchObject({ type: "run-finished", state: "waiting_approval" });
  });

  it("runs lists the runs of the state file", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("gated.yaml");
    const runId = runIdOf((await ws.cli("run", runbook)).out);
    const human = await ws.cli("runs");
    expect(human.code).toBe(0);
    expect(human.out).toMatch(new RegExp(`^${runId}\\s+waiting_approval\\s+it-gated`, "m"));
    const json = JSON.parse((await ws.cli("runs", "--json")).out) as { id: string; state: string }[];
    expect(json).toEqual([expect.objectContaining({ id: runId, state: "waiting_approval" })]);
  });
});
