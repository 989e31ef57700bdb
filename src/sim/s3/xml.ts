import { XMLBuilder, XMLParser } from "fast-xml-parser";
import type { AwsError, Outcome } from "../outcome.js";
import type { HttpReply } from "../protocol/types.js";

/** An S3 error: the wire code, status and message plus the extra elements S3 adds (BucketName, Key…). */
export interface S3Error extends AwsError {
  /** Extra elements of the `<Error>` document, in order. */
  extra?: Record<string, string>;
  headers?: Record<string, string>;
}

export type S3Outcome<T> = { ok: true; value: T } | { ok: false; error: S3Error };

/** What an S3 handler answers: a status (200 default), headers and a body (XML text, bytes, or nothing). */
export interface S3Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function s3Fail(
  code: string,
  message: string,
  status: number,
  extra?: Record<string, string>,
  headers?: Record<string, string>,
): { ok: false; error: S3Error } {
  return { ok: false, error: { code, message, status, extra, headers } };
}

export function s3Ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false });

/** Dates become ISO 8601 (S3 spells milliseconds), booleans "true"/"false", undefined members vanish. */
function toXmlValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return value.map(toXmlValue);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toXmlValue(v);
    return out;
  }
  return value;
}

/** `{ Root: {...} }` → an XML document with the S3 namespace on the root. */
export function xmlDocument(root: string, content: Record<string, unknown>, xmlns?: string): string {
  const inner = toXmlValue(content) as Record<string, unknown>;
  const doc = { [root]: xmlns ? { "@_xmlns": xmlns, ...inner } : inner };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc)}`;
}

export function xmlReply(root: string, content: Record<string, unknown>, xmlns: string): S3Reply {
  return { headers: { "content-type": "application/xml" }, body: xmlDocument(root, content, xmlns) };
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  removeNSPrefix: true,
});

/** Parse a request body; the root element's content (or undefined when the body is not XML). */
export function parseXml(text: string): Record<string, unknown> | undefined {
  if (text.trim() === "") return undefined;
  try {
    const doc = parser.parse(text) as Record<string, unknown>;
    const root = Object.entries(doc).find(([k]) => k !== "?xml");
    if (!root) return undefined;
    const value = root[1];
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return undefined;
  }
}

/** A member that may appear once or many times, as a list. */
export function many(value: unknown): unknown[] {
  if (value === undefined || value === null || value === "") return [];
  return Array.isArray(value) ? value : [value];
}

export function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The `<Error>` document S3 answers with (no wrapper), or nothing for HEAD. */
export function s3ErrorReply(error: AwsError, requestId: string, hostId: string): HttpReply {
  const e = error as S3Error;
  const body = xmlDocument("Error", {
    Code: e.code,
    Message: e.message,
    ...(e.extra ?? {}),
    RequestId: requestId,
    HostId: hostId,
  });
  return {
    status: e.status,
    headers: {
      "content-type": "application/xml",
      "x-amz-request-id": requestId,
      "x-amz-id-2": hostId,
      ...(e.headers ?? {}),
    },
    body,
  };
}
