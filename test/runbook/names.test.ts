/**
 * Tasks whose AWS names would be the same are refused at validation, naming both: names keep only
 * [a-z0-9-] (RDS lower-cases identifiers), so ids that differ only in case or punctuation collide.
 */
import { describe, expect, it } from "vitest";
import { taskResourceName } from "../../src/engine/names.js";
import { nameStem } from "../../src/runbook/names.js";
import { brief, failures, load, withSteps } from "./helpers.js";

const snapshots = (items: string) =>
  withSteps(`  - id: db
    type: rds.move-snapshot
    forEach: ${items}
    with: { from: source, to: target, instance: "\${{ item }}", shareKey: k, targetKey: k }
`);

describe("derived names", () => {
  it.each([
    { what: "case", items: "[Staging-Api-Db, staging-api-db]", first: "Staging-Api-Db", second: "staging-api-db" },
    { what: "punctuation", items: "[api.db, api_db]", first: "api.db", second: "api_db" },
    { what: "a separator at the end", items: "[api-db, 'api-db.']", first: "api-db", second: "api-db." },
  ])("forEach items that differ only in $what are one error naming both", ({ items, first, second }) => {
    const ds = failures(snapshots(items));
    expect(brief(ds)).toEqual([`RB_NAME_COLLISION@13:${14 + items.indexOf(second, 1)}`]);
    expect(ds[0]?.message).toBe(
      `forEach items '${first}' and '${second}' of step 'db' would get the same AWS resource names (both would be hk-<run>-db-snapshot-${nameStem(first)})`,
    );
    expect(ds[0]?.hint).toContain("make the keys differ in more than case and punctuation");
  });

  it("a step and a recipe's child whose ids differ only in punctuation collide too", () => {
    const ds = failures(
      withSteps(`  - id: db-snapshot
    type: rds.create-snapshot
    account: source
    with: { instance: x }
  - id: db
    type: rds.move-snapshot
    with: { from: source, to: target, instance: x, shareKey: k, targetKey: k }
`),
    );
    expect(brief(ds)).toEqual(["RB_NAME_COLLISION@15:9"]);
    expect(ds[0]?.message).toBe(
      "tasks 'db-snapshot' and 'db.snapshot' would get the same AWS resource names (both would be hk-<run>-db-snapshot)",
    );
  });

  it("keys that differ only past an AWS length limit still get different names (the cut ends in a digest)", () => {
    const long = "a".repeat(70);
    const rb = load(snapshots(`[${long}-one, ${long}-two]`));
    const [one, two] = rb.tasks.filter((t) => t.stepId === "db.snapshot").map((t) => taskResourceName("k3f9x2", t.id));
    expect(one).toHaveLength(63);
    expect(two).toHaveLength(63);
    expect(one).not.toBe(two);
  });

  it("the engine names resources with the same stem validation checks", () => {
    expect(taskResourceName("k3f9x2", "db.snapshot[Staging-Api-Db]")).toBe(
      `hk-k3f9x2-${nameStem("db.snapshot[Staging-Api-Db]")}`,
    );
    expect(taskResourceName("k3f9x2", "db.snapshot[Staging-Api-Db]")).toBe(
      taskResourceName("k3f9x2", "db.snapshot[staging-api-db]"),
    );
  });
});
