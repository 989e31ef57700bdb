/**
 * `run` / `resume --notify`: the operator hears of a long wait, an approval, a failure and each run end once,
 * through a webhook (a local node:http receiver) or an SNS topic on the simulator; a receiver that fails or
 * never answers costs a warning, not the run; bad values are refused before anything runs.
 */
import { join } from "node:path";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { openStore } from "../../src/state/index.js";
import { type Receiver, received, startReceiver } from "../helpers/receiver.js";
import { FIXTURES, PROD, REGION, runIdOf, STAGING, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(FIXTURES, "world.yaml"), (s) => {
  sim = s;
});

const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});
async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

/** The CLI in-process with the notifier's timing for tests: every wait is long, a send waits 300 ms at most. */
async function cli(ws: Workspace, ...args: string[]) {
  const out: string[] = [];
  const code = await main(["node", "hikkoshi", ...args, "--endpoint", sim.url, "--state", ws.state], {
    out: (t) => out.push(t),
    err: (t) => out.push(t),
    isTTY: false,
    canPrompt: false,
    cwd: ws.dir,
    env: {
      ...process.env,
      HIKKOSHI_POLL_MS: "10",
      HIKKOSHI_NOTIFY_LONG_WAIT_MS: "0",
      HIKKOSHI_NOTIFY_TIMEOUT_MS: "300",
    },
  });
  return { code, all: out.join("\n") };
}

const failTargetKeys = () =>
  sim.addFaults({ service: "kms", action: "CreateKey", account: STAGING, always: true, code: "AccessDeniedException" });

describe("--notify", () => {
  it("tells a webhook of the long wait, the approval, the failure and each run end, each once across a resume", async () => {
    const hook = await receiver();
    const ws = new Workspace(sim);
    const runbook = ws.add("notify.yaml");
    failTargetKeys();
    const first = await cli(ws, "run", runbook, "--notify", hook.url);
    expect(first.code, first.all).toBe(4);
    const runId = runIdOf(first.all);
    expect(received(hook, "task nap is waiting for sleep until")).toHaveLength(1);
    expect(received(hook, "task nap is waiting for")[0]).toMatch(/deadline \d{4}-\d\d-\d\dT[\d:.]+Z\./);
    const approval = received(hook, "manual step gate waits for approval");
    expect(approval).toEqual([
      `[hikkoshi] it-notify · run ${runId}: manual step gate waits for approval. Check the night's first hour.\n` +
        `Next: hikkoshi approve ${runId} 'gate' && hikkoshi resume ${runId}`,
    ]);
    const failed = received(hook, "task doomed-key failed");
    expect(failed).toEqual([
      `[hikkoshi] it-notify · run ${runId}: task doomed-key failed (AWS_ACCESS_DENIED) after 1 attempt.\n` +
        `Next: hikkoshi status ${runId} (the error and its hint), fix the cause, then hikkoshi resume ${runId}`,
    ]);
    const end = received(hook, `run ${runId} failed after`);
    expect(end).toHaveLength(1);
    expect(end[0]).toMatch(/1 succeeded, 1 failed, 1 awaiting approval of 3\.\nNext: hikkoshi status /);
    expect(hook.texts).toHaveLength(4);
    // Nothing of the AWS error but its code; never the webhook's secret path.
    expect(hook.texts.join("\n")).not.toMatch(/not authorized|fault|secret-part/i);
    expect(first.all).not.toContain("secret-part");

    sim.clearFaults();
    expect((await cli(ws, "approve", runId, "gate")).code).toBe(0);
    const second = await cli(ws, "resume", runId, "--notify", hook.url);
    expect(second.code, second.all).toBe(0);
    // The approval and the failure were said once; the second end is its own occurrence.
    expect(received(hook, "waits for approval")).toHaveLength(1);
    expect(received(hook, "failed (")).toHaveLength(1);
    expect(received(hook, `run ${runId} succeeded after`)).toEqual([
      expect.stringMatching(/: 3 succeeded of 3\.\nNext: hikkoshi report \w+ --out night\.html$/),
    ]);
    expect(hook.texts).toHaveLength(5);
    expect(new Set(hook.texts).size).toBe(5);

    const store = openStore(ws.state);
    try {
      const rows = store.listNotifications(runId);
      // The tasks run at once: their messages come in any order.
      expect(rows.map((r) => [r.kind, r.taskId, r.occurrence, r.state, r.sends]).sort()).toEqual([
        ["approval", "gate", 1, "sent", 1],
        ["failed", "doomed-key", 1, "sent", 1],
        ["run-end", "", 1, "sent", 1],
        ["run-end", "", 2, "sent", 1],
        ["wait", "nap", expect.any(Number), "sent", 1],
      ]);
      expect(rows.every((r) => r.label === new URL(hook.url).origin)).toBe(true);
    } finally {
      store.close();
    }
  });

  it("says a destructive task needs confirmation once, however often a resume without --yes stops before it", async () => {
    const hook = await receiver();
    const ws = new Workspace(sim);
    const runbook = ws.add("move-cleanup.yaml");
    const stopped = await cli(ws, "run", runbook, "--notify", hook.url);
    expect(stopped.code, stopped.all).toBe(7);
    const runId = runIdOf(stopped.all);
    const confirmations = () => received(hook, "needs confirmation; nothing destructive was done");
    expect(confirmations().length).toBeGreaterThan(0);
    expect(confirmations()[0]).toMatch(
      new RegExp(`Next: review with hikkoshi status ${runId}, then hikkoshi resume ${runId} --yes$`),
    );
    const said = confirmations();
    const again = await cli(ws, "resume", runId, "--notify", hook.url);
    expect(again.code, again.all).toBe(7);
    expect(confirmations()).toEqual(said);
    expect(received(hook, `run ${runId} needs confirmation after`)).toHaveLength(2);
    const done = await cli(ws, "resume", runId, "--yes", "--notify", hook.url);
    expect(done.code, done.all).toBe(0);
    expect(confirmations()).toEqual(said);
    expect(received(hook, `run ${runId} succeeded after`)).toHaveLength(1);
    expect(new Set(hook.texts).size).toBe(hook.texts.length);
  });

  it.each([
    ["answers 500", 500 as const, "HTTP 500", "HTTP 500"],
    // The end of the run waits one send's time and a second (1.3 s here) for the run-end message queued behind the
    // approval's: it timed out in turn, or was given up when the wait ended.
    ["never answers", "never" as const, "no answer in time", /^(no answer in time|not sent before the process ended)$/],
  ])("a receiver that %s costs a warning, not the run", async (_what, answer, reason, endReason) => {
    const hook = await receiver(answer);
    const ws = new Workspace(sim);
    const runbook = ws.write(
      "short.yaml",
      [
        "version: 1",
        "name: it-notify-short",
        "accounts:",
        '  source: { id: "111111111111", region: ap-northeast-1 }',
        "steps:",
        "  - { id: nap, type: sleep, account: source, with: { seconds: 1 } }",
        "  - { id: key, type: kms.create-key, account: source, needs: [nap], with: { alias: it/after-nap } }",
        "",
      ].join("\n"),
    );
    const r = await cli(ws, "run", runbook, "--notify", hook.url);
    expect(r.code, r.all).toBe(0);
    expect(r.all).toContain(`notification to ${new URL(hook.url).origin} failed (${reason}): long wait of nap`);
    expect(r.all).toContain("the run goes on");
    expect(hook.hits).toBeGreaterThanOrEqual(1);
    const store = openStore(ws.state);
    try {
      const rows = store.listNotifications(runIdOf(r.all));
      expect(rows.map((n) => [n.kind, n.state, n.error])).toEqual([
        ["wait", "failed", reason],
        ["run-end", "failed", expect.stringMatching(endReason)],
      ]);
    } finally {
      store.close();
    }
  });

  it("publishes to an SNS topic through the account that owns it", async () => {
    const topic = await new SNSClient({
      endpoint: sim.url,
      region: REGION,
      credentials: { accessKeyId: `AKSIM${STAGING}`, secretAccessKey: "x" },
    }).send(new CreateTopicCommand({ Name: "night-ops" }));
    const ws = new Workspace(sim);
    const r = await cli(ws, "run", ws.add("gated.yaml"), "--notify", `sns:${topic.TopicArn}`);
    expect(r.code, r.all).toBe(5);
    const runId = runIdOf(r.all);
    const published = sim.snsPublished();
    expect(published.map((m) => [m.topicArn, m.subject])).toEqual([
      [topic.TopicArn, "hikkoshi it-gated: gate waits for approval"],
      [topic.TopicArn, "hikkoshi it-gated: run waiting approval"],
    ]);
    // As the target account (its role), not the production key the CLI starts from.
    expect(published[0]?.publisher).toMatch(/^arn:aws:sts::222222222222:assumed-role\/hikkoshi-migrator\//);
    expect(published[0]?.message).toContain(`hikkoshi approve ${runId} 'gate'`);
  });

  it("refuses bad --notify values before anything runs (exit 2)", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("gated.yaml");
    const r = await cli(
      ws,
      "run",
      runbook,
      "--notify",
      "http://hooks.example.com/x",
      "--notify",
      "sns:arn:aws:sns:ap-northeast-1:999999999999:ops",
      "--notify",
      "sns:arn:aws:sns:ap-northeast-1:1234:ops",
    );
    expect(r.code, r.all).toBe(2);
    expect(r.all).toContain("http://hooks.example.com is not https:// (http only to localhost)");
    expect(r.all).toContain("belongs to account 999999999999, which is not one of the runbook's accounts");
    expect(r.all).toContain("is not sns:arn:aws:sns:<region>:<12-digit account id>:<topic name>");
    expect(sim.stats().calls).toEqual({});
    expect(PROD).toBe("111111111111");
  });
});
