/**
 * Deterministic names, tokens and tags derived from the run and the task: a resumed task computes the
 * same identifiers it used before the crash, so "look before you create" finds its own work.
 */
import { sha256 } from "../core/hash.js";
// Validation refuses task ids whose stems collide (runbook/names.ts): one function for both.
import { nameStem as slug } from "../runbook/names.js";
import { RUN_TAG, RUNBOOK_TAG, TASK_TAG } from "../steps/shared/ownership.js";

const PLAN_RUN = "run";

/** Identifier safe for RDS/EC2/S3: starts with a letter, [a-z0-9-], no "--", no trailing "-". */
export function taskResourceName(runId: string | undefined, taskId: string, suffix = "", maxLength = 63): string {
  const parts = ["hk", slug(runId ?? PLAN_RUN), slug(taskId), slug(suffix)].filter((p) => p.length > 0);
  const full = parts.join("-");
  if (full.length <= maxLength) return full;
  const digest = sha256(`${runId}/${taskId}/${suffix}`).slice(0, 8);
  const head = full.slice(0, maxLength - digest.length - 1).replace(/-+$/, "");
  return `${head}-${digest}`;
}

/** Idempotency token (EC2 ClientToken ≤ 64, S3 Control ClientRequestToken ≤ 64). */
export function taskToken(runId: string | undefined, taskId: string, suffix = ""): string {
  return `hk-${sha256(`${runId ?? PLAN_RUN}/${taskId}/${suffix}`).slice(0, 40)}`;
}

/** AWS tag values allow letters, digits, spaces and _ . : / = + - @ — not brackets. */
function tagValue(text: string): string {
  return text.replace(/\[/g, "/").replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, "");
}

export function taskTags(runId: string | undefined, taskId: string, runbookName: string): Record<string, string> {
  return {
    [RUN_TAG]: tagValue(runId ?? PLAN_RUN),
    [TASK_TAG]: tagValue(taskId),
    [RUNBOOK_TAG]: tagValue(runbookName),
  };
}

const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"; // no l/o/0/1: read aloud at 2 a.m.

export function newRunId(random: (n: number) => Buffer): string {
  const bytes = random(6);
  let id = "";
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}
