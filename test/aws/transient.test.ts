/**
 * What is transient (one classifier), and the clients' timeouts on the wire: a silent endpoint becomes an
 * EndpointTimeout naming service and endpoint after one request timeout (the SDK does not multiply it),
 * and S3's server-side copies get their own, longer timeout.
 */
import { createServer, type Server, type Socket } from "node:net";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, describe, expect, it } from "vitest";
import { isTransient, type TransientKind, toHikkoshiError, transientKind } from "../../src/aws/errors.js";
import { clientConfig } from "../../src/aws/session.js";
import { EndpointTimeout, TimedHttpHandler, timeoutsFromEnv } from "../../src/aws/timeouts.js";
import { HikkoshiError } from "../../src/core/errors.js";

const sdk = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...extra });
const status = (code: number) => ({ $metadata: { httpStatusCode: code } });
const net = (code: string, message = code) => Object.assign(new Error(message), { code });
const wrap = (err: unknown) => toHikkoshiError(err, { action: "CopyDBSnapshot", alias: "source", accountId: "1" });

const TABLE: Array<[string, unknown, TransientKind | undefined]> = [
  ["query throttling", sdk("Throttling", { Code: "Throttling", ...status(400) }), "throttled"],
  ["JSON throttling", sdk("ThrottlingException", status(400)), "throttled"],
  ["EC2 RequestLimitExceeded", sdk("RequestLimitExceeded", status(503)), "throttled"],
  ["S3 SlowDown", sdk("SlowDown", status(503)), "throttled"],
  ["S3 Control TooManyRequests", sdk("TooManyRequestsException", status(400)), "throttled"],
  ["HTTP 429", sdk("Unknown", status(429)), "throttled"],
  ["500 InternalFailure", sdk("InternalFailure", status(500)), "server"],
  ["KMS internal", sdk("KMSInternalException", status(500)), "server"],
  ["502 unknown code", sdk("Unknown", status(502)), "server"],
  ["503 ServiceUnavailable", sdk("ServiceUnavailable", status(503)), "server"],
  ["504 unknown code", sdk("Unknown", status(504)), "server"],
  ["S3 RequestTimeout (400)", sdk("RequestTimeout", status(400)), "server"],
  ["connection reset", net("ECONNRESET", "read ECONNRESET"), "connection"],
  ["socket hang up", net("ECONNRESET", "socket hang up"), "connection"],
  ["broken pipe", net("EPIPE"), "connection"],
  ["connection refused", net("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"), "unreachable"],
  ["no such host", net("ENOTFOUND"), "unreachable"],
  ["SDK TimeoutError", sdk("TimeoutError"), "no-answer"],
  ["socket ETIMEDOUT", net("ETIMEDOUT"), "no-answer"],
  ["our EndpointTimeout", new EndpointTimeout("rds", "http://127.0.0.1:1", "answer", 30_000, "x"), "no-answer"],
  ["wrapped in AwsError", wrap(sdk("ThrottlingException", status(400))), "throttled"],
  ["EndpointTimeout in AwsError", wrap(new EndpointTimeout("rds", "http://h", "answer", 1, "x")), "no-answer"],
  [
    "a step's error keeping the AWS error as cause",
    new HikkoshiError("S3_BUCKET_NOT_EMPTY", "x", { cause: wrap(sdk("InternalError", status(500))) }),
    "server",
  ],
  ["access denied", wrap(sdk("AccessDenied", status(403))), undefined],
  ["not found", sdk("DBSnapshotNotFoundFault", status(404)), undefined],
  ["already exists", sdk("DBSnapshotAlreadyExistsFault", status(400)), undefined],
  ["bad parameter", sdk("InvalidParameterValue", status(400)), undefined],
  ["aborted by the operator", sdk("AbortError"), undefined],
  ["a step's own verdict without cause", new HikkoshiError("WAIT_TIMEOUT", "gave up"), undefined],
  [
    "a step's verdict about a non-transient cause",
    new HikkoshiError("X", "y", { cause: sdk("AccessDenied") }),
    undefined,
  ],
  ["plain bug", new TypeError("x is undefined"), undefined],
];

describe("transient errors, classified in one place", () => {
  it.each(TABLE)("%s", (_label, err, kind) => {
    expect(transientKind(err)).toBe(kind);
    expect(isTransient(err)).toBe(kind !== undefined);
  });

  it("a timeout wrapped by the AWS access says AWS_NO_ANSWER with the endpoint in the message", () => {
    const wrapped = wrap(new EndpointTimeout("rds", "http://127.0.0.1:1234", "answer", 30_000, "x"));
    expect(wrapped.code).toBe("AWS_NO_ANSWER");
    expect(wrapped.message).toContain("no answer from rds at http://127.0.0.1:1234 within 30 s");
  });
});

describe("client timeouts", () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** Accepts connections and reads requests; answers after `answerAfterMs`, or never. */
  async function endpoint(answerAfterMs?: number) {
    const requests: string[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on("data", (chunk) => {
        const head = chunk.toString("latin1");
        if (!/^[A-Z]+ /.test(head)) return;
        requests.push(head.split("\r\n", 1)[0]!);
        if (answerAfterMs === undefined) return;
        setTimeout(() => {
          if (!socket.destroyed) socket.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }, answerAfterMs);
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, port, requests };
  }

  it("defaults: 10 s to connect, 25 s to answer, 15 min for S3 copies; configurable by environment", () => {
    expect(timeoutsFromEnv({})).toEqual({ connectMs: 10_000, requestMs: 25_000, copyMs: 900_000 });
    expect(timeoutsFromEnv({ HIKKOSHI_REQUEST_TIMEOUT_MS: "500", HIKKOSHI_CONNECT_TIMEOUT_MS: "250" })).toEqual({
      connectMs: 250,
      requestMs: 500,
      copyMs: 900_000,
    });
    expect(() => timeoutsFromEnv({ HIKKOSHI_REQUEST_TIMEOUT_MS: "0" })).toThrow(/HIKKOSHI_REQUEST_TIMEOUT_MS/);
  });

  it("a silent endpoint: one request, then an error naming the service and the endpoint (no SDK retries)", async () => {
    const silent = await endpoint();
    const account = { alias: "source", id: "111111111111", region: "ap-northeast-1" };
    const client = new STSClient({
      ...clientConfig(account, "sts", { endpoint: silent.url, timeouts: { requestMs: 300, connectMs: 300 } }),
      credentials: { accessKeyId: "AKSIM111111111111", secretAccessKey: "simulator" },
    });
    const err = await client.send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    client.destroy();
    expect(err).toBeInstanceOf(EndpointTimeout);
    expect((err as EndpointTimeout).message).toBe(`no answer from sts at ${silent.url} within 0.3 s`);
    expect(transientKind(err)).toBe("no-answer");
    // The SDK's standard retry (3 attempts) leaves it alone: the engine's loop is the only one.
    expect(silent.requests).toHaveLength(1);
  });

  it("S3 copies wait longer than other calls", async () => {
    const slow = await endpoint(400);
    const handler = new TimedHttpHandler("s3", { connectMs: 1_000, requestMs: 200, copyMs: 5_000 });
    const request = (headers: Record<string, string>, method = "PUT", query: Record<string, string> = {}) => ({
      protocol: "http:",
      hostname: "127.0.0.1",
      port: slow.port,
      method,
      path: "/bucket/key",
      query,
      headers: { host: `127.0.0.1:${slow.port}`, ...headers },
    });
    const copy = await handler.handle(request({ "x-amz-copy-source": "/src/key" }) as never);
    expect(copy.response.statusCode).toBe(200);
    const complete = await handler.handle(request({}, "POST", { uploadId: "u1" }) as never);
    expect(complete.response.statusCode).toBe(200);
    const plain = await handler.handle(request({}) as never).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(EndpointTimeout);
    expect((plain as Error).message).toContain(`no answer from s3 at ${slow.url} within 0.2 s`);
    handler.destroy();
  });
});
