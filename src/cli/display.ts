/** The engine's events on the operator's screen: one renderer per run, paused while a question is asked. */
import { systemClock } from "../core/clock.js";
import { HikkoshiError } from "../core/errors.js";
import { EventBus } from "../engine/events.js";
import type { Operator } from "../engine/operator.js";
import type { Runbook } from "../runbook/types.js";
import type { CliIO } from "./io.js";
import { jsonRenderer } from "./render/json.js";
import { type ListrView, listrRenderer } from "./render/listr.js";
import { plainRenderer } from "./render/plain.js";

export type RenderMode = "auto" | "plain" | "json" | "listr";

const PLAIN_TICK_MS = 5_000;

export interface Display {
  bus: EventBus;
  /** Settle the display (final tree drawn, buffered notices printed). */
  stop: () => Promise<void>;
  /** Before a question: the listr2 tree is finished so the prompt is not overdrawn. */
  pause: () => Promise<void>;
  /** After the answer: a fresh tree of the tasks still open. */
  resume: () => void;
}

/** The engine's events go to exactly one renderer: listr2 on a terminal, plain lines otherwise, or NDJSON. */
export function makeDisplay(io: CliIO, mode: RenderMode, runbook: Runbook): Display {
  const bus = new EventBus(systemClock.now);
  const none = async () => {};
  if (mode === "json") {
    bus.on(jsonRenderer(io.out));
    return { bus, stop: none, pause: none, resume: () => {} };
  }
  if (mode === "listr" || (mode === "auto" && io.isTTY)) {
    const settled = new Set<string>();
    bus.on((e) => {
      if (e.type === "task-status" && e.status !== "running") settled.add(e.taskId);
    });
    let view: ListrView | undefined = listrRenderer(runbook, io.out);
    bus.on((e, at) => view?.listener(e, at));
    const stop = async () => {
      const current = view;
      view = undefined;
      await current?.finish();
    };
    const resume = () => {
      const open = runbook.tasks.filter((t) => !settled.has(t.id));
      const steps = runbook.steps.filter((s) => open.some((t) => t.topStepId === s.id));
      view = listrRenderer({ ...runbook, tasks: open, steps }, io.out);
    };
    return { bus, stop, pause: stop, resume };
  }
  const plain = plainRenderer(io.out);
  bus.on(plain.listener);
  // A silent task still gets its start and heartbeats said: CI kills jobs that print nothing for minutes.
  const timer = setInterval(() => plain.tick(systemClock.now()), PLAIN_TICK_MS);
  timer.unref();
  const stop = async () => clearInterval(timer);
  return { bus, stop, pause: none, resume: () => {} };
}

/** Questions to the operator pause the display while they are asked. */
export function politeOperator(operator: Operator, display: Display): Operator {
  const around =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await display.pause();
      try {
        return await fn(...args);
      } finally {
        display.resume();
      }
    };
  return {
    ...operator,
    approve: around(operator.approve),
    confirmDestructive: around(operator.confirmDestructive),
    stepGate: around(operator.stepGate),
  };
}

export function pollSettings(io: CliIO, pollMs?: string) {
  const raw = pollMs ?? io.env.HIKKOSHI_POLL_MS;
  if (raw === undefined) return {};
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms <= 0)
    throw new HikkoshiError("USAGE", `poll interval must be a positive number of ms, got "${raw}"`);
  return { initialMs: ms, maxMs: Math.max(ms, ms * 4) };
}
