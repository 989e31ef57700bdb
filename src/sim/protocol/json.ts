import type { AwsError } from "../outcome.js";
import type { HttpReply, Protocol, RawRequest } from "./types.js";

export type JsonInput = Record<string, unknown>;

/**
 * awsJson1_1 (KMS) and awsJson1_0 (DynamoDB): `X-Amz-Target: <prefix>.<Action>`, JSON in, JSON out, errors
 * as `{"__type","message"}`; `errorNamespace` prefixes `__type` as DynamoDB does
 * (`com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`).
 */
export function createJsonProtocol(options: {
  targetPrefix: string;
  version?: "1.0" | "1.1";
  errorNamespace?: string;
}): Protocol<JsonInput> {
  const contentType = `application/x-amz-json-${options.version ?? "1.1"}`;
  const errorType = (code: string) => (options.errorNamespace ? `${options.errorNamespace}#${code}` : code);
  const reply = (status: number, body: unknown, requestId: string): HttpReply => ({
    status,
    headers: { "content-type": contentType, "x-amzn-requestid": requestId },
    body: JSON.stringify(body),
  });
  return {
    codes: {
      throttle: "ThrottlingException",
      unknownAction: "UnknownOperationException",
      unknownKey: "UnrecognizedClientException",
      unknownKeyStatus: 400,
      expiredToken: {
        code: "ExpiredTokenException",
        status: 400,
        message: "The security token included in the request is expired",
      },
    },
    readAction(req: RawRequest) {
      const target = req.headers["x-amz-target"] ?? "";
      const [prefix, action] = target.split(".");
      if (prefix !== options.targetPrefix || !action) {
        return {
          ok: false,
          error: { code: "UnknownOperationException", message: `Bad target ${target}`, status: 400 },
        };
      }
      let input: unknown = {};
      if (req.body.trim() !== "") {
        try {
          input = JSON.parse(req.body);
        } catch {
          return { ok: false, error: { code: "SerializationException", message: "Body is not JSON", status: 400 } };
        }
      }
      if (input === null || typeof input !== "object" || Array.isArray(input)) {
        return { ok: false, error: { code: "SerializationException", message: "Body must be an object", status: 400 } };
      }
      return { ok: true, value: { action, input: input as JsonInput } };
    },
    success: (_action, output, requestId) => reply(200, output, requestId),
    failure: (error: AwsError, requestId) =>
      reply(error.status, { __type: errorType(error.code), message: error.message }, requestId),
  };
}

/** Typed readers for JSON input members; a wrong type reads as absent and the handler validates. */
export const field = {
  str: (input: JsonInput, name: string): string | undefined =>
    typeof input[name] === "string" ? (input[name] as string) : undefined,
  num: (input: JsonInput, name: string): number | undefined =>
    typeof input[name] === "number" ? (input[name] as number) : undefined,
  bool: (input: JsonInput, name: string): boolean | undefined =>
    typeof input[name] === "boolean" ? (input[name] as boolean) : undefined,
  objects: (input: JsonInput, name: string): JsonInput[] =>
    Array.isArray(input[name])
      ? (input[name] as unknown[]).filter((x): x is JsonInput => x !== null && typeof x === "object")
      : [],
};
