/**
 * Worker slots (`--parallel`) and per-service concurrency keys (e.g. RDS copies per account+region).
 * A task waits in a queue instead of failing when its keys are saturated. A task in a long wait gives its
 * worker slot back but keeps its keys: an RDS copy in progress still counts against the AWS quota.
 * Tasks coming back from a wait get freed slots before new tasks start.
 */
export class Limiter {
  private slotsInUse = 0;
  private readonly keysInUse = new Map<string, number>();
  private readonly slotWaiters: Array<() => void> = [];

  constructor(
    private readonly slots: number,
    private readonly keyLimit: (key: string) => number | undefined,
  ) {}

  canStart(keys: readonly string[]): boolean {
    return this.slotWaiters.length === 0 && this.slotsInUse < this.slots && keys.every((k) => this.keyFree(k));
  }

  start(keys: readonly string[]): void {
    this.slotsInUse++;
    for (const k of keys) this.keysInUse.set(k, (this.keysInUse.get(k) ?? 0) + 1);
  }

  finish(keys: readonly string[], holdsSlot: boolean): void {
    for (const k of keys) this.keysInUse.set(k, (this.keysInUse.get(k) ?? 1) - 1);
    if (holdsSlot) this.releaseSlot();
  }

  releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.slotsInUse--;
  }

  /** Take a slot back after a wait; waiters are served first-come first-served. */
  acquireSlot(): Promise<void> {
    if (this.slotWaiters.length === 0 && this.slotsInUse < this.slots) {
      this.slotsInUse++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private keyFree(key: string): boolean {
    const limit = this.keyLimit(key);
    return limit === undefined || (this.keysInUse.get(key) ?? 0) < limit;
  }
}
