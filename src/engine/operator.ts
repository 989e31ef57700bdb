/**
 * How the engine reaches the human running it. The CLI supplies an implementation (TTY prompts,
 * non-interactive, or the demo's auto-approver); the engine never reads a terminal itself.
 */
export type StepGateAnswer = "run" | "skip" | "quit";

export interface Operator {
  /** Who is acting, recorded with approvals and confirmations ("alice@laptop"). */
  readonly name: string;
  /** True when questions can be asked (a TTY, or an auto-answering operator). */
  readonly interactive: boolean;
  /** Auto-approve manual steps (demo and tests only); recorded as such in the journal. */
  readonly autoApprove?: boolean;
  approve(taskId: string, instructions: string): Promise<"approved" | "rejected" | "later">;
  confirmDestructive(taskIds: string[], summaries: string[]): Promise<boolean>;
  stepGate(taskId: string, summary: string): Promise<StepGateAnswer>;
}

export const nonInteractiveOperator = (name: string): Operator => ({
  name,
  interactive: false,
  approve: async () => "later",
  confirmDestructive: async () => false,
  stepGate: async () => "run",
});
