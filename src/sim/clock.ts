/**
 * Virtual time: `now = base + realElapsed × speed + manualOffset`. Nothing in the simulator runs on timers;
 * progress (a snapshot being created, a copy) is computed from this clock when someone looks.
 */
export interface VirtualClockOptions {
  /** Virtual epoch milliseconds at start. Default: the real time at construction. */
  start?: number;
  /** Virtual seconds per real second. Default 1. */
  speed?: number;
  /** Real time source, injectable for tests of the clock itself. */
  realNow?: () => number;
}

export class VirtualClock {
  private readonly realNow: () => number;
  private base: number;
  private realStart: number;
  private offset = 0;
  private currentSpeed: number;

  constructor(options: VirtualClockOptions = {}) {
    this.realNow = options.realNow ?? Date.now;
    this.realStart = this.realNow();
    this.base = options.start ?? this.realStart;
    this.currentSpeed = checkSpeed(options.speed ?? 1);
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
