import { createHash } from "node:crypto";

/**
 * Deterministic identifiers: derived from what names the thing (account, region, a counter), never from
 * randomness, so two runs of the same scenario produce the same ids and the same world dump.
 */
export function digest(...parts: (string | number)[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

/** A UUID-shaped id (as KMS key ids are). */
export function uuidFrom(...parts: (string | number)[]): string {
  const h = digest(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Upper-case base32-ish tail, e.g. for resource ids ("db-ABC…") and access keys. */
export function upperIdFrom(length: number, ...parts: (string | number)[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const h = digest(...parts);
  let out = "";
  for (let i = 0; out.length < length; i += 2) out += alphabet[Number.parseInt(h.slice(i % 64, (i % 64) + 2), 16) % 32];
  return out;
}
