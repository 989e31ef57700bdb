/**
 * Plan and run contexts for one step against a live endpoint (the simulator): a real AwsSession and
 * createAwsAccess (profiles from a temporary credentials file → `AKSIM<account>` keys), in-memory
 * progress per task (so calling `run` again is a resume), a wait loop that moves the simulator's
 * virtual clock, auto-approval, and the engine's deterministic names, tokens and tags.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAwsAccess, type JournalEntry, type JournalOutcome } from "../../src/aws/access.js";
import { verifyAccounts } from "../../src/aws/guard.js";
import { type AwsSession, createAwsSession } from "../../src/aws/session.js";
import type { Clock } from "../../src/core/clock.js";
import { HikkoshiError } from "../../src/core/errors.js";
import { sha256 } from "../../src/core/hash.js";
import type { Json, JsonObject } from "../../src/core/json.js";
import { taskResourceName, taskTags, taskToken } from "../../src/engine/names.js";
import type { AccountSpec } from "../../src/runbook/types.js";
import type {
  AccountRef,
  ApprovalOutcome,
  AwsWriter,
  PlanContext,
  PlanResult,
  RunContext,
  StepDefinition,
} from "../../src/steps/define.js";

export interface TestAccount {
  id: string;
  region: string;
  /** Access key id of the account's profile; default `AKSIM<id>`. */
  accessKeyId?: string;
}

export interface HarnessOptions {
  endpoint: string;
  accounts: Record<string, TestAccount>;
  /** Moves the endpoint's virtual clock (simulator `advance`). */
  advance: (ms: number) => void;
  /** Reads the endpoint's virtual clock (simulator `now`). */
  now: () => number;
  runId?: string;
  runbookName?: string;
  approval?: ApprovalOutcome;
}

export interface JournalRow extends JournalEntry {
  outcome: "pending" | "ok" | string;
}

export interface WaitRecord {
  what: string;
  polls: number;
  percents: number[];
}

export interface StepHarness {
  session: AwsSession;
  accounts: Record<string, AccountRef>;
  specs: Record<string, AccountSpec>;
  journal: JournalRow[];
  logs: string[];
  waits: WaitRecord[];
  approvals: string[];
  /** Saved progress per task id; `run` of the same task id again sees it (a resume). */
  progress: Map<string, JsonObject>;
  clock: Clock;
  planContext(alias: string, taskId: string): PlanContext;
  runContext(alias: string, taskId: string): RunContext;
  plan(def: StepDefinition<any>, alias: string, params: Record<string, unknown>, taskId?: string): Promise<PlanResult>;
  /** Parses params with the step's schema (like the runbook layer) and runs the step. */
  run(
    def: StepDefinition<any>,
    alias: string,
    params: Record<string, unknown>,
    taskId?: string,
  ): Promise<Record<string, Json>>;
  close(): void;
}

const profiles = new Set<string>();

/**
 * Profile `sim-<key>` holds access key `<key>`. The SDK caches a credentials file per path, so a new
 * profile means a new file (with all profiles so far) and AWS_SHARED_CREDENTIALS_FILE pointing at it.
 * Files are named by their content in one shared directory: test processes reuse them, none pile up.
 */
function profileFor(accessKeyId: string): string {
  const profile = `sim-${accessKeyId}`;
  if (profiles.has(profile)) return profile;
  profiles.add(profile);
  const dir = join(tmpdir(), "hikkoshi-test-aws");
  mkdirSync(dir, { recursive: true });
  const text = [...profiles]
    .sort()
    .map((p) => `[${p}]\naws_access_key_id = ${p.slice(4)}\naws_secret_access_key = sim-secret\n`)
    .join("\n");
  const file = join(dir, `credentials-${sha256(text).slice(0, 16)}`);
  atomicWrite(file, text);
  atomicWrite(join(dir, "config"), "");
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  process.env.AWS_SHARED_CREDENTIALS_FILE = file;
  return profile;
}

/** Parallel test processes may write the same file: write aside, then rename over it. */
function atomicWrite(file: string, text: string): void {
  const temp = `${file}.${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

export function accountSpecs(accounts: Record<string, TestAccount>): Record<string, AccountSpec> {
  return Object.fromEntries(
    Object.entries(accounts).map(([alias, a]) => [
      alias,
      { alias, id: a.id, region: a.region, profile: profileFor(a.accessKeyId ?? `AKSIM${a.id}`) },
    ]),
  );
}

export async function createStepHarness(options: HarnessOptions): Promise<StepHarness> {
  const runId = options.runId ?? "testrun";
  const runbookName = options.runbookName ?? "step-tests";
  const specs = accountSpecs(options.accounts);
  const session = createAwsSession(specs, { endpoint: options.endpoint, runbookName });
  const identities = await verifyAccounts(session, specs);
  const accounts: Record<string, AccountRef> = Object.fromEntries(
    Object.values(specs).map((s) => [s.alias, { alias: s.alias, id: s.id, region: s.region }]),
  );

  const journal: JournalRow[] = [];
  const logs: string[] = [];
  const waits: WaitRecord[] = [];
  const approvals: string[] = [];
  const progress = new Map<string, JsonObject>();
  const clock: Clock = {
    now: options.now,
    sleep: async (ms) => {
      options.advance(ms);
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
  };
  const writer: AwsWriter = createAwsAccess(session, {
    readOnly: false,
    identities,
    journal: {
      before: (entry) => String(journal.push({ ...entry, outcome: "pending" }) - 1),
      after: (id, outcome: JournalOutcome) => {
        const row = journal[Number(id)];
        if (row) row.outcome = outcome.ok ? "ok" : outcome.code;
      },
    },
  });
  const reader = createAwsAccess(session, { readOnly: true, identities });

  const common = (alias: string, taskId: string) => {
    const account = accounts[alias];
    if (!account) throw new Error(`unknown test account ${alias}`);
    return {
      runbookName,
      account,
      accounts,
      taskId,
      stepId: taskId.replace(/\[.*$/, ""),
      itemKey: /\[(.*)\]$/.exec(taskId)?.[1],
      clock,
      log: {
        info: (m: string) => logs.push(`info ${taskId}: ${m}`),
        warn: (m: string) => logs.push(`warn ${taskId}: ${m}`),
      },
      name: (suffix?: string, max?: number) => taskResourceName(runId, taskId, suffix, max),
      token: (suffix?: string) => taskToken(runId, taskId, suffix),
      tags: () => taskTags(runId, taskId, runbookName),
    };
  };

  const planContext = (alias: string, taskId: string): PlanContext => ({
    ...common(alias, taskId),
    aws: reader,
    // Plans run before the run exists: names read "run" where the run id goes (like the engine).
    name: (suffix?: string, max?: number) => taskResourceName(undefined, taskId, suffix, max),
    tags: () => taskTags(undefined, taskId, runbookName),
  });

  const runContext = (alias: string, taskId: string): RunContext => ({
    ...common(alias, taskId),
    aws: writer,
    signal: new AbortController().signal,
    progress: progress.get(taskId),
    saveProgress: (p) => {
      progress.set(taskId, structuredClone(p));
    },
    wait: async (o) => {
      const record: WaitRecord = { what: o.what, polls: 0, percents: [] };
      waits.push(record);
      const deadline = clock.now() + o.timeoutMs;
      let interval = o.intervalMs ?? 5_000;
      for (;;) {
        const result = await o.poll();
        record.polls += 1;
        if (result.percent !== undefined) record.percents.push(result.percent);
        if (result.done) return result.value as never;
        if (clock.now() > deadline) throw new HikkoshiError("WAIT_TIMEOUT", `gave up waiting for ${o.what}`);
        await clock.sleep(interval);
        interval = Math.min(interval * 1.5, o.maxIntervalMs ?? 60_000);
      }
    },
    awaitApproval: async (instructions) => {
      approvals.push(instructions);
      return options.approval ?? "approved";
    },
  });

  return {
    session,
    accounts,
    specs,
    journal,
    logs,
    waits,
    approvals,
    progress,
    clock,
    planContext,
    runContext,
    plan: (def, alias, params, taskId = def.type) => def.plan(planContext(alias, taskId), params),
    run: (def, alias, params, taskId = def.type) => def.run(runContext(alias, taskId), def.params.parse(params)),
    close: () => session.destroy(),
  };
}
