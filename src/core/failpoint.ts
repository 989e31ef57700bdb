/**
 * Failpoints for crash tests: the process SIGKILLs itself the n-th time it reaches a named point — a crash
 * at an exact instant, which a timed kill cannot hit. `HIKKOSHI_FAILPOINT` names the point:
 *   `aws:after:3`                            the 3rd `aws:after` of the process, whatever task reached it
 *   `wait:poll@ami.copy:2`                   the 2nd poll of task ami.copy
 *   `aws:after@vol.copy/ec2:CopySnapshot:1`  the 1st CopySnapshot of task vol.copy, once AWS answered
 * A point named by task (and action) is reached in the same place however the tasks interleave, so a test
 * aimed at it does not depend on the machine's speed; a bare count is a position in the journal, reached
 * for sure only where the run makes that many calls whatever the timing (the `:n` defaults to 1).
 * `HIKKOSHI_FAILPOINT_COUNTS=<file>` writes how often each point was reached, under the three forms of name.
 * Both are read from the environment once per process; without them this is a no-op.
 */
import { writeFileSync } from "node:fs";

/** Where a failpoint is reached: the task, and for AWS calls the action ("ec2:CopySnapshot"). */
export interface FailpointSite {
  task?: string;
  action?: string;
}

interface FailpointState {
  target: { key: string; n: number } | undefined;
  countsFile: string | undefined;
  counts: Map<string, number>;
}

/** `name`, `name@task`, `name@task/action`: the keys one reached failpoint counts under. */
export function failpointKeys(name: string, site: FailpointSite = {}): string[] {
  if (site.task === undefined) return [name];
  const keys = [name, `${name}@${site.task}`];
  if (site.action !== undefined) keys.push(`${name}@${site.task}/${site.action}`);
  return keys;
}

/** `<key>[:<n>]` → the key and n; the key itself may hold colons ("aws:after@t/ec2:CopySnapshot"). */
export function parseFailpoint(spec: string): { key: string; n: number } | undefined {
  const m = /^(.+?)(?::(\d+))?$/.exec(spec.trim());
  if (!m) return undefined;
  return { key: m[1]!, n: m[2] === undefined ? 1 : Number(m[2]) };
}

function init(): FailpointState {
  const spec = process.env.HIKKOSHI_FAILPOINT;
  return {
    target: spec ? parseFailpoint(spec) : undefined,
    countsFile: process.env.HIKKOSHI_FAILPOINT_COUNTS,
    counts: new Map(),
  };
}

const state = init();

export function failpoint(name: string, site?: FailpointSite): void {
  if (!state.target && !state.countsFile) return;
  let hit = false;
  for (const key of failpointKeys(name, site)) {
    const count = (state.counts.get(key) ?? 0) + 1;
    state.counts.set(key, count);
    if (state.target && state.target.key === key && state.target.n === count) hit = true;
  }
  if (state.countsFile) writeFileSync(state.countsFile, JSON.stringify(Object.fromEntries(state.counts)));
  if (hit) process.kill(process.pid, "SIGKILL");
}
