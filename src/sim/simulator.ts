import { setTimeout as sleep } from "node:timers/promises";
import { VirtualClock } from "./clock.js";
import { buildWorldDump, type WorldDump } from "./dump.js";
import { FaultInjector } from "./faults.js";
import { authorizeCall, deniedError } from "./iam/enforce.js";
import { expiredSession, principalForKey } from "./identity.js";
import { uuidFrom } from "./ids.js";
import type { AwsError } from "./outcome.js";
import { populateWorld } from "./populate.js";
import { QueryInput } from "./protocol/query.js";
import type { HttpReply, RawRequest, Service } from "./protocol/types.js";
import { listLatencyMs } from "./s3/list-latency.js";
import type { Seed } from "./seed.js";
import { buildServices, serviceFor } from "./services.js";
import { settleWorld } from "./settle.js";
import { StatsRecorder } from "./stats.js";
import type { World } from "./world.js";

export interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

/** SigV4 credential scope from the Authorization header (or a presigned URL). Signatures are not checked. */
export function credentialScope(req: RawRequest): CredentialScope | undefined {
  const header = req.headers.authorization ?? "";
  const credential = /Credential=([^,\s]+)/.exec(header)?.[1] ?? req.query.get("X-Amz-Credential") ?? "";
  const [accessKeyId, , region, service] = credential.split("/");
  if (!accessKeyId || !region || !service) return undefined;
  return { accessKeyId, region, service };
}

function genericError(status: number, code: string, message: string): HttpReply {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`;
  return { status, headers: { "content-type": "text/xml" }, body };
}

/**
 * The simulator's state and its request pipeline: credential scope → service → action → stats → caller
 * identity → identity policies (when enforced) → faults → handler. Owns the world, the virtual clock, the fault rules and the counters.
 */
export class Simulator {
  readonly clock: VirtualClock;
  readonly faults = new FaultInjector();
  readonly stats = new StatsRecorder();
  private readonly services: Service[] = buildServices();
  private currentWorld: World;

  private constructor(
    private readonly seed: Seed,
    world: World,
    clock: VirtualClock,
  ) {
    this.currentWorld = world;
    this.clock = clock;
    this.faults.add(seed.faults);
  }

  static create(
    seed: Seed,
    options: { speed?: number } = {},
  ): { ok: true; sim: Simulator } | { ok: false; problems: string[] } {
    const clock = new VirtualClock({
      speed: options.speed ?? seed.speed,
      perRequestMs: seed.secondsPerRequest * 1000,
      start: seed.startTime === undefined ? undefined : Date.parse(seed.startTime),
    });
    const populated = populateWorld(seed, clock.now());
    if (!populated.ok) return populated;
    return { ok: true, sim: new Simulator(seed, populated.world, clock) };
  }

  get world(): World {
    return this.currentWorld;
  }

  /**
   * Back to the seed: world rebuilt at the current virtual time, seed faults re-armed, counters zeroed.
   * Assume-role sessions survive.
   */
  reset(): void {
    const populated = populateWorld(this.seed, this.clock.now());
    if (!populated.ok) throw new Error(`seed no longer valid: ${populated.problems.join("; ")}`);
    // Temporary credentials are identity, not world: clients holding them keep working after a reset.
    populated.world.sessions = this.currentWorld.sessions;
    populated.world.sessionCounter = this.currentWorld.sessionCounter;
    this.currentWorld = populated.world;
    this.faults.clear();
    this.faults.add(this.seed.faults);
    this.stats.reset();
  }

  dump(): WorldDump {
    const now = this.clock.now();
    settleWorld(this.currentWorld, now);
    return buildWorldDump(this.currentWorld, now);
  }

  async handleAws(req: RawRequest): Promise<HttpReply> {
    const scope = credentialScope(req);
    if (!scope) return genericError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
    const service = serviceFor(this.services, scope.service, req);
    if (!service) return genericError(400, "UnknownService", `The simulator does not implement ${scope.service}`);
    const world = this.currentWorld;
    world.requestCounter += 1;
    this.clock.tick();
    const requestId = uuidFrom("request", world.requestCounter);
    const read = service.readAction(req);
    if (!read.ok) return service.failure(read.error, requestId);
    const { action, input } = read.value;
    const dryRun = input instanceof QueryInput && input.bool("DryRun") === true;
    this.stats.recordCall(service.name, action, dryRun);
    const failWith = (error: AwsError) => {
      this.stats.recordError(service.name, action, error.code);
      return service.failure(error, requestId);
    };

    const principal = principalForKey(world, scope.accessKeyId);
    if (!principal) {
      const { unknownKey, unknownKeyStatus } = service.codes;
      return failWith({
        code: unknownKey,
        message: "The security token included in the request is invalid.",
        status: unknownKeyStatus,
      });
    }
    // Authentication comes first, as on AWS: a session that ended is refused before anything else.
    if (expiredSession(world, scope.accessKeyId, this.clock.now())) return failWith(service.codes.expiredToken);
    // Then authorization (opt-in, enforceIamPolicies): a call its identity policies do not allow fails
    // before faults and handlers, DryRun or not.
    const denial = authorizeCall({
      world,
      principal,
      account: principal.account,
      region: scope.region,
      input,
      service: service.name,
      apiAction: action,
      requestId,
    });
    if (denial) return failWith(deniedError(denial));
    const fault = this.faults.check(service.name, action, principal.account);
    if (fault && fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault?.error) {
      const e = fault.error;
      const throttleStatus = service.codes.throttleStatus ?? 400;
      return failWith(
        "throttle" in e ? { code: service.codes.throttle, message: e.message, status: throttleStatus } : e,
      );
    }

    const latency = service.name === "s3" ? listLatencyMs(world, action, world.requestCounter) : 0;
    if (latency > 0) await sleep(latency);

    const now = this.clock.now();
    settleWorld(world, now);
    const ctx = {
      world,
      principal,
      account: principal.account,
      region: scope.region,
      now,
      realNow: this.clock.real(),
      requestId,
    };
    try {
      const { reply, error } = service.invoke(ctx, action, input);
      if (error) this.stats.recordError(service.name, action, error.code);
      return reply;
    } catch (err) {
      return failWith({
        code: "InternalFailure",
        message: `simulator bug in ${action}: ${(err as Error).stack ?? err}`,
        status: 500,
      });
    }
  }
}
