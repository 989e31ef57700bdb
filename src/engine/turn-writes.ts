/**
 * The writes of one scheduling turn (starts, skips, successes, failures), committed in one transaction
 * (`Store.batch`). What follows from a write (a launch, a status, an event, dependents becoming ready)
 * happens only after its commit, so nothing ever acts on a transition that is not durable yet.
 */
import { errorMessage, HikkoshiError } from "../core/errors.js";
import type { Store, TaskStatus } from "../state/index.js";
import type { EventBus } from "./events.js";

/** A write waiting for the turn's commit, and what follows from it once committed (or not). */
export interface QueuedWrite<T = unknown> {
  taskId: string;
  /** Through the batch's store (one lock check for the batch, not one per write). */
  write: (store: Store) => T;
  applied: (value: T) => void;
  /** The write did not happen (it failed, or the whole commit did). */
  otherwise?: () => void;
}

export interface TurnWritesInput {
  store: Store;
  runId: string;
  bus: EventBus;
  /** A lost lock or a state error: the run stops. */
  stop: (err: HikkoshiError) => void;
  /** A conflict: the task moved on under another writer; its recorded status is believed. */
  recorded: (taskId: string, status: TaskStatus) => void;
}

export class TurnWrites {
  private queued: QueuedWrite<any>[] = [];
  /** While the scheduler waits for a person (--step), a result commits on its own instead of waiting too. */
  commitsAlone = false;

  constructor(private readonly input: TurnWritesInput) {}

  get size(): number {
    return this.queued.length;
  }

  enqueue<T>(w: QueuedWrite<T>): void {
    this.queued.push(w);
    if (this.commitsAlone && this.queued.length === 1) setImmediate(() => this.commit());
  }

  /**
   * Commit every queued write in one transaction, then apply what follows from each. A write that fails on
   * its own (its savepoint rolled back) leaves the others; a commit that fails applies none. False when
   * nothing was queued.
   */
  commit(): boolean {
    const items = this.queued;
    if (items.length === 0) return false;
    this.queued = [];
    const after: Array<() => void> = [];
    try {
      this.input.store.batch((store) => {
        for (const item of items) {
          try {
            const value = item.write(store);
            after.push(() => item.applied(value));
          } catch (err) {
            after.push(this.failed(item, err));
          }
        }
      });
    } catch (err) {
      this.input.stop(asHikkoshiError(err));
      for (const item of items) item.otherwise?.();
      return true;
    }
    for (const f of after) f();
    return true;
  }

  private failed(item: QueuedWrite<any>, err: unknown): () => void {
    const e = asHikkoshiError(err);
    if (e.code !== "STATE_CONFLICT" && e.code !== "STATE_NOT_FOUND") {
      this.input.stop(e);
      return () => item.otherwise?.();
    }
    const recorded = this.input.store.getTask(this.input.runId, item.taskId)?.status;
    return () => {
      item.otherwise?.();
      if (recorded) this.input.recorded(item.taskId, recorded);
      const message = `${e.message} (left as recorded: ${recorded})`;
      this.input.bus.emit({ type: "task-log", taskId: item.taskId, level: "warn", message });
    };
  }
}

function asHikkoshiError(err: unknown): HikkoshiError {
  return err instanceof HikkoshiError ? err : new HikkoshiError("UNEXPECTED", errorMessage(err), { cause: err });
}
