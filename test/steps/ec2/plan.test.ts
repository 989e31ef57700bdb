import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isUnresolved, type PlanResult, type StepDefinition, type Unresolved } from "../../../src/steps/define.js";
import { ec2CopySnapshot } from "../../../src/steps/ec2/copy-snapshot.js";
import { ec2MoveImage } from "../../../src/steps/ec2/move-image.js";
import { ec2MoveSnapshot } from "../../../src/steps/ec2/move-snapshot.js";
import { builtinRegistry } from "../../../src/steps/index.js";
import { selfRefOf } from "../setup.js";
import { type Ec2World, SEED, STAGING, startEc2World, succeededMutations } from "./setup.js";

let world: Ec2World;
beforeEach(async () => {
  world = await startEc2World();
});
afterEach(() => world.close());

const registry = builtinRegistry();
const TEMPLATE = /^\$\{\{ steps\.([\w.-]+)\.outputs\.(\w+) \}\}$/;

/** Plan-time substitution: a predicted output, or an Unresolved marker when none was predicted. */
function predicted(value: unknown, plans: Map<string, PlanResult>): unknown {
  if (typeof value === "string") {
    const region = /^\$\{\{ accounts\.([\w-]+)\.region \}\}$/.exec(value);
    if (region) return world.h.accounts[region[1]!]?.region;
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

const expanded = (id: string, steps: ReturnType<typeof ec2MoveImage.expand>) =>
  steps.map((s) => ({ id: `${id}.${s.localId}`, type: s.type, account: s.account, with: s.with }));

describe("plan of the EC2 moves", () => {
  it("plans both moves (keys made by earlier steps, nothing exists yet) without changing the world", async () => {
    const before = world.sim.dump();
    world.sim.resetStats();
    const common = {
      from: "source",
      to: "target",
      shareKey: "${{ steps.share-key.outputs.keyArn }}",
      targetKey: "${{ steps.target-key.outputs.keyArn }}",
      cleanup: true,
    };
    const vol = ec2MoveSnapshot.expand(
      ec2MoveSnapshot.params.parse({ ...common, volumeId: SEED.volAwsKey }) as Record<string, unknown>,
      { selfRef: selfRefOf("vol") },
    );
    const img = ec2MoveImage.expand(
      ec2MoveImage.params.parse({ ...common, image: SEED.amiAwsKey }) as Record<string, unknown>,
      { selfRef: selfRefOf("img") },
    );
    const plans = await planAll([
      {
        id: "share-key",
        type: "kms.create-key",
        account: "source",
        with: { alias: "hk/ebs", allowAccounts: ["target"] },
      },
      { id: "target-key", type: "kms.create-key", account: "target", with: { alias: "staging-data" } },
      ...expanded("vol", vol),
      ...expanded("img", img),
    ]);

    expect(succeededMutations(world.sim)).toEqual({});
    expect(world.sim.dump()).toEqual(before);
    expect([...plans].map(([id, p]) => [id, p.action])).toEqual([
      ["share-key", "create"],
      ["target-key", "already-done"],
      ["vol.snapshot", "create"],
      ["vol.reencrypt", "copy"],
      ["vol.share", "share"],
      ["vol.copy", "copy"],
      ["vol.cleanup-reencrypt", "delete"],
      ["vol.cleanup-snapshot", "delete"],
      ["img.reencrypt", "copy"],
      ["img.share", "share"],
      ["img.copy", "copy"],
      ["img.cleanup-reencrypt", "delete"],
    ]);
    const blocking = [...plans].flatMap(([id, p]) =>
      p.preconditions.filter((c) => !c.ok && c.severity === "error").map((c) => `${id}: ${c.code}`),
    );
    expect(blocking).toEqual([]);
    // Every mutating EC2 step ran its dry run.
    for (const id of [
      "vol.snapshot",
      "vol.reencrypt",
      "vol.share",
      "vol.copy",
      "img.reencrypt",
      "img.share",
      "img.copy",
    ]) {
      expect(plans.get(id)?.preconditions.some((c) => c.code.startsWith("EC2_DRY_RUN_"))).toBe(true);
    }
    expect(plans.get("vol.snapshot")?.estimate).toMatchObject({ sizeGb: 100 });
    expect(plans.get("img.reencrypt")?.estimate).toMatchObject({ sizeGb: 8 });
    expect(isUnresolved(plans.get("vol.snapshot")?.predictedOutputs?.snapshotId)).toBe(true);
    expect(plans.get("vol.cleanup-snapshot")).toMatchObject({ destructive: true, irreversible: true });
    for (const p of plans.values())
      expect(JSON.parse(JSON.stringify(p.observations ?? {}))).toEqual(p.observations ?? {});
  });

  it("a share key whose policy omits the target blocks the snapshot move at plan time", async () => {
    const steps = ec2MoveSnapshot.expand(
      ec2MoveSnapshot.params.parse({
        from: "source",
        to: "target",
        snapshotId: SEED.snapPlain,
        shareKey: "alias/prod-only",
        targetKey: "alias/staging-data",
      }) as Record<string, unknown>,
      { selfRef: selfRefOf("mv") },
    );
    const plans = await planAll(expanded("mv", steps));
    const codes = [...plans].flatMap(([id, p]) => p.preconditions.filter((c) => !c.ok).map((c) => `${id}: ${c.code}`));
    expect(codes).toEqual(["mv.share: KEY_POLICY_MISSING_ACCOUNTS"]);
    expect(plans.get("mv.share")?.preconditions.find((c) => !c.ok)?.message).toContain(STAGING);
  });

  it("snapshot copies queue per destination account and region (and cross-region)", () => {
    const account = { alias: "target", id: STAGING, region: "ap-northeast-1" };
    const p = ec2CopySnapshot.params.parse({ source: SEED.snapPlain, kmsKeyId: "alias/x" });
    expect(ec2CopySnapshot.concurrencyKeys?.(p, { account })).toEqual([`ec2-copy:${STAGING}:ap-northeast-1`]);
    const cross = ec2CopySnapshot.params.parse({
      source: SEED.snapPlain,
      kmsKeyId: "alias/x",
      sourceRegion: "us-east-1",
    });
    expect(ec2CopySnapshot.concurrencyKeys?.(cross, { account })).toEqual([
      `ec2-copy:${STAGING}:ap-northeast-1`,
      `ec2-copy-cross-region:${STAGING}:ap-northeast-1`,
    ]);
  });
});
