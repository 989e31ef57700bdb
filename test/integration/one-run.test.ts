/**
 * One live run per migration: a run belongs to its runbook name and its set of account ids. While one is
 * unfinished, `run` of the same migration is refused (exit 6) naming the run, its state and how to resume
 * it; `run --abandon RUN` starts over and records who abandoned the old run. Another runbook, or the same
 * runbook on other accounts, is another migration.
 */
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { FIXTURES, ndjson, PROD, REGION, runIdOf, useSimulatorWorld, Workspace } from "./helpers.js";

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

  it("a shared lock in S3 lets runs in different state files see each other", async () => {
    const s3 = new S3Client({
      endpoint: sim.url,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: `AKSIM${PROD}`, secretAccessKey: "simulator" },
    });
    await s3.send(
      new CreateBucketCommand({ Bucket: "it-team-locks", CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    const lockKey = "hikkoshi/locks/it-gated.111111111111-222222222222.lock.json";
    const laptop = new Workspace(sim);
    const ci = new Workspace(sim); // another state file: it cannot see the laptop's runs
    const text = laptop
      .read(laptop.add("gated.yaml") && "gated.yaml")
      .replace("accounts:", "lock: { account: source, bucket: it-team-locks }\naccounts:");
    const a = laptop.write("gated-locked.yaml", text);
    const b = ci.write("gated-locked.yaml", text);

    const first = await laptop.cli("run", a);
    expect(first.code, first.all).toBe(5);
    const firstId = runIdOf(first.out);
    const lock = JSON.parse(
      await (await s3.send(new GetObjectCommand({ Bucket: "it-team-locks", Key: lockKey }))).Body!.transformToString(),
    );
    expect(lock).toMatchObject({ runId: firstId, runbook: "it-gated", stateFile: laptop.state });

    const refused = await ci.cli("run", b);
    expect(refused.code, refused.all).toBe(6);
    expect(refused.err).toContain(`held by run ${firstId} of it-gated`);
    expect(refused.err).toContain(`hikkoshi resume ${firstId} --state ${laptop.state}`);

    // Starting over from the other state file, naming the run it replaces.
    const over = await ci.cli("run", b, "--abandon", firstId);
    expect(over.code, over.all).toBe(5);
    const secondId = runIdOf(over.out);
    const journal = ndjson<{ action: string; detail?: Record<string, unknown> }>(
      (await ci.cli("log", secondId, "--json")).out,
    );
    expect(journal.find((e) => e.action === "abandon")?.detail).toMatchObject({ abandoned: firstId, sharedLock: true });

    // The laptop's run is no longer the live one: its resume is refused, naming the new holder.
    const stale = await laptop.cli("resume", firstId);
    expect(stale.code, stale.all).toBe(6);
    expect(stale.err).toContain(`held by run ${secondId}`);

    // The new run finishes: the migration's lock is released.
    expect((await ci.cli("approve", secondId, "gate")).code).toBe(0);
    const done = await ci.cli("resume", secondId);
    expect(done.code, done.all).toBe(0);
    expect(done.out).toContain("released the shared lock s3://it-team-locks/");
    await expect(s3.send(new GetObjectCommand({ Bucket: "it-team-locks", Key: lockKey }))).rejects.toMatchObject({
      name: "NoSuchKey",
    });
    s3.destroy();
  });
});
