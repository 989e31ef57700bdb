import { z } from "zod";

/**
 * Fault rules: fail (or delay) calls of one action. `nth` = the first call that is hit (counted from when the
 * rule was added, retries included), `times` = how many consecutive calls are hit (default 1), `always`
 * = every call from the nth on, `every` = the window of `times` calls comes back every `every` calls (bursts).
 * `probability` hits only that share of the calls in the window, decided by a pseudo-random sequence
 * from `seed`: the same calls in the same order meet the same faults. `throttle` answers the protocol's
 * throttling error; a bare `delayMs` only slows the call down.
 */
export const FaultRuleSchema = z
  .strictObject({
    action: z.string().min(1),
    service: z.string().optional(),
    account: z.string().optional(),
    nth: z.number().int().positive().default(1),
    times: z.number().int().positive().default(1),
    always: z.boolean().default(false),
    code: z.string().optional(),
    status: z.number().int().min(400).max(599).optional(),
    message: z.string().optional(),
    delayMs: z.number().int().nonnegative().optional(),
    throttle: z.boolean().default(false),
    every: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
    seed: z.number().int().default(1),
  })
  .refine((r) => r.code !== undefined || r.throttle || r.delayMs !== undefined, {
    message: "a fault needs a code, throttle: true or a delayMs",
  })
  .refine((r) => r.every === undefined || r.every >= r.times, {
    message: "every must be at least times (a burst cannot be longer than its period)",
    path: ["every"],
  });

export type FaultRuleInput = z.input<typeof FaultRuleSchema>;
export type FaultRule = z.output<typeof FaultRuleSchema>;

/** What the pipeline does with a hit: wait, then maybe answer an error instead of calling the handler. */
export interface FaultHit {
  delayMs: number;
  error?: { code: string; status: number; message: string } | { throttle: true; message: string };
}

interface ArmedRule {
  rule: FaultRule;
  seen: number;
  /** mulberry32 state: deterministic per rule, advanced once per call in the rule's window. */
  state: number;
}

/** A small seeded generator (mulberry32): [0, 1). */
function nextRandom(armed: ArmedRule): number {
  armed.state = (armed.state + 0x6d2b79f5) | 0;
  let t = armed.state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function inWindow(rule: FaultRule, seen: number): boolean {
  if (seen < rule.nth) return false;
  if (rule.every !== undefined) return (seen - rule.nth) % rule.every < rule.times;
  return rule.always || seen < rule.nth + rule.times;
}

export class FaultInjector {
  private rules: ArmedRule[] = [];

  add(rules: readonly FaultRule[]): void {
    for (const rule of rules) this.rules.push({ rule, seen: 0, state: rule.seed });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** Count this call against every matching rule; the first rule that fires decides. */
  check(service: string, action: string, account: string | undefined): FaultHit | undefined {
    let hit: FaultHit | undefined;
    for (const armed of this.rules) {
      const { rule } = armed;
      if (rule.action !== action && rule.action !== "*") continue;
      if (rule.service !== undefined && rule.service !== service) continue;
      if (rule.account !== undefined && rule.account !== account) continue;
      armed.seen += 1;
      let fires = inWindow(rule, armed.seen);
      if (fires && rule.probability !== undefined) fires = nextRandom(armed) < rule.probability;
      if (!fires || hit) continue;
      hit = { delayMs: rule.delayMs ?? 0 };
      const message = rule.message ?? `Injected fault on ${action} (call ${armed.seen})`;
      if (rule.throttle) hit.error = { throttle: true, message: rule.message ?? "Rate exceeded" };
      else if (rule.code !== undefined) hit.error = { code: rule.code, status: rule.status ?? 400, message };
    }
    return hit;
  }
}

export function parseFaultRules(body: unknown): { ok: true; rules: FaultRule[] } | { ok: false; message: string } {
  const parsed = z.array(FaultRuleSchema).safeParse(Array.isArray(body) ? body : [body]);
  if (parsed.success) return { ok: true, rules: parsed.data };
  return { ok: false, message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
}
