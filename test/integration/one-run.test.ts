/**
 * One live run per migration: a run belongs to its runbook name and its set of account ids. While one is
 * unfinished, `run` of the same migration is refused (exit 6) naming the run, its state and how to resume
 * it; `run --abandon RUN` starts over and records who abandoned the old run. Another runbook, or the same
 * runbook on other accounts, is another migration.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { FIXTURES, ndjson, runIdOf, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(FIXTURES, "world.yaml"), (s) => {
  sim = s;
});

describe("one live run per migration", () => {
  it("refuses a second run while the first is unfinished; --abandon starts over and records who", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("gated.yaml");
    const first = await ws.cli("run", runbook);
    expect(first.code, first.all).toBe(5); // parked at the manual gate
    const firstId = runIdOf(first.out);

    sim.resetStats();
    const again = await ws.cli("run", runbook);
    expect(again.code, again.all).toBe(6);
    expect(again.err).toContain(`run ${firstId} of runbook it-gated on the same accounts is waiting_approval`);
    expect(again.err).toContain(`hikkoshi resume ${firstId}`);
    expect(again.err).toContain(`--abandon ${firstId}`);
    // Refused before anything: not even the preflight's reads.
    expect(sim.stats().total).toBe(0);

    // --abandon names a run that is not this migration's: refused, nothing abandoned.
    const wrong = await ws.cli("run", runbook, "--abandon", "nope");
    expect(wrong.code, wrong.all).not.toBe(0);
    expect(JSON.parse((await ws.cli("status", firstId, "--json")).out).run.abandoned).toBeUndefined();

    const over = await ws.cli("run", runbook, "--abandon", firstId);
    expect(over.code, over.all).toBe(5);
    const secondId = runIdOf(over.out);
    expect(secondId).not.toBe(firstId);
    const runs = await ws.cli("runs");
    expect(runs.out).toMatch(new RegExp(`${firstId}\\s+abandoned \\(waiting_approval; by \\S+`));
    const journal = ndjson<{ kind: string; action: string; actor: string; detail?: { replacedBy?: string } }>(
      (await ws.cli("log", firstId, "--json")).out,
    );
    expect(journal.filter((e) => e.action === "abandon")).toEqual([
      expect.objectContaining({ kind: "run", detail: expect.objectContaining({ replacedBy: secondId }) }),
    ]);
    // The abandoned run is not resumed by mistake as "the latest": the new one is.
    const third = await ws.cli("run", runbook);
    expect(third.code).toBe(6);
    expect(third.err).toContain(`run ${secondId} of runbook it-gated`);
  });

  it("another runbook name, or the same runbook on other accounts, is another migration", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("gated.yaml");
    expect((await ws.cli("run", runbook)).code).toBe(5);
    const renamed = ws.write("renamed.yaml", ws.read("gated.yaml").replace("name: it-gated", "name: it-gated-2"));
    const other = await ws.cli("run", renamed);
    expect(other.code, other.all).toBe(5);
  });
});
