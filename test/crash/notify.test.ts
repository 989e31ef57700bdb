/**
 * `--notify` across a crash, black box: the CLI as a child process SIGKILLed by its failpoints, the simulator as
 * another, a node:http receiver in the test. A message is received once per occurrence; only one whose send
 * the crash cut short (delivered, its result not yet recorded) comes again, saying it is a repeat.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Receiver, received, startReceiver } from "../helpers/receiver.js";
import {
  APPROVAL,
  cli,
  describeResult,
  driveArgs,
  freezeBuild,
  killAll,
  runIdFrom,
  type Sim,
  startSim,
  statusJson,
  tempDir,
} from "./harness.js";

const TEST_TIMEOUT = 120_000;
const REPEAT = "(repeat after a restart) ";
let sim: Sim;
const tmp = tempDir();
let seq = 0;
const statePath = () => join(tmp.dir, `state-${++seq}.db`);
let hook: Receiver | undefined;

beforeAll(async () => {
  await freezeBuild(tmp.dir);
  sim = await startSim();
}, TEST_TIMEOUT);

afterEach(async () => {
  await hook?.close();
  hook = undefined;
});

afterAll(async () => {
  await sim?.stop();
  killAll();
  tmp.cleanup();
});

const drive = (state: string, url: string) => [...driveArgs(sim, state), "--notify", url];
const env = (failpoint?: string) => ({
  HIKKOSHI_LOCK_STALE_MS: "1000",
  ...(failpoint ? { HIKKOSHI_FAILPOINT: failpoint } : {}),
});

/** Each message received once, a repeat aside: no text (repeat prefix removed) twice unless one is a repeat. */
function expectNoDuplicates(texts: readonly string[]) {
  const firsts = texts.filter((t) => !t.startsWith(REPEAT));
  expect(new Set(firsts).size, texts.join("\n---\n")).toBe(firsts.length);
  const repeats = texts.filter((t) => t.startsWith(REPEAT));
  expect(new Set(repeats).size, texts.join("\n---\n")).toBe(repeats.length);
}

describe("--notify across a crash and resume", () => {
  it(
    "a crash away from any send: resume repeats nothing already sent",
    async () => {
      await sim.reset();
      hook = await startReceiver();
      const state = statePath();
      const first = await cli(["run", APPROVAL, ...drive(state, hook.url)], { env: env() });
      expect(first.code, describeResult(first)).toBe(5);
      const runId = runIdFrom(first.stdout)!;
      expect(received(hook, "manual step freeze waits for approval")).toHaveLength(1);
      expect(received(hook, `run ${runId} waiting approval after`)).toHaveLength(1);

      // Still waiting: a resume says the run's end again (a new end), not the approval.
      const again = await cli(["resume", runId, ...drive(state, hook.url)], { env: env() });
      expect(again.code, describeResult(again)).toBe(5);
      expect(received(hook, "waits for approval")).toHaveLength(1);
      expect(received(hook, `run ${runId} waiting approval after`)).toHaveLength(2);

      expect((await cli(["approve", runId, "freeze", "--state", state])).code).toBe(0);
      const killed = await cli(["resume", runId, ...drive(state, hook.url)], {
        env: env("task:started@late-key"),
      });
      expect(killed.signal, describeResult(killed)).toBe("SIGKILL");
      const resumed = await cli(["resume", runId, ...drive(state, hook.url)], { env: env() });
      expect(resumed.code, describeResult(resumed)).toBe(0);
      expect((await statusJson(state, runId)).run.state).toBe("succeeded");

      expect(received(hook, "waits for approval")).toHaveLength(1);
      expect(received(hook, `run ${runId} succeeded after`)).toHaveLength(1);
      expect(received(hook, REPEAT)).toEqual([]);
      expect(hook.texts).toHaveLength(4);
      expectNoDuplicates(hook.texts);
    },
    TEST_TIMEOUT,
  );

  it(
    "a crash after a message arrived and before its result was recorded: resume sends it once more, as a repeat",
    async () => {
      await sim.reset();
      hook = await startReceiver();
      const state = statePath();
      const first = await cli(["run", APPROVAL, ...drive(state, hook.url)], { env: env("notify:sent@freeze") });
      expect(first.signal, describeResult(first)).toBe("SIGKILL");
      expect(received(hook, "manual step freeze waits for approval")).toHaveLength(1);
      const runId = (await statusJson(state)).run.id;

      const resumed = await cli(["resume", runId, ...drive(state, hook.url)], { env: env() });
      expect(resumed.code, describeResult(resumed)).toBe(5);
      const approvals = received(hook, "manual step freeze waits for approval");
      expect(approvals).toHaveLength(2);
      expect(approvals[1]).toBe(`${REPEAT}${approvals[0]}`);
      // This resume's own end; the first process may have queued its end too (then it comes as a repeat).
      expect(received(hook, new RegExp(`^\\[hikkoshi\\] .* run ${runId} waiting approval after`))).toHaveLength(1);

      // Once recorded as sent, it is not sent a third time.
      const again = await cli(["resume", runId, ...drive(state, hook.url)], { env: env() });
      expect(again.code, describeResult(again)).toBe(5);
      expect(received(hook, "manual step freeze waits for approval")).toHaveLength(2);
      expectNoDuplicates(hook.texts);
    },
    TEST_TIMEOUT,
  );
});
