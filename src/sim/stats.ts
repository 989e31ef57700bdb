/** Call counters, so a test can prove a command only read (mutating === 0) or count the SDK's retries. */
export interface SimStats {
  total: number;
  /** Calls that would change something; EC2 calls with DryRun=true are not (see `dryRuns`). */
  mutating: number;
  /** EC2 calls sent with DryRun=true: permission checks that change nothing. */
  dryRuns: number;
  /** Keyed "service:Action", e.g. "rds:CopyDBSnapshot"; every call, failed or not. */
  calls: Record<string, number>;
  /** Keyed "service:Action:Code" for calls answered with an error. */
  errors: Record<string, number>;
}

/** Calls that change nothing in the world although their names do not say so. */
const READ_ONLY_EXCEPTIONS = new Set(["sts:AssumeRole"]);

export function isMutating(service: string, action: string): boolean {
  if (READ_ONLY_EXCEPTIONS.has(`${service}:${action}`)) return false;
  return !/^(Describe|List|Get|Head)/.test(action);
}

export class StatsRecorder {
  private stats: SimStats = emptyStats();

  recordCall(service: string, action: string, dryRun = false): void {
    const key = `${service}:${action}`;
    this.stats.total += 1;
    if (dryRun) this.stats.dryRuns += 1;
    else if (isMutating(service, action)) this.stats.mutating += 1;
    this.stats.calls[key] = (this.stats.calls[key] ?? 0) + 1;
  }

  recordError(service: string, action: string, code: string): void {
    const key = `${service}:${action}:${code}`;
    this.stats.errors[key] = (this.stats.errors[key] ?? 0) + 1;
  }

  snapshot(): SimStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.stats = emptyStats();
  }
}

function emptyStats(): SimStats {
  return { total: 0, mutating: 0, dryRuns: 0, calls: {}, errors: {} };
}
