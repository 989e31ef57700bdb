/**
 * CLI integration harness: the real `main(argv, io)` in-process, the real AWS SDK, the in-process
 * simulator. Every test gets a fresh temp dir (cwd, state file, runbook copies); the simulator is one
 * per test file and `reset()` between tests.
 */

import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { main } from "../../src/cli/main.js";
import { type SimStats, type SimulatorHandle, startSimulator } from "../../src/sim/index.js";
import { assertPlanValid } from "../helpers/plan-schema.js";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../fixtures/integration/", import.meta.url));
export const DEMO_WORLD = join(REPO, "runbooks/sim/demo-world.yaml");
export const DEMO_RUNBOOK = join(REPO, "runbooks/demo-rds.yaml");

export const PROD = "111111111111";
export const STAGING = "222222222222";
export const REGION = "ap-northeast-1";

/**
 * Virtual seconds per real second. The demo world takes 24 s per GB, so the 200 GB billing database
 * (4,800 virtual seconds per snapshot or copy) is ready in a few tens of real milliseconds.
 */
export const FAST = 200_000;

const CREDENTIAL_ENV = [
  "AWS_PROFILE",
  "AWS_SESSION_TOKEN",
  "AWS_ENDPOINT_URL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
];

/**
 * The CLI's default credential chain reads process.env: the production account's simulator key. Call in
 * beforeAll; the returned function restores the environment (afterAll).
 */
export function useSimulatorCredentials(account = PROD): () => void {
  const saved = Object.fromEntries(CREDENTIAL_ENV.map((k) => [k, process.env[k]]));
  for (const k of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"]) delete process.env[k];
  process.env.AWS_ACCESS_KEY_ID = `AKSIM${account}`;
  process.env.AWS_SECRET_ACCESS_KEY = "simulator";
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

export function startWorld(seed: string, speed = FAST): Promise<SimulatorHandle> {
  return startSimulator({ seed, port: 0, speed });
}

/**
 * One simulator per test file with the production account's credentials in the environment, back to its
 * seed before every test. `onStart` receives the handle once it listens.
 */
export function useSimulatorWorld(seed: string, onStart: (sim: SimulatorHandle) => void): void {
  let sim: SimulatorHandle | undefined;
  let restoreEnv: () => void = () => {};
  beforeAll(async () => {
    restoreEnv = useSimulatorCredentials();
    sim = await startWorld(seed);
    onStart(sim);
  });
  afterAll(async () => {
    await sim?.close();
    restoreEnv();
  });
  beforeEach(() => sim?.reset());
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** out + err, for messages that may go to either. */
  all: string;
}

/** A fresh working directory with its own state file, and the CLI bound to it and to the simulator. */
export class Workspace {
  readonly dir: string;
  readonly state: string;

  constructor(readonly sim: SimulatorHandle) {
    this.dir = mkdtempSync(join(tmpdir(), "hikkoshi-it-"));
    this.state = join(this.dir, "state.db");
  }

  /** `hikkoshi <args> --endpoint <sim> --state <tmp>/state.db`, in-process, no TTY, nobody to ask. */
  async cli(...args: string[]): Promise<CliResult> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["node", "hikkoshi", ...args, "--endpoint", this.sim.url, "--state", this.state], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      isTTY: false,
      canPrompt: false,
      cwd: this.dir,
      env: { ...process.env, HIKKOSHI_POLL_MS: "10" },
    });
    const o = out.join("\n");
    const e = err.join("\n");
    // Every plan a test makes must conform to the published plan schema.
    if (args[0] === "plan" && args.includes("--json") && o.trim().startsWith("{")) {
      assertPlanValid(JSON.parse(o), `plan ${args.slice(1).join(" ")}`);
    }
    const saved = args[0] === "plan" ? args[args.indexOf("--out") + 1] : undefined;
    if (saved && args.includes("--out") && existsSync(join(this.dir, saved))) {
      assertPlanValid(JSON.parse(readFileSync(join(this.dir, saved), "utf8")), `plan --out ${saved}`);
    }
    return { code, out: o, err: e, all: `${o}\n${e}` };
  }

  /** Copy a fixture (by name) or any file (by absolute path) into the workspace; returns its path. */
  add(source: string, name = basename(source)): string {
    const path = join(this.dir, name);
    copyFileSync(isAbsolute(source) ? source : join(FIXTURES, source), path);
    return path;
  }

  write(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  read(name: string): string {
    return readFileSync(join(this.dir, name), "utf8");
  }

  /** Rewrite a file in the workspace with a string replacement that must match. */
  edit(name: string, from: string | RegExp, to: string): void {
    const text = this.read(name);
    const next = text.replace(from, to);
    if (next === text) throw new Error(`edit of ${name}: ${String(from)} did not match`);
    this.write(name, next);
  }
}

/** The run id the CLI printed ("Run k3f9x2 …" / "hikkoshi resume k3f9x2"). */
export function runIdOf(text: string): string {
  const m = /\bRun ([a-z0-9]+) /.exec(text) ?? /hikkoshi resume ([a-z0-9]+)/.exec(text);
  if (!m?.[1]) throw new Error(`no run id in:\n${text}`);
  return m[1];
}

export function ndjson<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

/** Mutating "service:Action" keys with their counts, for readable assertion failures. */
export function mutatingCalls(stats: SimStats): Record<string, number> {
  return Object.fromEntries(
    Object.entries(stats.calls).filter(([k]) => !/:(Describe|List|Get|Head)|AssumeRole/.test(k)),
  );
}
