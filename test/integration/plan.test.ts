/**
 * `plan` is strictly read-only and prints a stable plan; `run --plan` applies exactly a reviewed plan and
 * refuses when the world or the runbook moved since.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateDBSnapshotCommand, RDSClient } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/engine/index.js";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { builtinRegistry } from "../../src/steps/index.js";
import { assertPlanValid } from "../helpers/plan-schema.js";
import {
  DEMO_RUNBOOK,
  FIXTURES,
  mutatingCalls,
  PROD,
  REGION,
  STAGING,
  useSimulatorWorld,
  Workspace,
} from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(FIXTURES, "world.yaml"), (s) => {
  sim = s;
});

const prodClients = () => {
  const config = {
    endpoint: sim.url,
    region: REGION,
    credentials: { accessKeyId: `AKSIM${PROD}`, secretAccessKey: "x" },
  };
  return { kms: new KMSClient(config), rds: new RDSClient(config) };
};

const TASK_KEYS = [
  "account",
  "accountId",
  "action",
  "destructive",
  "id",
  "irreversible",
  "observations",
  "preconditions",
  "region",
  "resources",
  "step",
  "summary",
  "topStep",
  "type",
];

describe("plan is strictly read-only", () => {
  it("plan (human, --json and --out) of a runbook using every step type makes no mutating call", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("every-step.yaml");
    sim.resetStats();

    const human = await ws.cli("plan", runbook, "--detail");
    const json = await ws.cli("plan", runbook, "--json");
    const saved = await ws.cli("plan", runbook, "--out", "p.json");
    const exitcode = await ws.cli("plan", runbook, "--detailed-exitcode");

    const stats = sim.stats();
    expect(mutatingCalls(stats)).toEqual({});
    expect(stats.mutating).toBe(0);
    expect(stats.total).toBeGreaterThan(0); // it did look
    for (const r of [human, json, saved]) expect(r.code, r.all).toBe(0);
    // As Terraform's: 2 = the plan changes something.
    expect(exitcode.code, exitcode.all).toBe(2);
    // The first screen decides go / no go; the tiers and the stories follow.
    expect(human.out).toMatch(/^Plan: it-every-step · \d+ tasks, \d+ change something/);
    expect(human.out).toContain("Blocking problems: none");
    expect(human.out).toContain("Nothing that loses source data or a name.");
    expect(human.out).toMatch(/2 action\(s\) remove this run's own intermediates/);
    expect(human.out).toMatch(/reversible for a while: tidy: /);
    expect(human.out).toMatch(/\nmove \(RDS, 6 task\(s\)/);

    expect(human.out).toContain("read-only observation; nothing has been changed");
    expect(human.out).toMatch(/app-key .*\n\s+MODIFY: extend the key policy of alias\/app-data to admit 222222222222/);
    expect(human.out).toContain("! warning KEY_POLICY_MISSING_ACCOUNTS");
    expect(saved.out).toContain(`hikkoshi run ${runbook} --plan p.json`);
    expect(existsSync(join(ws.dir, "p.json"))).toBe(true);

    // The plan's stable JSON format.
    const plan = JSON.parse(json.out) as Plan;
    expect(plan.format).toBe("hikkoshi-plan/1");
    expect(Number.isNaN(Date.parse(plan.createdAt))).toBe(false);
    expect(plan.runbook).toMatchObject({ name: "it-every-step", path: runbook });
    expect(plan.runbook.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.accounts).toEqual({
      source: { id: PROD, region: REGION, callerArn: `arn:aws:iam::${PROD}:user/sim-user` },
      target: {
        id: STAGING,
        region: REGION,
        callerArn: expect.stringContaining(`arn:aws:sts::${STAGING}:assumed-role/hikkoshi-migrator/`),
      },
    });
    expect(plan.tasks.length).toBe(plan.summary.tasks);
    for (const t of plan.tasks) {
      for (const key of TASK_KEYS) expect(t, `${t.id} lacks ${key}`).toHaveProperty(key);
      expect(typeof t.destructive).toBe("boolean");
      expect(Array.isArray(t.preconditions)).toBe(true);
      expect(typeof t.observations).toBe("object");
      expect(t.accountId).toBe(t.account === "source" ? PROD : STAGING);
      for (const p of t.preconditions) {
        expect(p.ok).toBe(false); // only failing checks are listed
        expect(["error", "warning"]).toContain(p.severity);
        expect(p.code).toMatch(/^[A-Z_]+$/);
      }
    }
    const byId = new Map(plan.tasks.map((t) => [t.id, t]));
    expect(byId.get("gate")?.action).toBe("manual");
    expect(byId.get("app-key")?.action).toBe("modify");
    expect(byId.get("new-key")?.action).toBe("create");
    expect(byId.get("snap")?.action).toBe("create");
    expect(byId.get("from-automated")?.action).toBe("copy");
    expect(byId.get("reencrypt")?.action).toBe("copy");
    expect(byId.get("share")?.action).toBe("share");
    expect(byId.get("wait-shared")?.action).toBe("already-done");
    expect(byId.get("pause")?.action).toBe("wait");
    expect(byId.get("join")?.action).toBe("noop");
    expect([...byId.keys()].filter((id) => id.startsWith("move."))).toEqual([
      "move.snapshot",
      "move.reencrypt",
      "move.share",
      "move.copy",
      "move.cleanup-reencrypt",
      "move.cleanup-snapshot",
    ]);
    // Every RDS/KMS/utility step type of the registry appears (recipes through their primitives); the S3
    // types' read-only plans are checked in test/steps/s3-*, the EC2 ones in test/integration/ec2.test.ts,
    // DynamoDB's and ElastiCache's in test/integration/data-move.test.ts.
    const elsewhere = /^(s3|ec2|dynamodb|elasticache)\./;
    const primitives = builtinRegistry()
      .types()
      .filter((t) => builtinRegistry().primitive(t) && !elsewhere.test(t));
    expect(new Set(plan.tasks.map((t) => t.type).filter((t) => !elsewhere.test(t)))).toEqual(new Set(primitives));
    // move's cleanup: two deletes, flagged destructive and irreversible.
    const deletes = plan.tasks.filter((t) => t.type === "rds.delete-snapshot");
    expect(deletes.map((t) => t.id)).toEqual(["move.cleanup-reencrypt", "move.cleanup-snapshot"]);
    for (const t of deletes) {
      expect(t).toMatchObject({ action: "delete", destructive: true, irreversible: true, danger: "intermediate" });
    }
    // …and the cleanup step that retires the new key: scheduled, cancellable for the waiting period.
    expect(byId.get("tidy")).toMatchObject({
      action: "delete",
      destructive: true,
      irreversible: false,
      danger: "reversible",
    });
    expect(byId.get("tidy")?.summary).toContain("7-day waiting period");
    expect(plan.tasks.filter((t) => t.destructive).length).toBe(3);
    expect(plan.summary).toEqual({
      tasks: plan.tasks.length,
      destructive: 3,
      irreversible: 2,
      blocking: 0,
      warnings: 1,
      danger: { source: 0, intermediate: 2, reversible: 1 },
      changes: expect.any(Number),
    });
    expect(human.out).toMatch(/move\.cleanup-reencrypt .*\n\s+DELETE — removes this run's own intermediates: /);
    expect(human.out).toMatch(/tidy .*\n\s+DELETE — reversible for a while \(cancellable\): /);
    // Every task belongs to exactly one resource's story.
    expect(plan.resources.flatMap((r) => r.tasks).sort()).toEqual(plan.tasks.map((t) => t.id).sort());
    expect(plan.resources.find((r) => r.id === "move")).toMatchObject({ family: "RDS" });
    // --out saves the same plan --json prints (but for the time it was made).
    const file = JSON.parse(readFileSync(join(ws.dir, "p.json"), "utf8")) as Plan;
    expect({ ...file, createdAt: "" }).toEqual({ ...plan, createdAt: "" });
  });

  it("plan of the demo move changes nothing either", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add(DEMO_RUNBOOK);
    // The demo runbook against this world: its databases do not exist here, which the plan reports.
    sim.resetStats();
    const r = await ws.cli("plan", runbook, "--json");
    expect(r.code).toBe(3);
    expect(sim.stats().mutating).toBe(0);
    const plan = JSON.parse(r.out) as Plan;
    expect(plan.tasks.filter((t) => t.preconditions.some((p) => p.code === "SOURCE_NOT_FOUND")).length).toBe(5);
  });
});

describe("run --plan applies exactly the reviewed plan", () => {
  it("applies an unchanged plan", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("plan-apply.yaml");
    expect((await ws.cli("plan", runbook, "--out", "p.json")).code).toBe(0);
    const r = await ws.cli("run", runbook, "--plan", "p.json");
    expect(r.code, r.all).toBe(0);
    const source = sim.dump().accounts[PROD]!.regions[REGION]!;
    expect(source.kmsKeys.filter((k) => k.aliases.includes("alias/it/plan-key"))).toHaveLength(1);
    expect(source.dbSnapshots.find((s) => s.id === "it-plan-orders")?.status).toBe("available");
  });

  it("refuses with exit 3 and lists the drift when AWS changed what a task observed", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("plan-apply.yaml");
    expect((await ws.cli("plan", runbook, "--out", "p.json")).code).toBe(0);

    // Someone else creates the alias and the snapshot meanwhile.
    const { kms, rds } = prodClients();
    const key = await kms.send(new CreateKeyCommand({ Description: "made by hand" }));
    await kms.send(new CreateAliasCommand({ AliasName: "alias/it/plan-key", TargetKeyId: key.KeyMetadata!.KeyId! }));
    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders-db", DBSnapshotIdentifier: "it-plan-orders" }),
    );
    kms.destroy();
    rds.destroy();

    sim.resetStats();
    const r = await ws.cli("run", runbook, "--plan", "p.json");
    expect(r.code, r.all).toBe(3);
    expect(r.err).toContain("PLAN_DRIFT");
    expect(r.err).toContain('task share-key: action was "create", now "modify"');
    expect(r.err).toContain('task snap: action was "create", now "already-done"');
    expect(r.err).toMatch(/task snap: snapshot was null, now \{/);
    expect(r.err).toContain("hikkoshi plan");
    expect(sim.stats().mutating).toBe(0);
    expect(await ws.cli("runs", "--json").then((x) => JSON.parse(x.out))).toEqual([]);
  });

  it("refuses with exit 3 when the runbook was edited after the plan", async () => {
    const ws = new Workspace(sim);
    const runbook = ws.add("plan-apply.yaml");
    expect((await ws.cli("plan", runbook, "--out", "p.json")).code).toBe(0);
    ws.edit("plan-apply.yaml", "alias: it/plan-key", "alias: it/other-key");

    sim.resetStats();
    const r = await ws.cli("run", runbook, "--plan", "p.json");
    expect(r.code, r.all).toBe(3);
    expect(r.err).toContain("PLAN_DRIFT");
    expect(r.err).toContain(`runbook ${runbook} changed since the plan was made`);
    expect(sim.stats().mutating).toBe(0);
    expect(sim.dump().accounts[PROD]!.regions[REGION]!.kmsKeys.flatMap((k) => k.aliases)).not.toContain(
      "alias/it/other-key",
    );
  });
});

describe("plan display", () => {
  it("sizes read at a glance", async () => {
    const { formatGb } = await import("../../src/cli/format.js");
    expect([200, 12.4, 1.456, 0.03, 0.000294, 0].map(formatGb)).toEqual([
      "200 GB",
      "12 GB",
      "1.46 GB",
      "0.03 GB",
      "< 0.01 GB",
      "0 GB",
    ]);
  });
});

describe("the plan's published schema", () => {
  it("hikkoshi schema --plan prints it; an every-step plan and a blocked one conform (so does every plan the tests make)", async () => {
    const ws = new Workspace(sim);
    const printed = await ws.cli("schema", "--plan");
    expect(printed.code, printed.all).toBe(0);
    expect(JSON.parse(printed.out)).toMatchObject({
      title: "hikkoshi plan",
      properties: { format: { const: "hikkoshi-plan/1" } },
    });
    for (const fixture of ["every-step.yaml", "share-aws-managed.yaml"]) {
      const r = await ws.cli("plan", ws.add(fixture), "--json");
      const plan = JSON.parse(r.out) as Plan;
      expect(() => assertPlanValid(plan, fixture)).not.toThrow();
      // The schema is not a rubber stamp: a task without its tier's vocabulary, or an unknown field, fails.
      const broken = structuredClone(plan);
      (broken.tasks[0] as unknown as Record<string, unknown>).danger = "scary";
      expect(() => assertPlanValid(broken, "broken")).toThrow(/danger/);
      expect(() => assertPlanValid({ ...plan, extra: 1 }, "extra")).toThrow(/additional/);
    }
  });
});
