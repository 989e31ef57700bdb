import { describe, expect, it } from "vitest";
import { hashOf } from "../../src/core/hash.js";
import { brief, failures, fixture, load, withSteps } from "./helpers.js";

describe("forEach", () => {
  it("makes one task per item, keyed by the item", () => {
    const rb = load(
      withSteps(`  - id: snap
    type: rds.create-snapshot
    account: source
    forEach: \${{ params.instances }}
    with: { instance: "db-\${{ item }}" }
`),
    );
    expect(rb.tasks.map((t) => [t.id, t.itemKey, t.item, t.with.instance])).toEqual([
      ["snap[api-db]", "api-db", "api-db", "db-api-db"],
      ["snap[batch-db]", "batch-db", "batch-db", "db-batch-db"],
    ]);
  });

  it("keys object items by key, name or id, else by index", () => {
    const rb = load(
      withSteps(`  - id: a
    type: noop
    account: source
    forEach:
      - { name: first, n: 1 }
      - { id: 7, n: 2 }
      - { n: 3 }
    with: { count: "\${{ item.n }}", message: "n=\${{ item.n }}" }
`),
    );
    expect(rb.tasks.map((t) => t.id)).toEqual(["a[first]", "a[7]", "a[2]"]);
    expect(rb.tasks.map((t) => t.with)).toEqual([
      { count: 1, message: "n=1" },
      { count: 2, message: "n=2" },
      { count: 3, message: "n=3" },
    ]);
  });

  it("rejects duplicate and malformed keys, and missing item fields", () => {
    const ds = failures(
      withSteps(`  - id: a
    type: noop
    account: source
    forEach: [x, x, "a b"]
  - id: b
    type: noop
    account: source
    forEach: [{ name: p }]
    with: { message: "\${{ item.nope }}" }
`),
    );
    expect(brief(ds)).toEqual([
      "RB_FOREACH_BAD_KEY@14:14",
      "RB_FOREACH_DUPLICATE_KEY@14:14",
      "RB_ITEM_FIELD_MISSING@19:23",
    ]);
  });

  it("pairs references between steps over the same items, and accepts an explicit [key]", () => {
    const rb = load(
      withSteps(`  - id: snap
    type: rds.create-snapshot
    account: source
    forEach: \${{ params.instances }}
    with: { instance: "\${{ item }}" }
  - id: copy
    type: rds.copy-snapshot
    account: target
    forEach: \${{ params.instances }}
    with: { source: "\${{ steps.snap.outputs.snapshotArn }}", kmsKeyId: k }
  - id: one
    type: noop
    account: target
    with: { message: "\${{ steps.snap[batch-db].outputs.snapshotId }}" }
`),
    );
    const copy = rb.tasks.find((t) => t.id === "copy[batch-db]")!;
    expect(copy.with.source).toBe("${{ steps.snap[batch-db].outputs.snapshotArn }}");
    expect(copy.needs).toEqual(["snap[batch-db]"]);
    const one = rb.tasks.find((t) => t.id === "one")!;
    expect(one.with.message).toBe("${{ steps.snap[batch-db].outputs.snapshotId }}");
    expect(one.needs).toEqual(["snap[batch-db]"]);
  });

  it("refuses to pair steps over different item lists, and unknown keys", () => {
    const ds = failures(
      withSteps(`  - id: snap
    type: rds.create-snapshot
    account: source
    forEach: \${{ params.instances }}
    with: { instance: "\${{ item }}" }
  - id: other
    type: noop
    account: source
    forEach: \${{ params.other }}
    with: { message: "\${{ steps.snap.outputs.snapshotArn }}" }
  - id: keyed
    type: noop
    account: source
    with: { message: "\${{ steps.snap[api-dbb].outputs.snapshotArn }}\${{ steps.other[x].outputs.value }}" }
`),
    );
    expect(brief(ds)).toEqual(["RB_AMBIGUOUS_ITEM_REF@20:23", "RB_UNKNOWN_ITEM_KEY@24:23"]);
  });
});

describe("recipes", () => {
  const rb = load(fixture("valid/split.yaml"));

  it("expands into children with inherited forEach, needs and timeout", () => {
    expect(rb.steps.find((s) => s.id === "db")?.children).toEqual(["db.snapshot", "db.reencrypt", "db.copy"]);
    const copy = rb.tasks.find((t) => t.id === "db.copy[staging-api-db]")!;
    expect(copy).toMatchObject({
      stepId: "db.copy",
      topStepId: "db",
      itemKey: "staging-api-db",
      type: "rds.copy-snapshot",
      account: "target",
      timeoutMs: 90 * 60_000,
      with: {
        source: "${{ steps.db.reencrypt[staging-api-db].outputs.snapshotArn }}",
        kmsKeyId: "${{ steps.target-key.outputs.keyArn }}",
      },
    });
    // explicit needs (freeze), the sibling the recipe declared, and every reference
    expect(copy.needs).toEqual(["db.reencrypt[staging-api-db]", "db.snapshot[staging-api-db]", "freeze", "target-key"]);
    expect(rb.tasks.find((t) => t.id === "db.reencrypt[staging-batch-db]")?.with.shareWith).toEqual(["target"]);
  });

  it("maps a recipe output to its child's output; needs on a recipe means all its tasks", () => {
    const report = rb.tasks.find((t) => t.id === "report")!;
    expect(report.with.message).toBe(
      "api copy is ${{ steps.db.copy[staging-api-db].outputs.snapshotArn }} in 222222222222",
    );
    expect(report.needs).toEqual([
      "db.copy[staging-api-db]",
      "db.copy[staging-batch-db]",
      "db.reencrypt[staging-api-db]",
      "db.reencrypt[staging-batch-db]",
      "db.snapshot[staging-api-db]",
      "db.snapshot[staging-batch-db]",
    ]);
  });

  it("applies the recipe's defaults before expanding", () => {
    // copyTags defaults to true, which makes `copy` need `snapshot` explicitly.
    const off = load(
      fixture("valid/split.yaml").replace("      from: source", "      copyTags: false\n      from: source"),
    );
    expect(off.tasks.find((t) => t.id === "db.copy[staging-api-db]")?.needs).not.toContain(
      "db.snapshot[staging-api-db]",
    );
  });

  it("checks the recipe's own params and account params", () => {
    const ds = failures(fixture("valid/split.yaml").replace("      to: target", "      to: targett\n      extra: 1"));
    expect(brief(ds)).toEqual(["RB_UNKNOWN_ACCOUNT@47:11", "RB_UNKNOWN_PARAM@48:7"]);
  });
});

describe("tasks", () => {
  it("come in a topological order, file order among independent ones", () => {
    const rb = load(
      withSteps(`  - id: last
    type: noop
    account: source
    needs: [middle]
  - id: first
    type: noop
    account: source
  - id: middle
    type: noop
    account: source
    with: { message: "\${{ steps.first.outputs.value }}" }
  - id: free
    type: noop
    account: source
`),
    );
    expect(rb.tasks.map((t) => t.id)).toEqual(["first", "middle", "last", "free"]);
  });

  it("orders the split example dependencies first", () => {
    const ids = load(fixture("valid/split.yaml")).tasks.map((t) => t.id);
    expect(ids).toEqual([
      "freeze",
      "share-key",
      "target-key",
      "db.snapshot[staging-api-db]",
      "db.snapshot[staging-batch-db]",
      "db.reencrypt[staging-api-db]",
      "db.reencrypt[staging-batch-db]",
      "db.copy[staging-api-db]",
      "db.copy[staging-batch-db]",
      "report",
    ]);
  });

  it("carry a defHash over type, account, with, if, timeout and needs", () => {
    const rb = load(fixture("valid/split.yaml"));
    const t = rb.tasks.find((x) => x.id === "share-key")!;
    expect(t.defHash).toBe(
      hashOf({ type: t.type, account: t.account, with: t.with, if: t.if, timeout: t.timeoutMs, needs: t.needs }),
    );
    expect(t.location).toEqual({ file: "rb.yaml", line: 27, col: 5 });
    expect(rb.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rb.accounts.target).toMatchObject({ alias: "target", id: "222222222222", externalId: "split-staging" });
  });

  it("fold `if` on params now and keep conditions on outputs for run time", () => {
    const rb = load(
      withSteps(`  - id: a
    type: noop
    account: source
    if: \${{ params.flag }}
  - id: b
    type: noop
    account: source
    if: "!params.flag"
  - id: c
    type: noop
    account: source
    if: params.flag && steps.a.outputs.value == 'yes' || item == null
    forEach: [p]
`),
    );
    const byId = Object.fromEntries(rb.tasks.map((t) => [t.id, t]));
    expect(byId.a?.if).toBeUndefined();
    expect(byId.b?.if).toBe("false");
    expect(byId["c[p]"]?.if).toBe('steps.a.outputs.value == "yes" || "p" == null');
    expect(byId["c[p]"]?.needs).toEqual(["a"]);
  });

  it("a primitive without account is an error", () => {
    expect(brief(failures(withSteps("  - id: a\n    type: noop\n")))).toEqual(["RB_MISSING_ACCOUNT@11:5"]);
  });
});
