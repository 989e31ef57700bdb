/** What the scheduler is given (`execute`) and what it reports when nothing more can start. */
import type { Clock } from "../core/clock.js";
import type { HikkoshiError } from "../core/errors.js";
import type { Store } from "../state/index.js";
import type { AccountRef, AwsWriter } from "../steps/define.js";
import type { StepRegistry } from "../steps/registry.js";
import type { PollSettings } from "./context.js";
import type { EventBus } from "./events.js";
import type { Operator } from "./operator.js";

export interface ExecuteOptions {
  runId: string;
  runbookName: string;
  store: Store;
  registry: StepRegistry;
  accounts: Record<string, AccountRef>;
  /** Journaled AWS access for one task (journal rows carry the task id). */
  awsFor: (taskId: string) => AwsWriter;
  bus: EventBus;
  clock: Clock;
  parallel: number;
  poll: PollSettings;
  operator: Operator;
  signal: AbortSignal;
  /** How a destructive task was confirmed for this process ("--yes", an answer), or undefined if it was not. */
  confirmed: (taskId: string) => string | undefined;
  stepMode: boolean;
  /**
   * Stop the whole run (no new task starts; in-flight ones see the signal): a write this process may no
   * longer make (LOCK_LOST), credentials that ran out and could not be renewed (the run parks), or a state
   * error that is not a task's fault.
   */
  stop: (err: HikkoshiError) => void;
}

export interface ExecuteResult {
  failed: string[];
  awaitingApproval: string[];
  needsConfirmation: string[];
  /** Pending tasks that cannot start because something they need failed or waits for a human. */
  blocked: string[];
  interrupted: boolean;
  quit: boolean;
}
