import { HikkoshiError } from "../core/errors.js";
import type { WorldDump } from "./dump.js";
import { type FaultRuleInput, parseFaultRules } from "./faults.js";
import type { IamAllowed, IamDenial } from "./iam/model.js";
import { loadSeedFile, parseSeed, type SeedObject } from "./seed.js";
import { closeServer, listen } from "./server.js";
import { Simulator } from "./simulator.js";
import type { PublishedMessage } from "./sns/model.js";
import type { SimStats } from "./stats.js";

export interface SimulatorOptions {
  /** A seed object, or the path of a YAML/JSON seed file. Default: an empty world. */
  seed?: SeedObject | string;
  /** Loopback only. Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /** Virtual seconds per real second; overrides the seed's `speed`. */
  speed?: number;
}

export interface SimulatorHandle {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Move virtual time forward. */
  advance(ms: number): void;
  setSpeed(n: number): void;
  addFaults(rules: FaultRuleInput | FaultRuleInput[]): void;
  clearFaults(): void;
  stats(): SimStats;
  resetStats(): void;
  dump(): WorldDump;
  /** Back to the seed (world, faults, stats); virtual time keeps running. */
  reset(): void;
  /** Current virtual time, epoch ms. */
  now(): number;
  /** Every message published to an SNS topic, oldest first (also `GET /_sim/sns/published`). */
  snsPublished(): PublishedMessage[];
  /** The most recent calls refused by identity-policy enforcement (enforceIamPolicies), oldest first. */
  iamDenials(): IamDenial[];
  /** Every distinct check identity policies allowed (not the admin's): what each call needed. */
  iamAllowed(): IamAllowed[];
  clearIamDenials(): void;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) {
    throw new HikkoshiError("SIM_NOT_LOOPBACK", `The simulator only listens on loopback, not ${host}`, {
      hint: "Use 127.0.0.1 (the default).",
    });
  }
  const parsed = typeof options.seed === "string" ? await loadSeedFile(options.seed) : parseSeed(options.seed ?? {});
  if (!parsed.ok) throw seedError(parsed.problems);
  const created = Simulator.create(parsed.seed, { speed: options.speed });
  if (!created.ok) throw seedError(created.problems);
  const { sim } = created;
  const { server, port } = await listen(sim, host, options.port ?? 0);
  const urlHost = host === "::1" ? "[::1]" : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () => closeServer(server),
    advance: (ms) => sim.clock.advance(ms),
    setSpeed: (n) => sim.clock.setSpeed(n),
    addFaults(rules) {
      const checked = parseFaultRules(rules);
      if (!checked.ok) throw new HikkoshiError("SIM_FAULT_INVALID", checked.message);
      sim.faults.add(checked.rules);
    },
    clearFaults: () => sim.faults.clear(),
    stats: () => sim.stats.snapshot(),
    resetStats: () => sim.stats.reset(),
    dump: () => sim.dump(),
    reset: () => sim.reset(),
    now: () => sim.clock.now(),
    snsPublished: () => sim.world.sns.published.map((m) => ({ ...m })),
    iamDenials: () => structuredClone(sim.world.iamDenials),
    iamAllowed: () =>
      [...sim.world.iamAllowed].map((k) => {
        const [principal = "", action = "", resource = ""] = k.split("\n");
        return { principal, action, resource };
      }),
    clearIamDenials: () => {
      sim.world.iamDenials.length = 0;
    },
  };
}

function seedError(problems: string[]): HikkoshiError {
  return new HikkoshiError("SIM_SEED_INVALID", `Invalid simulator seed:\n  ${problems.join("\n  ")}`, {
    hint: "Fix the seed file (see runbooks/sim/demo-world.yaml for an example).",
  });
}
