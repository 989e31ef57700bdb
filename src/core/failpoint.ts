/**
 * Failpoints for crash tests: `HIKKOSHI_FAILPOINT=aws:after:3` makes the process SIGKILL itself the third
 * time it reaches `failpoint("aws:after")` — a crash at an exact instant, which a timed kill cannot hit.
 * `HIKKOSHI_FAILPOINT_COUNTS=<file>` writes how often each point was reached, so a test can enumerate them.
 * Both are read from the environment once per process; without them this is a no-op.
 */
import { writeFileSync } from "node:fs";

interface FailpointState {
  target: { name: string; n: number } | undefined;
  countsFile: string | undefined;
  counts: Map<string, number>;
}

function init(): FailpointState {
  const spec = process.env.HIKKOSHI_FAILPOINT;
  const m = spec ? /^(.+):(\d+)$/.exec(spec) : null;
  return {
    target: m ? { name: m[1]!, n: Number(m[2]) } : undefined,
    countsFile: process.env.HIKKOSHI_FAILPOINT_COUNTS,
    counts: new Map(),
  };
}

const state = init();

export function failpoint(name: string): void {
  if (!state.target && !state.countsFile) return;
  const count = (state.counts.get(name) ?? 0) + 1;
  state.counts.set(name, count);
  if (state.countsFile) writeFileSync(state.countsFile, JSON.stringify(Object.fromEntries(state.counts)));
  if (state.target && state.target.name === name && state.target.n === count) process.kill(process.pid, "SIGKILL");
}
