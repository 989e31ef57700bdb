/** Operators the CLI can hand the engine: a person at a terminal, nobody (CI), or the demo's auto-approver. */
import { createInterface } from "node:readline/promises";
import type { Operator, StepGateAnswer } from "../engine/operator.js";

export { nonInteractiveOperator } from "../engine/operator.js";

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase();
  } finally {
    rl.close();
  }
}

export function terminalOperator(name: string): Operator {
  return {
    name,
    interactive: true,
    approve: async (taskId) => {
      const a = await ask(`\nApprove ${taskId}? Type "approve", "reject", or press Enter to decide later: `);
      return a === "approve" ? "approved" : a === "reject" ? "rejected" : "later";
    },
    confirmDestructive: async (taskIds) => {
      const a = await ask(`\nThese tasks are destructive:\n  ${taskIds.join("\n  ")}\nType "yes" to let them act: `);
      return a === "yes";
    },
    stepGate: async (taskId, summary): Promise<StepGateAnswer> => {
      const a = await ask(`\nNext: ${taskId} (${summary}). [r]un / [s]kip / [q]uit? `);
      return a.startsWith("s") ? "skip" : a.startsWith("q") ? "quit" : "run";
    },
  };
}

/** The demo answers for the operator, and says so in the journal. */
export function autoOperator(name: string): Operator {
  return {
    name,
    interactive: true,
    autoApprove: true,
    approve: async () => "approved",
    confirmDestructive: async () => true,
    stepGate: async () => "run",
  };
}
