/**
 * ec2Query: requests are read like awsQuery (flattened lists, `Filter.1.Value.1`), answers are
 * `<{Action}Response xmlns=…><requestId>…</requestId>…</…>` with lowerCamelCase members, lists as `<item>`
 * and no `…Result` wrapper; errors are `<Response><Errors><Error>…</Error></Errors><RequestID>`.
 */
import { XMLBuilder } from "fast-xml-parser";
import type { AwsError } from "../outcome.js";
import { createQueryProtocol, QueryInput } from "./query.js";
import type { HttpReply, Protocol, RawRequest } from "./types.js";

const XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";

/** The parameters each top-level input was read from, to read nested structures (see subInput). */
const rawParams = new WeakMap<QueryInput, URLSearchParams>();

/**
 * A nested structure of a request, e.g. `CreateVolumePermission` for `CreateVolumePermission.Add.1.UserId`
 * (QueryInput.structs reads lists, not structures with named members). Undefined when absent.
 */
export function subInput(input: QueryInput, name: string): QueryInput | undefined {
  const params = rawParams.get(input);
  if (!params) return undefined;
  const prefix = `${name}.`;
  const sub = new URLSearchParams();
  for (const [k, v] of params) if (k.startsWith(prefix)) sub.append(k.slice(prefix.length), v);
  return [...sub.keys()].length > 0 ? QueryInput.parse(sub) : undefined;
}

/** A list as ec2Query spells it: `<parent><item>…</item><item>…</item></parent>`. */
export function itemList(items: readonly unknown[]): unknown {
  return items.length === 0 ? "" : { item: items };
}

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false });

/** Dates become ISO 8601, booleans "true"/"false", undefined members disappear. */
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

export function createEc2QueryProtocol(): Protocol<QueryInput> {
  const query = createQueryProtocol({ xmlns: XMLNS });
  const reply = (status: number, doc: Record<string, unknown>, requestId: string): HttpReply => ({
    status,
    headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc)}`,
  });
  return {
    codes: {
      throttle: "RequestLimitExceeded",
      throttleStatus: 503,
      unknownAction: "InvalidAction",
      unknownKey: "AuthFailure",
      unknownKeyStatus: 401,
      // EC2's code for expired temporary credentials (also for a request dated 15 minutes off).
      expiredToken: { code: "RequestExpired", status: 400, message: "Request has expired." },
    },
    readAction(req: RawRequest) {
      const read = query.readAction(req);
      if (read.ok) {
        const params = new URLSearchParams(req.query);
        for (const [k, v] of new URLSearchParams(req.body)) params.append(k, v);
        rawParams.set(read.value.input, params);
      }
      return read;
    },
    success(action, output, requestId) {
      const body = { "@_xmlns": XMLNS, requestId, ...(toXmlValue(output) as Record<string, unknown>) };
      return reply(200, { [`${action}Response`]: body }, requestId);
    },
    failure(error: AwsError, requestId) {
      const doc = {
        Response: { Errors: { Error: { Code: error.code, Message: error.message } }, RequestID: requestId },
      };
      return reply(error.status, doc, requestId);
    },
  };
}
