/**
 * The part of a task's AWS resource names that comes from its id: `ctx.name()` (engine/names.ts) names
 * snapshots, buckets and manifest prefixes hk-<run>-<stem>[-<suffix>]. RDS lower-cases identifiers and S3
 * refuses upper case, so the stem keeps only [a-z0-9-]: task ids that differ only in case or punctuation
 * would share their names, and validation refuses them. A name cut to an AWS length limit ends in a digest
 * of the whole task id, so cutting never makes two names the same.
 */
import type { DiagnosticSink } from "./diagnostics.js";
import type { Model } from "./model.js";
import type { TaskSpec } from "./types.js";

export function nameStem(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/** One diagnostic per pair of items (or steps) whose tasks would share AWS names, naming both. */
export function reportNameCollisions(tasks: readonly TaskSpec[], m: Model, sink: DiagnosticSink): void {
  const byStem = new Map<string, TaskSpec>();
  const reported = new Set<string>();
  for (const t of tasks) {
    const stem = nameStem(t.id);
    const first = byStem.get(stem);
    if (!first) {
      byStem.set(stem, t);
      continue;
    }
    const sameStep =
      first.topStepId === t.topStepId &&
      first.itemKey !== undefined &&
      t.itemKey !== undefined &&
      first.itemKey !== t.itemKey;
    const pair = sameStep ? `${t.topStepId}[${first.itemKey}|${t.itemKey}]` : `${first.topStepId}|${t.topStepId}`;
    if (reported.has(pair)) continue;
    reported.add(pair);
    const names = `both would be hk-<run>-${stem}`;
    const step = m.stepById.get(t.topStepId)?.raw;
    if (sameStep) {
      sink.report(
        "RB_NAME_COLLISION",
        `forEach items '${first.itemKey}' and '${t.itemKey}' of step '${t.topStepId}' would get the same AWS resource names (${names})`,
        { node: step?.forEach?.node ?? step?.node, find: t.itemKey! },
        {
          hint: "AWS names keep only lower-case letters, digits and '-' (RDS lower-cases identifiers): make the keys differ in more than case and punctuation (an object item can carry its own 'key')",
        },
      );
    } else {
      sink.report(
        "RB_NAME_COLLISION",
        `tasks '${first.id}' and '${t.id}' would get the same AWS resource names (${names})`,
        { node: step?.idNode ?? step?.node },
        { hint: "AWS names keep only lower-case letters, digits and '-': rename one of the steps" },
      );
    }
  }
}
