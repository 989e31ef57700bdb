/** `--notify` for `run` and `resume`: the receivers checked at start, the notifier on the run's events. */
import type { AwsSession } from "../../aws/session.js";
import { envNumber } from "../../core/env.js";
import type { EventBus } from "../../engine/events.js";
import type { Store } from "../../state/index.js";
import type { CliIO } from "../io.js";
import { createNotifier, type Notifier } from "./notifier.js";
import { type ReceiverSpec, receiverFor } from "./receivers.js";

export { parseNotifyTargets, type ReceiverSpec } from "./receivers.js";

const LONG_WAIT_MS = 5 * 60_000;
const SEND_TIMEOUT_MS = 5_000;
const QUEUE_MAX = 100;

/** A notifier listening on `bus`, or undefined without receivers. Timing overrides are for tests. */
export function startNotifier(
  io: CliIO,
  parts: { specs: readonly ReceiverSpec[]; store: Store; bus: EventBus; session: AwsSession },
): Notifier | undefined {
  if (parts.specs.length === 0) return undefined;
  const ms = (name: string, valid: (n: number) => boolean) => envNumber(io.env, name, valid, "a number of ms");
  const sendTimeoutMs = ms("HIKKOSHI_NOTIFY_TIMEOUT_MS", (n) => Number.isFinite(n) && n > 0) ?? SEND_TIMEOUT_MS;
  const notifier = createNotifier({
    store: parts.store,
    bus: parts.bus,
    receivers: parts.specs.map((s) => receiverFor(s, parts.session)),
    longWaitMs: ms("HIKKOSHI_NOTIFY_LONG_WAIT_MS", (n) => Number.isFinite(n) && n >= 0) ?? LONG_WAIT_MS,
    sendTimeoutMs,
    // A send in flight at the end gets to time out on its own (its own reason is recorded).
    drainMs: sendTimeoutMs + 1_000,
    queueMax: QUEUE_MAX,
  });
  parts.bus.on(notifier.listener);
  return notifier;
}
