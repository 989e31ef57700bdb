/**
 * The scheduler: runs a run's pending tasks over the dependency graph until nothing more can start.
 * It never decides what a task means; it resolves parameters, gates destructive work, starts steps within
 * the limits and records every transition through the store.
 *
 * Transitions of one scheduling turn commit in one transaction (`Store.batch`), and nothing that depends on
 * a transition happens before its commit: a task's step runs only after its start is committed (intent
 * before any AWS call), and a dependent becomes ready only after its need's success or skip is committed.
 */
import { failpoint } from "../core/failpoint.js";
import type { Json } from "../core/json.js";
import type { TaskSpec } from "../runbook/types.js";
import type { StartedTask, Store, TaskRecord, TaskStatus } from "../state/index.js";
import type { ErrorInfo, EventBus } from "./events.js";
import type { ExecuteOptions, ExecuteResult } from "./execute-options.js";
import { Limiter } from "./limiter.js";
import type { Operator } from "./operator.js";
import { type Prepared, prepareTask } from "./prepare.js";
import { DONE, ReadyQueue, STUCK } from "./ready.js";
import { runTask, type TaskOutcome, toErrorInfo } from "./task-run.js";
import { TurnWrites } from "./turn-writes.js";

export type { ExecuteOptions, ExecuteResult } from "./execute-options.js";
export { toErrorInfo };

export function execute(options: ExecuteOptions): Promise<ExecuteResult> {
  return new Execution(options).run();
}

class Execution {
  private readonly store: Store;
  private readonly runId: string;
  private readonly bus: EventBus;
  private readonly signal: AbortSignal;
  private readonly status: Map<string, TaskStatus>;
  private readonly ready: ReadyQueue;
  /** Outputs of finished tasks that pending tasks may refer to; others are read when a parameter asks. */
  private readonly outputs = new Map<string, Record<string, Json> | undefined>();
  private readonly limiter: Limiter;
  private readonly running = new Set<Promise<void>>();
  private readonly needsConfirmation = new Set<string>();
  private readonly blocked = new Set<string>();
  /** Tasks that became failed, awaiting approval or blocked: their dependents are blocked in the next pass. */
  private readonly stuck: string[] = [];
  /** Ready tasks held back by a concurrency key, prepared once. */
  private readonly deferred = new Map<string, Prepared>();
  private readonly writes: TurnWrites;
  private quit = false;
  private wake: () => void = () => {};

  constructor(private readonly o: ExecuteOptions) {
    this.store = o.store;
    this.runId = o.runId;
    this.bus = o.bus;
    this.signal = o.signal;
    // Every task's status, and of the pending ones what they need; a definition is read when its task is
    // ready and let go once it started, outputs when a parameter refers to them. What the run holds is then
    // the graph, not the tasks (at 100k tasks, definitions held were most of the memory).
    this.status = new Map(this.store.taskStatuses(this.runId).map((r) => [r.taskId, r.status]));
    this.ready = new ReadyQueue(this.store.pendingNeeds(this.runId), (id) => this.status.get(id));
    for (const [id, s] of this.status) if (STUCK.has(s)) this.stuck.push(id);
    this.writes = new TurnWrites({
      store: this.store,
      runId: this.runId,
      bus: this.bus,
      stop: o.stop,
      recorded: (taskId, s) => this.record(taskId, s),
    });
    this.limiter = new Limiter(Math.max(1, o.parallel), (key) => o.registry.concurrencyLimit(key));
  }

  async run(): Promise<ExecuteResult> {
    for (;;) {
      // Results that came in since the last turn commit with this turn's starts: one transaction.
      const progressed = this.signal.aborted || this.quit ? this.writes.commit() : await this.schedule();
      if (this.running.size === 0 && !progressed && this.writes.size === 0) break;
      if (this.running.size === 0) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    const pick = (s: TaskStatus) => [...this.status].filter(([, v]) => v === s).map(([k]) => k);
    return {
      failed: pick("failed"),
      awaitingApproval: pick("awaiting_approval"),
      needsConfirmation: [...this.needsConfirmation],
      blocked: [...this.blocked].sort(this.ready.byPosition),
      interrupted: this.signal.aborted,
      quit: this.quit,
    };
  }

  /**
   * One scheduling pass: block what cannot run, start ready tasks while workers are free, commit, and again
   * while the commit made more tasks ready.
   */
  private async schedule(): Promise<boolean> {
    let progressed = this.propagateBlocked();
    for (;;) {
      const held: Prepared[] = [];
      while (this.limiter.canStart([]) && !this.quit) {
        const taskId = this.ready.pop();
        if (taskId === undefined) break;
        if (this.status.get(taskId) !== "pending") continue;
        const prepared = this.deferred.get(taskId) ?? this.prepare(taskId);
        progressed = true;
        if (!prepared) continue;
        if (!this.limiter.canStart(prepared.keys)) {
          held.push(prepared); // queued behind a concurrency limit
          continue;
        }
        this.deferred.delete(taskId);
        const confirmedBy = this.confirmation(prepared);
        if (confirmedBy === null) continue;
        if (this.o.stepMode && !(await this.gate(prepared))) continue;
        this.admit(prepared, confirmedBy);
      }
      for (const p of held) {
        this.deferred.set(p.spec.id, p);
        this.ready.push(p.spec.id);
      }
      // Results, starts, skips and failures commit together; a success or a skip may make more tasks ready.
      const before = this.ready.size;
      const committed = this.writes.commit();
      progressed = this.propagateBlocked() || committed || progressed;
      if (!committed || this.ready.size === before || this.signal.aborted || this.quit) break;
    }
    return progressed;
  }

  /**
   * How a destructive task was confirmed, or null when it was not (it then waits for a confirmation, said
   * once); undefined for a task that needs none.
   */
  private confirmation(p: Prepared): string | undefined | null {
    if (!p.destructive) return undefined;
    const confirmedBy = this.o.confirmed(p.spec.id);
    if (confirmedBy !== undefined) return confirmedBy;
    this.needsConfirmation.add(p.spec.id);
    this.bus.emit({
      type: "task-needs-confirmation",
      taskId: p.spec.id,
      summary: `${p.spec.type} in ${p.spec.account}`,
    });
    return null;
  }

  /** --step: true when the person lets the task run; a skip is queued, a quit ends the scheduling. */
  private async gate(p: Prepared): Promise<boolean> {
    const taskId = p.spec.id;
    this.writes.commit(); // what this pass started runs while the person decides
    this.writes.commitsAlone = true;
    let answer: Awaited<ReturnType<Operator["stepGate"]>>;
    try {
      answer = await this.o.operator.stepGate(taskId, `${p.spec.type} in ${p.spec.account}`);
    } finally {
      this.writes.commitsAlone = false;
    }
    if (answer === "quit") this.quit = true;
    if (answer === "skip") {
      const reason = `skipped by ${this.o.operator.name} (--step)`;
      this.writes.enqueue({
        taskId,
        write: (s) => s.skipTask(this.runId, taskId, reason),
        applied: () => this.record(taskId, "skipped", {}),
      });
    }
    return answer !== "quit" && answer !== "skip";
  }

  /** Queue the start of a task past its gates, its worker slot and keys taken now for this pass's count. */
  private admit(p: Prepared, confirmedBy: string | undefined): void {
    const taskId = p.spec.id;
    this.limiter.start(p.keys);
    this.writes.enqueue({
      taskId,
      write: (s) => {
        // Who allowed a destructive action, and how, is part of the audit trail.
        if (confirmedBy !== undefined) {
          s.journalAppend({
            runId: this.runId,
            taskId,
            kind: "confirmation",
            actor: this.o.operator.name,
            action: "confirmed",
            resource: taskId,
            outcome: "ok",
            detail: { via: confirmedBy },
          });
        }
        return s.startTask(this.runId, taskId);
      },
      applied: (started: StartedTask) => this.launch(p, started),
      otherwise: () => {
        this.limiter.finish(p.keys, true);
        this.wake();
      },
    });
  }

  /** Pending dependents of stuck or blocked tasks are blocked (transitively). */
  private propagateBlocked(): boolean {
    let progressed = false;
    for (let id = this.stuck.pop(); id !== undefined; id = this.stuck.pop()) {
      for (const dep of this.ready.dependentsOf(id)) {
        if (this.status.get(dep) !== "pending" || this.blocked.has(dep)) continue;
        this.blocked.add(dep);
        this.stuck.push(dep);
        progressed = true;
      }
    }
    return progressed;
  }

  /** Resolve a ready task's params, evaluate `if`, compute keys. Undefined when it settled (skip, fail). */
  private prepare(taskId: string): Prepared | undefined {
    const spec = this.store.taskDefinition(this.runId, taskId) as unknown as TaskSpec | undefined;
    if (!spec) return undefined;
    const p = prepareTask(spec, this.o.registry, this.o.accounts, this.outputOf);
    if (p.kind === "ready") return p.prepared;
    if (p.kind === "skip") {
      this.writes.enqueue({
        taskId,
        write: (s) => s.skipTask(this.runId, taskId, p.reason),
        applied: () => this.record(taskId, "skipped", {}),
      });
    } else {
      this.writes.enqueue({
        taskId,
        write: (s) => {
          s.startTask(this.runId, taskId);
          s.failTask(this.runId, taskId, p.error);
        },
        applied: () => this.record(taskId, "failed", { error: p.error }),
      });
    }
    return undefined;
  }

  private readonly outputOf = (id: string): Record<string, Json> | undefined => {
    if (!this.outputs.has(id)) this.outputs.set(id, this.store.taskOutputs(this.runId, id));
    return this.outputs.get(id);
  };

  /** Run a task whose start is committed; its outcome is queued for the next commit. */
  private launch(p: Prepared, started: StartedTask): void {
    const { spec } = p;
    failpoint("task:started", { task: spec.id });
    this.status.set(spec.id, "running");
    this.bus.emit({ type: "task-started", taskId: spec.id, attempt: started.attempts });
    let holdsSlot = true;
    const slot: { promise?: Promise<void> } = {};
    slot.promise = (async () => {
      await Promise.resolve(); // let `running.add` happen before anything can finish
      try {
        const outcome = await runTask({
          runId: this.runId,
          runbookName: this.o.runbookName,
          task: spec,
          def: p.def,
          params: p.params,
          progress: started.progress,
          accounts: this.o.accounts,
          aws: this.o.awsFor(spec.id),
          store: this.store,
          bus: this.bus,
          clock: this.o.clock,
          signal: this.signal,
          poll: this.o.poll,
          autoApprove: this.o.operator.autoApprove === true,
          operatorName: this.o.operator.name,
          releaseSlot: () => {
            if (holdsSlot) this.limiter.releaseSlot();
            holdsSlot = false;
            this.wake();
          },
          acquireSlot: async () => {
            if (!holdsSlot) await this.limiter.acquireSlot();
            holdsSlot = true;
          },
          stop: this.o.stop,
        });
        this.settle(spec.id, outcome);
      } finally {
        this.limiter.finish(p.keys, holdsSlot);
        if (slot.promise) this.running.delete(slot.promise);
        this.wake();
      }
    })();
    this.running.add(slot.promise);
  }

  /** What a finished attempt leaves: success and failure are queued for the commit; the rest is known now. */
  private settle(taskId: string, outcome: TaskOutcome): void {
    if (outcome.kind === "succeeded") {
      const out = outcome.outputs;
      this.writes.enqueue({
        taskId,
        write: (s) => s.succeedTask(this.runId, taskId, out),
        applied: () => {
          failpoint("task:succeeded", { task: taskId });
          if (this.ready.dependentsOf(taskId).length > 0) this.outputs.set(taskId, out);
          this.record(taskId, "succeeded", { outputs: out });
        },
      });
    } else if (outcome.kind === "failed") {
      const error = outcome.error;
      this.writes.enqueue({
        taskId,
        write: (s) => s.failTask(this.runId, taskId, error),
        applied: () => this.record(taskId, "failed", { error }),
      });
    } else if (outcome.kind === "awaiting_approval") {
      this.record(taskId, "awaiting_approval");
    }
  }

  /**
   * A task's status as now recorded. With `event`, it is shown (task-status). Done tasks make their dependents
   * count down; stuck ones block them at the next pass.
   */
  private record(taskId: string, s: TaskStatus, event?: { outputs?: Record<string, Json>; error?: ErrorInfo }): void {
    const was = this.status.get(taskId);
    this.status.set(taskId, s);
    if (event) this.bus.emit({ type: "task-status", taskId, status: s, ...event });
    if (DONE.has(s) && !(was !== undefined && DONE.has(was))) this.ready.done(taskId);
    else if (STUCK.has(s)) this.stuck.push(taskId);
  }
}

export type { TaskRecord };
