/**
 * The run-end notice of a parked run says so, with the code and the account (never AWS's message), and that
 * the credentials come first; other ends are unchanged.
 */
import { describe, expect, it } from "vitest";
import { runEndMessage } from "../../src/cli/notify/messages.js";

const run = { runId: "abc234", runbook: "demo-split" };
const end = {
  state: "interrupted",
  counts: { succeeded: 3, pending: 2, total: 5 },
  durationMs: 65_000,
  awaitingApproval: [],
};

describe("runEndMessage", () => {
  it("a parked run: code, account, and renew before resume", () => {
    const m = runEndMessage(run, { ...end, reason: { code: "CREDENTIALS_EXPIRED", alias: "target" } });
    expect(m.text).toContain("Parked, nothing failed: CREDENTIALS_EXPIRED (credentials of target).");
    expect(m.text).toContain("Next: renew the credentials, then hikkoshi resume abc234");
  });

  it("an interrupted run without a reason is told to resume, nothing about credentials", () => {
    const m = runEndMessage(run, end);
    expect(m.text).not.toContain("Parked");
    expect(m.text).toContain("Next: hikkoshi resume abc234");
  });
});
