import { describe, expect, it } from "vitest";
import { statusCommand } from "../../src/cli/commands/status.js";
import type { CliIO } from "../../src/cli/io.js";
import { runJson, taskJson } from "../../src/cli/render/json-times.js";
import { type NewTask, openStore } from "../../src/state/index.js";
import { newRun, newTasks, tempDir } from "../state/helpers.js";

function stepTasks(step: string, n: number, from: number): NewTask[] {
  return newTasks(n, step).map((t, i) => ({ ...t, taskId: n === 1 ? step : `${step}[${i}]`, seq: from + i }));
}

/** keys (1 task), copy (1,203: most succeeded, 2 failed, 1 waiting, 1 running, 1 skipped, 3 pending), gate. */
function statePath(): string {
  const path = `${tempDir()}/state.db`;
  const store = openStore(path);
  const copy = stepTasks("copy", 1203, 1);
  store.createRun(newRun("r1", [...stepTasks("keys", 1, 0), ...copy, ...stepTasks("gate", 1, 1204)]));
  store.startTask("r1", "keys");
  store.succeedTask("r1", "keys", { keyArn: "arn:aws:kms:ap-northeast-1:111111111111:key/k", none: null });
  for (const [i, t] of copy.entries()) {
    if (i >= 1200) continue; // pending
    if (i === 1199) {
      store.skipTask("r1", t.taskId, "never");
      continue;
    }
    store.startTask("r1", t.taskId);
    if (i < 1195) store.succeedTask("r1", t.taskId, { n: i });
    else if (i < 1197) store.failTask("r1", t.taskId, { code: "AccessDenied", message: "no", hint: "grant it" });
    else if (i === 1197) store.enterWait("r1", t.taskId, { what: "copy job", deadlineAt: 1_800_000_000_000 });
  }
  store.startTask("r1", "gate");
  store.requestApproval("r1", "gate");
  store.close();
  return path;
}

function status(path: string, opts: { json?: boolean; all?: boolean } = {}) {
  const out: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: () => {}, isTTY: false, canPrompt: false, env: {}, cwd: "/" };
  expect(statusCommand(io, "r1", { state: path, ...opts })).toBe(0);
  return out.join("\n");
}

describe("status of a large run", () => {
  it("sums up each step's settled tasks and lists only what needs a look", () => {
    const text = status(statePath());
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^Run r1 {2}INTERRUPTED/);
    expect(text).toContain(
      "tasks: 3 pending, 1 running, 1 waiting, 1 awaiting_approval, 1196 succeeded, 2 failed, 1 skipped (of 1205)",
    );
    expect(lines.find((l) => l.startsWith("keys "))).toContain("keyArn=arn:aws:kms:");
    expect(lines.find((l) => l.startsWith("copy (s3.copy) "))).toMatch(
      /1203 tasks .*1195 succeeded, 1 skipped, 2 failed, 1 waiting, 1 running, 3 pending$/,
    );
    expect(lines.filter((l) => l.startsWith("  copy["))).toEqual([
      expect.stringMatching(/^ {2}copy\[1195\] +failed +1 .* AccessDenied: no$/),
      expect.stringMatching(/^ {2}copy\[1196\] +failed/),
      expect.stringMatching(/^ {2}copy\[1197\] +waiting .*copy job \(deadline 2027-01-15T08:00:00Z\)$/),
      expect.stringMatching(/^ {2}copy\[1198\] +running/),
    ]);
    expect(lines.filter((l) => l.trim().startsWith("hint: grant it"))).toHaveLength(2);
    expect(text).toContain("hikkoshi approve r1 'gate'");
    expect(text).toContain(
      "1199 succeeded, skipped or pending tasks are counted per step, not listed: `hikkoshi status r1 --all`",
    );
    expect(lines.length).toBeLessThan(20);
  });

  it("--all lists every task", () => {
    const lines = status(statePath(), { all: true }).split("\n");
    expect(lines.filter((l) => /^(keys|gate|copy\[\d+\]) /.test(l))).toHaveLength(1205);
    expect(lines.find((l) => l.startsWith("copy[7] "))).toMatch(/succeeded +1 .* n=7$/);
  });

  it("--json is every task as taskJson makes it (same keys, order and values), one task per line", () => {
    const path = statePath();
    const store = openStore(path);
    const { runbookText: _t, ...run } = store.getRun("r1")!;
    const tasks = store.listTasks("r1").map(({ defJson: _d, ...t }) => taskJson(t));
    const whole = { run: runJson(run), counts: store.taskCounts("r1"), tasks };
    store.close();
    const printed = status(path, { json: true });
    expect(JSON.stringify(JSON.parse(printed))).toBe(JSON.stringify(whole));
    const taskLines = printed.split("\n").filter((l) => l.startsWith('    {"runId":'));
    expect(taskLines).toHaveLength(tasks.length);
    expect(JSON.parse(taskLines[0]!.replace(/,$/, ""))).toEqual(JSON.parse(JSON.stringify(tasks[0])));
  });

  it("--json of a run without tasks", () => {
    const path = `${tempDir()}/state.db`;
    const store = openStore(path);
    store.createRun(newRun("r1", []));
    const { runbookText: _t, ...run } = store.getRun("r1")!;
    const whole = JSON.stringify({ run: runJson(run), counts: store.taskCounts("r1"), tasks: [] }, null, 2);
    store.close();
    expect(status(path, { json: true })).toBe(whole);
  });
});
