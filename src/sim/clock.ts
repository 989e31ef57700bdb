/**
 * Virtual time: `now = base + realElapsed × speed + manualOffset (+ perRequestMs per request)`. Nothing in
 * the simulator runs on timers; progress (a snapshot being created, a copy) is computed from this clock when
 * someone looks. At speed 0 with a per-request step, time is a function of the requests alone.
 */
export interface VirtualClockOptions {
  /** Virtual epoch milliseconds at start. Default: the real time at construction. */
  start?: number;
  /** Virtual seconds per real second. Default 1. */
  speed?: number;
  /** Virtual milliseconds each request adds (`tick()`). Default 0. */
  perRequestMs?: number;
  /** Real time source, injectable for tests of the clock itself. */
  realNow?: () => number;
}

export class VirtualClock {
  private readonly realNow: () => number;
  private base: number;
  private realStart: number;
  private offset = 0;
  private currentSpeed: number;
  private perRequestMs: number;

  constructor(options: VirtualClockOptions = {}) {
    this.realNow = options.realNow ?? Date.now;
    this.realStart = this.realNow();
    this.base = options.start ?? this.realStart;
    this.currentSpeed = checkSpeed(options.speed ?? 1);
    this.perRequestMs = checkStep(options.perRequestMs ?? 0);
  }

  now(): number {
    return Math.floor(this.base + (this.realNow() - this.realStart) * this.currentSpeed + this.offset);
  }

  /** The real time this clock runs from (what SDK clients compare credential expiry with). */
  real(): number {
    return this.realNow();
  }

  get speed(): number {
    return this.currentSpeed;
  }

  /** Jump forward in virtual time (negative values are refused: time does not run backwards). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms) needs a finite ms >= 0, got ${ms}`);
    this.offset += ms;
  }

  /** One request's worth of virtual time. */
  tick(): void {
    this.offset += this.perRequestMs;
  }

  get stepMs(): number {
    return this.perRequestMs;
  }

  /** Change how much virtual time each request adds from now on. */
  setStep(ms: number): void {
    this.perRequestMs = checkStep(ms);
  }

  /** Change speed from now on, without moving the current virtual time. */
  setSpeed(speed: number): void {
    const now = this.now();
    this.realStart = this.realNow();
    this.base = now;
    this.offset = 0;
    this.currentSpeed = checkSpeed(speed);
  }
}

function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed < 0) throw new RangeError(`speed must be a finite number >= 0, got ${speed}`);
  return speed;
}

function checkStep(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0)
    throw new RangeError(`a request's step must be a finite number of ms >= 0, got ${ms}`);
  return ms;
}
