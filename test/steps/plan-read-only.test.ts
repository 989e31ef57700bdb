import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Json } from "../../src/core/json.js";
import { isUnresolved, type PlanResult, type StepDefinition, type Unresolved } from "../../src/steps/define.js";
import { builtinRegistry } from "../../src/steps/index.js";
import { rdsMoveSnapshot } from "../../src/steps/rds/move-snapshot.js";
import { startWorld, type World } from "./setup.js";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.close());

const registry = builtinRegistry();
const TEMPLATE = /^\$\{\{ steps\.([\w.-]+)\.outputs\.(\w+) \}\}$/;

/** Plan-time substitution: a predicted output, or an Unresolved marker when none was predicted. */
function predicted(value: unknown, plans: Map<string, PlanResult>): unknown {
  if (typeof value === "string") {
    const m = TEMPLATE.exec(value);
    if (!m) return value;
    const out = plans.get(m[1]!)?.predictedOutputs?.[m[2]!];
    return out === undefined ? ({ $unresolved: `steps.${m[1]}.outputs.${m[2]}` } satisfies Unresolved) : out;
  }
  if (Array.isArray(value)) return value.map((v) => predicted(v, plans));
  return value;
}

async function planAll(tasks: Array<{ id: string; type: string; account: string; with: Record<string, unknown> }>) {
  const plans = new Map<string, PlanResult>();
  for (const t of tasks) {
    const def = registry.primitive(t.type) as StepDefinition<any>;
    const params = Object.fromEntries(Object.entries(t.with).map(([k, v]) => [k, predicted(v, plans)]));
    plans.set(t.id, await world.h.plan(def, t.account, params, t.id));
  }
  return plans;
}

describe("plan", () => {
  it("plans a whole move (keys created by earlier steps, nothing exists yet) without one mutating call", async () => {
    world.sim.resetStats();
    const move = rdsMoveSnapshot
      .expand(
        rdsMoveSnapshot.params.parse({
          from: "source",
          to: "target",
          instance: "api-db",
          shareKey: "${{ steps.share-key.outputs.keyArn }}",
          targetKey: "${{ steps.target-key.outputs.keyArn }}",
        }) as Record<string, unknown>,
        { selfRef: (local, output) => `\${{ steps.db.${local}.outputs.${output} }}` },
      )
      .map((s) => ({ id: `db.${s.localId}`, type: s.type, account: s.account, with: s.with }));
    const plans = await planAll([
      { id: "freeze", type: "manual", account: "source", with: { instructions: "stop writers" } },
      {
        id: "share-key",
        type: "kms.create-key",
        account: "source",
        with: { alias: "hk/split", allowAccounts: ["target"] },
      },
      { id: "target-key", type: "kms.create-key", account: "target", with: { alias: "staging-data" } },
      ...move,
      { id: "nap", type: "sleep", account: "source", with: { seconds: 5 } },
      {
        id: "wait",
        type: "rds.wait-snapshot",
        account: "target",
        with: { snapshot: "${{ steps.db.copy.outputs.snapshotArn }}" },
      },
    ]);

    expect(world.sim.stats().mutating).toBe(0);
    expect(world.sim.stats().total).toBeGreaterThan(5);
    expect([...plans].map(([id, p]) => [id, p.action])).toEqual([
      ["freeze", "manual"],
      ["share-key", "create"],
      ["target-key", "already-done"],
      ["db.snapshot", "create"],
      ["db.reencrypt", "copy"],
      ["db.share", "share"],
      ["db.copy", "copy"],
      ["nap", "wait"],
      ["wait", "wait"],
    ]);
    const blocking = [...plans].flatMap(([id, p]) =>
      p.preconditions.filter((c) => !c.ok && c.severity === "error").map((c) => `${id}: ${c.code}`),
    );
    expect(blocking).toEqual([]);
    expect(isUnresolved(plans.get("db.reencrypt")?.predictedOutputs?.kmsKeyId)).toBe(true);
    expect(plans.get("db.snapshot")?.estimate).toMatchObject({ sizeGb: 20, durationSeconds: 480 });
    expect(plans.get("db.copy")?.predictedOutputs?.snapshotArn).toBe(
      "arn:aws:rds:ap-northeast-1:222222222222:snapshot:hk-run-db-copy",
    );
    // Observations are plain JSON, so a saved plan can be compared with a fresh one.
    for (const p of plans.values())
      expect(JSON.parse(JSON.stringify(p.observations ?? {}))).toEqual(p.observations ?? {});
  });

  it("a share key whose policy omits the target blocks the move at plan time", async () => {
    const plans = await planAll([
      { id: "db.snapshot", type: "rds.create-snapshot", account: "source", with: { instance: "api-db" } },
      {
        id: "db.reencrypt",
        type: "rds.copy-snapshot",
        account: "source",
        with: { source: "${{ steps.db.snapshot.outputs.snapshotId }}", kmsKeyId: "alias/app-data", forSharing: true },
      },
      {
        id: "db.share",
        type: "rds.share-snapshot",
        account: "source",
        with: {
          snapshot: "${{ steps.db.reencrypt.outputs.snapshotId }}",
          accounts: ["target"],
          kmsKeyId: "alias/app-data",
        },
      },
    ]);
    const codes = plans
      .get("db.share")
      ?.preconditions.filter((p) => !p.ok)
      .map((p) => p.code);
    expect(codes).toEqual(["KEY_POLICY_MISSING_ACCOUNTS"]);
    expect(world.sim.stats().mutating).toBe(0);
  });

  it("the plan-time AWS access refuses mutating calls outright", async () => {
    const ctx = world.h.planContext("source", "x");
    const { CreateKeyCommand } = await import("@aws-sdk/client-kms");
    await expect(
      (ctx.aws as unknown as { mutate: (...a: unknown[]) => Promise<Json> }).mutate(
        "source",
        "kms",
        new CreateKeyCommand({}),
        "k",
      ),
    ).rejects.toMatchObject({ code: "PLAN_READ_ONLY" });
  });
});
