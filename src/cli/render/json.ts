/** NDJSON: one engine event per line, with an ISO timestamp. Stable for machines. */
import type { EngineEvent } from "../../engine/events.js";

export function jsonRenderer(write: (line: string) => void): (event: EngineEvent, at: number) => void {
  return (event, at) => write(JSON.stringify({ at: new Date(at).toISOString(), ...event }));
}
