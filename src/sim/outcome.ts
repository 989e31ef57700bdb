/**
 * Errors are values in the simulator too: a handler returns an Outcome, and an AWS error is data that the
 * protocol layer renders the way the real service spells it on the wire.
 */
export interface AwsError {
  /** Wire code, e.g. "DBSnapshotNotFound" (query) or "NotFoundException" (JSON). */
  code: string;
  message: string;
  /** HTTP status the real service answers with. */
  status: number;
  /** awsQuery only: who is at fault. Defaults to Sender for 4xx, Receiver for 5xx. */
  type?: "Sender" | "Receiver";
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AwsError };

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function fail(code: string, message: string, status = 400): { ok: false; error: AwsError } {
  return { ok: false, error: { code, message, status } };
}
