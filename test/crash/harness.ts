/**
 * Black-box harness of the crash-and-resume suite: the CLI (`bin/hikkoshi.js`, built into dist/) and the
 * simulator (`dist/sim/main.js`) as real child processes, the simulator's control API over HTTP, and the
 * normalisation that makes two world dumps of different runs comparable.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { FaultRuleInput, SimStats, WorldDump } from "../../src/sim/index.js";
import { openStore } from "../../src/state/index.js";

export type { FaultRuleInput };

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES = join(ROOT, "test", "fixtures", "crash");
export const WORLD = join(FIXTURES, "world.yaml");
export const MOVE = join(FIXTURES, "move.yaml");
export const APPROVAL = join(FIXTURES, "approval.yaml");

export const SOURCE = "111111111111";
export const TARGET = "222222222222";
export const REGION = "ap-northeast-1";

/** The names `failpoint()` is called with (src/engine/journal.ts, context.ts, executor.ts). */
export const FAILPOINTS = [
  "aws:before",
  "aws:after",
  "aws:recorded",
  "task:started",
  "task:succeeded",
  "progress:saved",
  "wait:entered",
  "wait:poll",
] as const;
export type FailpointName = (typeof FAILPOINTS)[number];

/** Every child this module started and that has not exited yet: `killAll` ends them (afterAll). */
const live = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
}

/** Where the CLI and the simulator are started from: the repository, or a frozen copy of its build. */
let buildRoot = ROOT;
export const bin = () => join(buildRoot, "bin", "hikkoshi.js");
export const simMain = () => join(buildRoot, "dist", "sim", "main.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Run this file's processes from a copy of dist/ (+ bin/, package.json, a node_modules link) taken now:
 * others working in the same tree rebuild dist/ (`npm test` does), and a CLI started in the middle of a
 * rebuild loads half-old, half-new modules. The copy is retaken while dist/ is being written. `npm test`
 * builds first; a lone `npx vitest` needs `npm run build`.
 */
export async function freezeBuild(into: string): Promise<void> {
  const dist = join(ROOT, "dist");
  if (!existsSync(join(dist, "sim", "main.js")) || !existsSync(join(dist, "cli", "main.js"))) {
    throw new Error("dist/ is missing: run `npm run build` before the crash tests");
  }
  const until = Date.now() + 60_000;
  for (;;) {
    const before = newestMtime(dist);
    if (Date.now() - before > 3_000) {
      rmSync(join(into, "dist"), { recursive: true, force: true });
      cpSync(dist, join(into, "dist"), { recursive: true });
      if (newestMtime(dist) === before) break;
    }
    if (Date.now() > until) throw new Error("dist/ kept changing for a minute: is a build looping?");
    await new Promise((r) => setTimeout(r, 1_000));
  }
  mkdirSync(join(into, "bin"), { recursive: true });
  cpSync(join(ROOT, "bin", "hikkoshi.js"), join(into, "bin", "hikkoshi.js"));
  cpSync(join(ROOT, "package.json"), join(into, "package.json"));
  if (!existsSync(join(into, "node_modules")))
    symlinkSync(join(ROOT, "node_modules"), join(into, "node_modules"), "dir");
  buildRoot = into;
}

export function tempDir(prefix = "hikkoshi-crash-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of every CLI child: simulator credentials, fast polls, nothing from the caller's AWS setup. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(AWS_|HIKKOSHI_)/.test(key) || key === "CI") delete env[key];
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: "AKSIM111111111111",
    AWS_SECRET_ACCESS_KEY: "x",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    HIKKOSHI_POLL_MS: "20",
    NO_COLOR: "1",
    ...extra,
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
  timedOut: boolean;
}

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves when the process has exited (and been reaped). */
  done: Promise<CliResult>;
  output: () => { stdout: string; stderr: string };
}

/** Start `node bin/hikkoshi.js <args>`; killed with SIGKILL after `timeoutMs`. stdin is closed: no TTY. */
export function startCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}) {
  const child = spawn(process.execPath, [bin(), ...args], {
    cwd: ROOT,
    env: cliEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 180_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once("error", (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    // 'close' comes after 'exit' and after the pipes are drained: the output is complete.
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, pid: child.pid ?? -1, timedOut });
    });
  });
  const proc: CliProcess = { child, pid: child.pid ?? -1, done, output: () => ({ stdout, stderr }) };
  return proc;
}

export function cli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}) {
  return startCli(args, options).done;
}

/** A short description of a CLI result for assertion messages. */
export function describeResult(r: CliResult): string {
  const tail = (s: string) => s.split("\n").slice(-25).join("\n");
  return `exit code ${r.code}, signal ${r.signal}${r.timedOut ? " (timed out)" : ""}\n--- stdout (tail)\n${tail(r.stdout)}\n--- stderr (tail)\n${tail(r.stderr)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The simulator process and its control API

export interface Sim {
  url: string;
  child: ChildProcess;
  world(): Promise<WorldDump>;
  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  reset(): Promise<void>;
  addFaults(rules: FaultRuleInput | FaultRuleInput[]): Promise<void>;
  clearFaults(): Promise<void>;
  clock(body: { speed?: number; advanceMs?: number; secondsPerRequest?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startSim(options: { seed?: string; speed?: number } = {}): Promise<Sim> {
  const args = [simMain(), "--port", "0", "--seed", options.seed ?? WORLD];
  if (options.speed !== undefined) args.push("--speed", String(options.speed));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start in 15 s: ${stderr}`)), 15_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}: ${stderr}`));
    });
  });
  const match = /^hikkoshi-sim listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  if (!match) {
    child.kill("SIGKILL");
    throw new Error(`unexpected first line of the simulator: ${line}`);
  }
  child.stdout!.resume(); // keep draining the usage lines
  const url = match[1]!;

  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}/_sim/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /_sim/${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };

  return {
    url,
    child,
    world: async () => (await call("GET", "world")) as WorldDump,
    stats: async () => (await call("GET", "stats")) as SimStats,
    resetStats: async () => void (await call("POST", "stats/reset")),
    reset: async () => void (await call("POST", "reset")),
    addFaults: async (rules) => void (await call("POST", "faults", rules)),
    clearFaults: async () => void (await call("DELETE", "faults")),
    clock: async (body) => void (await call("POST", "clock", body)),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the CLI's answers

export interface TaskStatusJson {
  taskId: string;
  status: string;
  attempts: number;
  error?: { code: string; message: string } | null;
  outputs?: Record<string, unknown> | null;
  approvedBy?: string | null;
  deadlineAt?: string | null;
  waitWhat?: string | null;
}

export interface StatusJson {
  run: { id: string; state: string; lock?: unknown };
  counts: Record<string, number>;
  tasks: TaskStatusJson[];
}

export interface JournalJson {
  id: number;
  runId: string;
  taskId?: string | null;
  kind: string;
  actor?: string | null;
  accountId?: string | null;
  action: string;
  resource?: string | null;
  outcome?: string | null;
  detail?: unknown;
}

export async function statusJson(state: string, runId?: string): Promise<StatusJson> {
  const r = await cli(["status", ...(runId ? [runId] : []), "--json", "--state", state]);
  if (r.code !== 0) throw new Error(`status --json failed: ${describeResult(r)}`);
  return JSON.parse(r.stdout) as StatusJson;
}

export async function logJson(state: string, runId?: string): Promise<JournalJson[]> {
  const r = await cli(["log", ...(runId ? [runId] : []), "--json", "--state", state]);
  if (r.code !== 0) throw new Error(`log --json failed: ${describeResult(r)}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as JournalJson);
}

/**
 * A look at a dead process's state file without spawning a CLI (diagnostics only: the assertions go
 * through `status --json` / `log --json`): the latest run, its unfinished tasks, its pending AWS calls.
 */
export function peekState(state: string, runId?: string) {
  const store = openStore(state);
  try {
    const run = runId ? store.getRun(runId) : store.latestRun();
    if (!run) throw new Error(`no run in ${state}`);
    const active = store.listTasks(run.id).filter((t) => t.status === "running" || t.status === "waiting");
    const pending = store.pendingAwsCalls(run.id);
    const inFlight = [
      ...pending.map((e) => `${e.taskId}: ${e.action} pending`),
      ...active.map((t) => `${t.taskId} ${t.status}`),
    ].join("; ");
    return {
      runId: run.id,
      runState: run.state,
      inFlight,
      pending: pending.map((e) => ({ taskId: e.taskId ?? "", action: e.action })),
    };
  } finally {
    store.close();
  }
}

/** The failpoint counts a process wrote with HIKKOSHI_FAILPOINT_COUNTS. */
export function readCounts(file: string): Record<string, number> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
}

// ---------------------------------------------------------------------------------------------------------------
// World dumps

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Make the dump of one run comparable with another's: run ids (in `hk-<run>-…` names, ARNs and the
 * `hikkoshi:run` tag) become `<run>`, generated customer key ids (in ids and ARNs) become
 * `<key account alias>` (or `<key account no-alias #n>` for a key without alias, which no correct run
 * leaves behind), and lists are re-sorted by their normalised ids.
 */
export function normaliseWorld(dump: Pick<WorldDump, "accounts">, runIds: readonly string[]): Json {
  const keyIds = new Map<string, string>();
  for (const [account, a] of Object.entries(dump.accounts)) {
    for (const [region, r] of Object.entries(a.regions)) {
      let orphans = 0;
      for (const k of r.kmsKeys) {
        const label = k.aliases.length > 0 ? k.aliases.join(",") : `no-alias #${++orphans}`;
        keyIds.set(k.id, `<key ${account} ${region} ${label}>`);
      }
    }
  }
  const runs = runIds.filter((id) => id.length > 0);
  const replace = (s: string): string => {
    let out = s;
    for (const [id, label] of keyIds) out = out.split(id).join(label);
    for (const run of runs) {
      if (out === run) return "<run>";
      out = out.split(`hk-${run}-`).join("hk-<run>-");
    }
    return out;
  };
  const walk = (v: unknown): Json => {
    if (typeof v === "string") return replace(v);
    if (Array.isArray(v)) {
      const items = v.map(walk);
      if (items.every((i) => typeof i === "object" && i !== null && !Array.isArray(i) && typeof i.id === "string")) {
        items.sort((a, b) => {
          const x = (a as { id: string }).id;
          const y = (b as { id: string }).id;
          return x < y ? -1 : x > y ? 1 : 0;
        });
      }
      return items;
    }
    if (v !== null && typeof v === "object") {
      const out: Record<string, Json> = {};
      for (const k of Object.keys(v).sort()) out[replace(k)] = walk((v as Record<string, unknown>)[k]);
      return out;
    }
    return v as Json;
  };
  return walk(dump);
}

export interface Expected {
  /** alias → account that must hold exactly one key with it. */
  aliases: Array<{ account: string; alias: string }>;
  /** Snapshot ids (with `<run>` for the run id) each account must hold, exactly these among `hk-` ones. */
  snapshots: Array<{ account: string; kind: "dbSnapshots" | "dbClusterSnapshots"; id: string }>;
}

/**
 * The world's invariants, independent of any baseline: one key per alias and no alias-less key of ours,
 * exactly the expected `hk-` snapshots (each once, available), shares without duplicates, never public.
 */
export function worldProblems(dump: Pick<WorldDump, "accounts">, runId: string, expected: Expected): string[] {
  const problems: string[] = [];
  for (const { account, alias } of expected.aliases) {
    const keys = Object.values(dump.accounts[account]?.regions ?? {}).flatMap((r) =>
      r.kmsKeys.filter((k) => k.aliases.includes(alias)),
    );
    if (keys.length !== 1) problems.push(`${account}: ${keys.length} keys with ${alias}, expected exactly 1`);
  }
  for (const [account, a] of Object.entries(dump.accounts)) {
    for (const [region, r] of Object.entries(a.regions)) {
      for (const k of r.kmsKeys) {
        const aliasCounts = new Set(k.aliases);
        if (aliasCounts.size !== k.aliases.length) problems.push(`${account}/${region}: key ${k.id} repeats an alias`);
        if (k.aliases.length === 0 && k.tags["hikkoshi:run"] !== undefined) {
          problems.push(`${account}/${region}: orphan key ${k.id} of run ${k.tags["hikkoshi:run"]} (no alias)`);
        }
      }
      for (const kind of ["dbSnapshots", "dbClusterSnapshots"] as const) {
        const ours = r[kind].filter((s) => s.id.startsWith("hk-"));
        const want = expected.snapshots
          .filter((e) => e.account === account && e.kind === kind)
          .map((e) => e.id.replace("<run>", runId))
          .sort();
        const have = ours.map((s) => s.id).sort();
        if (JSON.stringify(have) !== JSON.stringify(want)) {
          problems.push(`${account}/${region} ${kind}: have [${have.join(", ")}], expected [${want.join(", ")}]`);
        }
        for (const s of r[kind]) {
          if (new Set(s.sharedWith).size !== s.sharedWith.length) {
            problems.push(`${s.id}: duplicate accounts in its share list ${JSON.stringify(s.sharedWith)}`);
          }
          if (s.sharedWith.includes("all")) problems.push(`${s.id}: shared with "all" (public)`);
          if (s.id.startsWith("hk-") && s.status !== "available") problems.push(`${s.id}: status ${s.status}`);
        }
      }
    }
  }
  return problems;
}

/** What move.yaml must leave behind in world.yaml. */
export const MOVE_EXPECTED: Expected = {
  aliases: [
    { account: SOURCE, alias: "alias/hikkoshi/crash-share" },
    { account: TARGET, alias: "alias/crash/rds" },
  ],
  snapshots: [
    { account: SOURCE, kind: "dbSnapshots", id: "hk-<run>-db-snapshot" },
    { account: SOURCE, kind: "dbSnapshots", id: "hk-<run>-db-reencrypt" },
    { account: TARGET, kind: "dbSnapshots", id: "hk-<run>-db-copy" },
    { account: SOURCE, kind: "dbClusterSnapshots", id: "hk-<run>-aurora-snapshot" },
    { account: SOURCE, kind: "dbClusterSnapshots", id: "hk-<run>-aurora-reencrypt" },
    { account: TARGET, kind: "dbClusterSnapshots", id: "hk-<run>-aurora-copy" },
  ],
};

/** The run id the CLI printed ("run <id> started" in plain output, or in `hikkoshi approve <id>`). */
export function runIdFrom(output: string): string | undefined {
  return (
    /\brun ([a-z2-9]{6}) started/.exec(output)?.[1] ??
    /\bRun ([a-z2-9]{6})\b/.exec(output)?.[1] ??
    /hikkoshi (?:approve|resume) ([a-z2-9]{6})\b/.exec(output)?.[1]
  );
}

/** Poll `check` every `everyMs` until it returns a value, or fail after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Global options of every command that drives a run against `sim`. */
/**
 * Simulators shared by the lanes of a crash suite: a test takes one (reset to its seed), uses it alone,
 * and gives it back; tests wait when every lane is busy.
 */
export class LanePool {
  private readonly free: Sim[] = [];
  private readonly waiters: Array<(sim: Sim) => void> = [];
  acquire(): Promise<Sim> {
    const sim = this.free.pop();
    return sim ? Promise.resolve(sim) : new Promise((resolve) => this.waiters.push(resolve));
  }
  release(sim: Sim) {
    const next = this.waiters.shift();
    if (next) next(sim);
    else this.free.push(sim);
  }
  async with<T>(body: (sim: Sim) => Promise<T>): Promise<T> {
    const sim = await this.acquire();
    try {
      await sim.reset();
      return await body(sim);
    } finally {
      this.release(sim);
    }
  }
}

export const driveArgs = (sim: Sim, state: string) => ["--endpoint", sim.url, "--state", state, "--render", "plain"];

/** The mutating calls the simulator answered, per "service:Action" (AssumeRole and reads left out). */
export function mutatingCalls(stats: SimStats): Record<string, number> {
  return Object.fromEntries(
    Object.entries(stats.calls)
      .filter(([key]) => !/:(Describe|List|Get|Head)/.test(key) && key !== "sts:AssumeRole")
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

export interface Baseline {
  world: unknown;
  calls: Record<string, number>;
}

/**
 * After the last `resume`: `status --json` says every task succeeded, `log --json` has no aws-call left
 * pending, the world keeps its invariants, equals the baseline once normalised, and (unless the scenario
 * made AWS answer errors) every mutating call reached AWS exactly as often as in the uninterrupted run.
 */
export async function checkFinal(
  sim: Sim,
  state: string,
  runId: string,
  baseline: Baseline,
  options: { tasks?: number; expectUnknown?: boolean; compareCalls?: boolean } = {},
) {
  const [status, journal, world, stats] = await Promise.all([
    statusJson(state, runId),
    logJson(state, runId),
    sim.world(),
    sim.stats(),
  ]);
  expect(status.run.state).toBe("succeeded");
  const notDone = status.tasks.filter((t) => t.status !== "succeeded").map((t) => `${t.taskId}=${t.status}`);
  expect(notDone, "every task succeeded").toEqual([]);
  expect(status.tasks).toHaveLength(options.tasks ?? 10);

  const calls = journal.filter((e) => e.kind === "aws-call");
  expect(
    calls.filter((e) => e.outcome === "pending").map((e) => `${e.action} ${e.resource}`),
    "no aws-call stays pending",
  ).toEqual([]);
  if (options.expectUnknown) {
    // The crash fell between an intent and its result: resume must have marked that call unknown.
    expect(
      calls.some((e) => e.outcome === "unknown"),
      "an in-flight call is journaled as unknown",
    ).toBe(true);
  }
  expect(worldProblems(world, runId, MOVE_EXPECTED)).toEqual([]);
  expect(normaliseWorld(world, [runId])).toEqual(baseline.world);
  if (options.compareCalls !== false) {
    expect(mutatingCalls(stats), "each mutating call reached AWS once, as in the uninterrupted run").toEqual(
      baseline.calls,
    );
  }
  return { status, journal, world };
}
