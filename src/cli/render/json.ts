/**
 * NDJSON: one engine event per line, every time ISO 8601 (`at`, `deadlineAt`). All events, AWS calls
 * included: a machine filters what it wants. The event types and their fields are tabled in the README.
 */
import type { EngineEvent } from "../../engine/events.js";
import { eventJson } from "./json-times.js";

export function jsonRenderer(write: (line: string) => void): (event: EngineEvent, at: number) => void {
  return (event, at) => write(JSON.stringify(eventJson(event, at)));
}
