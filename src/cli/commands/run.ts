import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { systemClock } from "../../core/clock.js";
import { envNumber } from "../../core/env.js";
import { errorMessage, HikkoshiError } from "../../core/errors.js";
import { EventBus, makePlan, type Plan, type RunOutcome, resumeRun, startRun } from "../../engine/index.js";
import type { Operator } from "../../engine/operator.js";
import { parseRunbook, readRunbookText } from "../../runbook/index.js";
import type { Runbook } from "../../runbook/types.js";
import type { RunRecord, Store } from "../../state/index.js";
import { type GlobalOptions, readRunbook, registry } from "../app.js";
import { makeDisplay, politeOperator, pollSettings, type RenderMode } from "../display.js";
import { EXIT, exitCodeForRunState } from "../exit-codes.js";
import type { CliIO } from "../io.js";
import { parseNotifyTargets, type ReceiverSpec, startNotifier } from "../notify/index.js";
import { nonInteractiveOperator, terminalOperator } from "../operator.js";
import { sdkRegions } from "../regions.js";
import { sessionFor } from "../session.js";
import { findRun, openStateStore, operatorName } from "../state-file.js";

export interface DriveCliOptions extends GlobalOptions {
  yes?: boolean;
  step?: boolean;
  parallel?: string;
  json?: boolean;
  pollMs?: string;
  render?: RenderMode;
  /** Webhook URLs and `sns:<topic ARN>`s to tell about approvals, failures, long waits and the run's end. */
  notify?: string[];
}

export interface RunCliOptions extends DriveCliOptions {
  plan?: string;
  param?: string[];
  abandon?: string;
  /** The demo: abandon what an earlier demo left unfinished. */
  abandonUnfinished?: boolean;
}

function parallelOf(v: string | undefined): number {
  const n = v === undefined ? 4 : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new HikkoshiError("USAGE", `--parallel must be an integer 1–256, got "${v}"`);
  return n;
}

/** Ctrl-C once: stop starting tasks, let in-flight calls finish, record the rest. Twice: leave now. */
function interruptSignal(io: CliIO, bus: EventBus): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const onSigint = () => {
    count++;
    if (count === 1) {
      // On the display at once (the live view holds stderr until it ends), and on stderr for scripts.
      bus.emit({
        type: "notice",
        level: "warn",
        message: "stopping: finishing in-flight AWS calls; the run can be resumed (Ctrl-C again to leave at once)",
      });
      io.err(
        "\nInterrupted: finishing in-flight AWS calls; the run can be resumed. Press Ctrl-C again to leave at once.",
      );
      controller.abort(new HikkoshiError("INTERRUPTED", "interrupted by the operator"));
    } else {
      process.exit(EXIT.INTERRUPTED);
    }
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigint);
    },
  };
}

export interface DriveParts {
  io: CliIO;
  store: Store;
  runbook: Runbook;
  opts: DriveCliOptions;
  operator?: Operator;
  /** `run --plan`: the reviewed plan the engine applies exactly (or refuses). */
  reviewedPlan?: Plan;
  /** `--notify`, checked before anything runs. */
  notify?: ReceiverSpec[];
}

async function withEngine(
  parts: DriveParts,
  body: (deps: Parameters<typeof startRun>[0]) => Promise<RunOutcome>,
): Promise<number> {
  const { io, store, runbook, opts } = parts;
  const session = sessionFor(runbook, opts);
  const mode = opts.json ? "json" : opts.step ? "plain" : (opts.render ?? "auto");
  // `--render json` is `--json`: NDJSON only on stdout, the plan first.
  const json = mode === "json";
  const display = makeDisplay(io, mode, runbook);
  const { bus, stop } = display;
  const notifier = startNotifier(io, { specs: parts.notify ?? [], store, bus, session });
  const interrupt = interruptSignal(io, bus);
  const name = operatorName();
  const base = parts.operator ?? (io.canPrompt ? terminalOperator(name) : nonInteractiveOperator(name));
  if (opts.step && !base.interactive) {
    throw new HikkoshiError("USAGE", "--step asks before each task and needs a terminal", {
      hint: "run it in a terminal, or drop --step",
    });
  }
  const operator = base.autoApprove ? base : politeOperator(base, display);
  try {
    if (json) bus.emit({ type: "plan", plan: parts.reviewedPlan ?? (await planFor(session, runbook)) });
    const outcome = await body({
      store,
      registry,
      session,
      bus,
      clock: systemClock,
      operator,
      signal: interrupt.signal,
    });
    // Bounded: a receiver that never answers holds the end of the run one send's timeout and a second at most.
    await notifier?.close();
    await stop();
    if (!json) io.out(nextSteps(outcome));
    return exitCodeForRunState(outcome.state, outcome.parked);
  } finally {
    await notifier?.close();
    await stop();
    interrupt.dispose();
    session.destroy();
  }
}

/**
 * A read-only plan with its own quiet bus. NDJSON starts with the plan: the engine's preflight keeps its plan
 * to itself (and resume makes none), so without a reviewed plan this is one more pass (the run verifies the
 * accounts again and says so).
 */
export function planFor(session: ReturnType<typeof sessionFor>, runbook: Runbook): Promise<Plan> {
  return makePlan({ session, bus: new EventBus(), registry, clock: systemClock }, runbook);
}

export function driveOptions(io: CliIO, opts: DriveCliOptions) {
  // The lock's timing, for rehearsals and tests: a heartbeat older than the stale time may be taken over.
  const positive = (n: number) => Number.isFinite(n) && n > 0;
  const staleLockMs = envNumber(io.env, "HIKKOSHI_LOCK_STALE_MS", positive, "a positive number of ms");
  const heartbeatMs = envNumber(io.env, "HIKKOSHI_HEARTBEAT_MS", positive, "a positive number of ms");
  return {
    parallel: parallelOf(opts.parallel),
    yes: opts.yes === true,
    stepMode: opts.step === true,
    poll: pollSettings(io, opts.pollMs),
    ...(staleLockMs !== undefined ? { staleLockMs } : {}),
    ...(heartbeatMs !== undefined ? { heartbeatMs } : {}),
  };
}

export async function runCommand(io: CliIO, file: string, opts: RunCliOptions, operator?: Operator): Promise<number> {
  const runbook = readRunbook(io, file, opts.param);
  const notify = parseNotifyTargets(opts.notify ?? [], runbook);
  const reviewedPlan = opts.plan ? readPlanFile(resolve(io.cwd, opts.plan)) : undefined;
  const store = openStateStore(io, opts);
  try {
    const parts = {
      io,
      store,
      runbook,
      opts,
      notify,
      ...(operator ? { operator } : {}),
      ...(reviewedPlan ? { reviewedPlan } : {}),
    };
    return await withEngine(parts, (deps) =>
      startRun(deps, runbook, {
        ...driveOptions(io, opts),
        operatorName: deps.operator.name,
        ...(reviewedPlan ? { reviewedPlan } : {}),
        ...(opts.abandon ? { abandon: opts.abandon } : {}),
        ...(opts.abandonUnfinished ? { abandonUnfinished: true } : {}),
      }),
    );
  } finally {
    store.close();
  }
}

/** The runbook as it is now on disk (edits allowed for tasks not yet started), else the stored copy. */
export function runbookForResume(run: RunRecord): Runbook {
  const overrides = Object.fromEntries(Object.entries(run.params).map(([k, v]) => [k, JSON.stringify(v)]));
  const text = existsSync(run.runbookPath) ? readRunbookText(run.runbookPath) : run.runbookText;
  return parseRunbook(text, run.runbookPath, registry, { paramOverrides: overrides, regions: sdkRegions() });
}

export async function resumeCommand(
  io: CliIO,
  runId: string | undefined,
  opts: DriveCliOptions & { forceUnlock?: boolean },
): Promise<number> {
  const store = openStateStore(io, opts);
  try {
    const run = findRun(store, runId);
    if (run.state === "succeeded") {
      io.out(`run ${run.id} already succeeded; nothing to resume.`);
      return EXIT.OK;
    }
    // Checked before anything is done, --force-unlock included.
    const runbook = runbookForResume(run);
    const notify = parseNotifyTargets(opts.notify ?? [], runbook);
    if (opts.forceUnlock) {
      store.forceUnlock(run.id);
      io.err(`lock of run ${run.id} removed by --force-unlock`);
    }
    return await withEngine({ io, store, runbook, opts, notify }, (deps) =>
      resumeRun(deps, run, runbook, driveOptions(io, opts)),
    );
  } finally {
    store.close();
  }
}

function nextSteps(o: RunOutcome): string {
  const lines = [""];
  switch (o.state) {
    case "succeeded":
      lines.push(`Run ${o.runId} succeeded.`);
      break;
    case "waiting_approval":
      lines.push(`Run ${o.runId} is waiting for approval of: ${o.awaitingApproval.join(", ")}`);
      for (const t of o.awaitingApproval) lines.push(`  hikkoshi approve ${o.runId} '${t}'`);
      lines.push(`then: hikkoshi resume ${o.runId}`);
      break;
    case "needs_confirmation":
      lines.push(`Run ${o.runId} stopped before destructive task(s) acted: ${o.needsConfirmation.join(", ")}`);
      lines.push(
        `Nothing destructive was done. Review with \`hikkoshi plan\`, then confirm: hikkoshi resume ${o.runId} --yes`,
      );
      break;
    case "interrupted":
      if (o.parked) {
        lines.push(`Run ${o.runId} is parked, nothing failed: ${o.parked.message}.`);
        lines.push(`Renew them, then continue: ${o.parked.hint}`);
      } else lines.push(`Run ${o.runId} was interrupted. Continue with: hikkoshi resume ${o.runId}`);
      break;
    default:
      lines.push(
        `Run ${o.runId} ${o.state}. Failed: ${o.failed.join(", ") || "-"}${o.blocked.length ? `; not started because of them: ${o.blocked.length}` : ""}`,
      );
      lines.push(
        `Fix the cause, then: hikkoshi resume ${o.runId}  (failed tasks are retried, finished ones are not redone)`,
      );
  }
  lines.push(`Inspect: hikkoshi status ${o.runId}   |   hikkoshi log ${o.runId}`);
  return lines.join("\n");
}

function readPlanFile(path: string): Plan {
  let plan: Plan;
  try {
    // Read as a runbook is: a regular file, bounded in size (a fifo or a device would hang the read).
    plan = JSON.parse(readRunbookText(path)) as Plan;
  } catch (err) {
    throw new HikkoshiError("PLAN_FILE_UNREADABLE", `cannot read the saved plan ${path}: ${errorMessage(err)}`, {
      hint: "make one with `hikkoshi plan FILE --out plan.json`",
    });
  }
  return plan;
}
