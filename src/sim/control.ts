import { stableStringify } from "../core/hash.js";
import { parseFaultRules } from "./faults.js";
import type { HttpReply, RawRequest } from "./protocol/types.js";
import { setListLatency } from "./s3/list-latency.js";
import { setListOrder } from "./s3/list-order.js";
import type { Simulator } from "./simulator.js";

function json(status: number, value: unknown): HttpReply {
  return { status, headers: { "content-type": "application/json" }, body: `${stableStringify(value)}\n` };
}

function body(req: RawRequest): unknown {
  if (req.body.trim() === "") return {};
  try {
    return JSON.parse(req.body);
  } catch {
    return undefined;
  }
}

/**
 * The control API under /_sim/: health, world dump, stats, faults, clock, S3 listing order and latency, IAM
 * denials, reset. JSON in and out; the
 * world dump is stable (sorted keys) so two runs can be compared byte for byte.
 */
export function handleControl(sim: Simulator, req: RawRequest): HttpReply {
  const route = `${req.method} ${req.path.replace(/\/+$/, "")}`;
  switch (route) {
    case "GET /_sim/health":
      return json(200, { ok: true, now: new Date(sim.clock.now()).toISOString(), speed: sim.clock.speed });
    case "GET /_sim/world":
      return json(200, sim.dump());
    case "GET /_sim/stats":
      return json(200, sim.stats.snapshot());
    case "POST /_sim/stats/reset":
      sim.stats.reset();
      return json(200, { ok: true });
    case "GET /_sim/faults":
      return json(200, sim.faults.list());
    case "POST /_sim/faults": {
      const parsed = parseFaultRules(body(req));
      if (!parsed.ok) return json(400, { error: parsed.message });
      sim.faults.add(parsed.rules);
      return json(200, { ok: true, rules: sim.faults.list().length });
    }
    case "DELETE /_sim/faults":
      sim.faults.clear();
      return json(200, { ok: true });
    case "GET /_sim/clock":
      return json(200, clockState(sim));
    case "POST /_sim/clock": {
      const b = body(req) as { advanceMs?: unknown; speed?: unknown; secondsPerRequest?: unknown } | undefined;
      const given = [b?.advanceMs, b?.speed, b?.secondsPerRequest].filter((v) => typeof v === "number");
      if (given.length === 0) {
        return json(400, { error: "expected {advanceMs: number}, {speed: number} or {secondsPerRequest: number}" });
      }
      try {
        if (typeof b?.advanceMs === "number") sim.clock.advance(b.advanceMs);
        if (typeof b?.speed === "number") sim.clock.setSpeed(b.speed);
        if (typeof b?.secondsPerRequest === "number") sim.clock.setStep(b.secondsPerRequest * 1000);
      } catch (err) {
        return json(400, { error: (err as Error).message });
      }
      return json(200, clockState(sim));
    }
    case "POST /_sim/s3/list-order": {
      const set = setListOrder(sim.world, body(req));
      return json(set.status, set.value);
    }
    case "POST /_sim/s3/list-latency": {
      const set = setListLatency(sim.world, body(req));
      return json(set.status, set.value);
    }
    case "GET /_sim/sns/published":
      return json(200, sim.world.sns.published);
    case "GET /_sim/iam/denials":
      return json(200, sim.world.iamDenials);
    case "DELETE /_sim/iam/denials":
      sim.world.iamDenials.length = 0;
      return json(200, { ok: true });
    case "POST /_sim/reset":
      sim.reset();
      return json(200, { ok: true });
    default:
      return json(404, { error: `no control route ${route}` });
  }
}

function clockState(sim: Simulator) {
  return {
    now: new Date(sim.clock.now()).toISOString(),
    speed: sim.clock.speed,
    secondsPerRequest: sim.clock.stepMs / 1000,
  };
}
