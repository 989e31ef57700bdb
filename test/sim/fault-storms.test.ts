/**
 * Fault rules for storms: a share of the calls (seeded, so reproducible) and bursts that come back
 * every N calls. Existing rules (nth / times / always) behave as before.
 */
import { describe, expect, it } from "vitest";
import { FaultInjector, parseFaultRules } from "../../src/sim/faults.js";

function injector(rules: unknown[]): FaultInjector {
  const parsed = parseFaultRules(rules);
  if (!parsed.ok) throw new Error(parsed.message);
  const f = new FaultInjector();
  f.add(parsed.rules);
  return f;
}

/** Which of `n` calls of rds:DescribeDBSnapshots are hit (1-based). */
function hits(f: FaultInjector, n: number, action = "DescribeDBSnapshots"): number[] {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) if (f.check("rds", action, "111111111111")?.error) out.push(i);
  return out;
}

describe("fault storms", () => {
  it("probability hits about that share of the calls, the same ones for the same seed", () => {
    const rule = { action: "*", service: "rds", throttle: true, always: true, probability: 0.3, seed: 42 };
    const a = hits(injector([rule]), 1_000);
    expect(a.length).toBeGreaterThan(250);
    expect(a.length).toBeLessThan(350);
    expect(hits(injector([rule]), 1_000)).toEqual(a);
    expect(hits(injector([{ ...rule, seed: 43 }]), 1_000)).not.toEqual(a);
  });

  it("every repeats a burst of `times` calls from the nth", () => {
    const f = injector([
      { action: "DescribeDBSnapshots", code: "InternalFailure", status: 500, nth: 3, times: 2, every: 5 },
    ]);
    expect(hits(f, 20)).toEqual([3, 4, 8, 9, 13, 14, 18, 19]);
    expect(parseFaultRules([{ action: "X", code: "Y", times: 3, every: 2 }]).ok).toBe(false);
  });

  it("nth / times / always are unchanged", () => {
    expect(hits(injector([{ action: "DescribeDBSnapshots", code: "X", nth: 2, times: 3 }]), 8)).toEqual([2, 3, 4]);
    expect(hits(injector([{ action: "DescribeDBSnapshots", code: "X", nth: 6, always: true }]), 8)).toEqual([6, 7, 8]);
    expect(hits(injector([{ action: "Other", code: "X", always: true }]), 3)).toEqual([]);
  });
});
