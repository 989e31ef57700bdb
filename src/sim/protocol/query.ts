import { XMLBuilder } from "fast-xml-parser";
import type { AwsError } from "../outcome.js";
import type { HttpReply, Protocol, RawRequest } from "./types.js";

interface Node {
  value?: string;
  children: Map<string, Node>;
}

const isIndex = (s: string) => /^\d+$/.test(s);

/**
 * awsQuery input: `Tags.Tag.1.Key=k`, `ValuesToAdd.AttributeValue.2=x`, `TagKeys.member.1=k` or flattened
 * `Filter.1.Name=x` (EC2). The parameters are kept as a tree; a list is read without knowing its member
 * name, so one reader serves every query service.
 */
export class QueryInput {
  constructor(private readonly node: Node) {}

  static parse(params: URLSearchParams): QueryInput {
    const root: Node = { children: new Map() };
    for (const [key, value] of params) {
      let node = root;
      for (const part of key.split(".")) {
        let child = node.children.get(part);
        if (!child) {
          child = { children: new Map() };
          node.children.set(part, child);
        }
        node = child;
      }
      node.value = value;
    }
    return new QueryInput(root);
  }

  str(name: string): string | undefined {
    return this.node.children.get(name)?.value;
  }

  num(name: string): number | undefined {
    const raw = this.str(name);
    if (raw === undefined || raw === "") return undefined;
    const n = Number(raw);
    return Number.isFinite(n) ? n : Number.NaN;
  }

  bool(name: string): boolean | undefined {
    const raw = this.str(name);
    return raw === undefined ? undefined : raw.toLowerCase() === "true";
  }

  private items(name: string): Node[] {
    const node = this.node.children.get(name);
    if (!node) return [];
    let holder = node;
    const keys = [...node.children.keys()];
    if (!keys.every(isIndex)) {
      const wrapper = keys.length === 1 ? node.children.get(keys[0]!) : undefined;
      if (!wrapper || ![...wrapper.children.keys()].every(isIndex)) return [];
      holder = wrapper;
    }
    return [...holder.children.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([, n]) => n);
  }

  /** A list of scalars, e.g. ValuesToAdd. */
  list(name: string): string[] {
    return this.items(name).flatMap((n) => (n.value === undefined ? [] : [n.value]));
  }

  /** A list of structures, e.g. Tags or Filters. */
  structs(name: string): QueryInput[] {
    return this.items(name).map((n) => new QueryInput(n));
  }

  has(name: string): boolean {
    return this.node.children.has(name);
  }
}

/** A list as awsQuery XML spells it: `<Parent><Member>…</Member><Member>…</Member></Parent>`. */
export function xmlList(member: string, items: readonly unknown[]): unknown {
  return items.length === 0 ? "" : { [member]: items };
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

export function createQueryProtocol(options: { xmlns: string }): Protocol<QueryInput> {
  const xml = (doc: Record<string, unknown>) => `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc)}`;
  const reply = (status: number, body: string, requestId: string): HttpReply => ({
    status,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body,
  });
  return {
    codes: {
      throttle: "Throttling",
      unknownAction: "InvalidAction",
      unknownKey: "InvalidClientTokenId",
      unknownKeyStatus: 403,
      expiredToken: {
        code: "ExpiredToken",
        status: 403,
        message: "The security token included in the request is expired",
      },
    },
    readAction(req: RawRequest) {
      const params = new URLSearchParams(req.query);
      for (const [k, v] of new URLSearchParams(req.body)) params.append(k, v);
      const input = QueryInput.parse(params);
      const action = input.str("Action");
      if (!action) return { ok: false, error: { code: "MissingAction", message: "Action is required", status: 400 } };
      return { ok: true, value: { action, input } };
    },
    success(action, output, requestId) {
      const inner: Record<string, unknown> = {};
      if (Object.keys(output).length > 0) inner[`${action}Result`] = toXmlValue(output);
      inner.ResponseMetadata = { RequestId: requestId };
      return reply(200, xml({ [`${action}Response`]: { "@_xmlns": options.xmlns, ...inner } }), requestId);
    },
    failure(error: AwsError, requestId) {
      const type = error.type ?? (error.status >= 500 ? "Receiver" : "Sender");
      const body = xml({
        ErrorResponse: {
          "@_xmlns": options.xmlns,
          Error: { Type: type, Code: error.code, Message: error.message },
          RequestId: requestId,
        },
      });
      return reply(error.status, body, requestId);
    },
  };
}
